"""Pointing this process's Celery app at another broker, and back, without leftovers.

Celery keeps its broker connections in kombu's process-wide pool registry
(`kombu.pools.connections`), keyed by the connection's URL. Closing the app's pool but
leaving it registered hands the next test the same closed pool ("Acquire on closed pool")
as soon as it sends a task to the original URL again. `kombu.pools.reset()` closes every
pool *and* empties the registry, so the next send builds a fresh pool for whatever URL is
configured then.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from kombu import pools


def drop_connections(app) -> None:
    """Forget every pooled broker connection and producer of `app` and of kombu."""
    pools.reset()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@contextlib.contextmanager
def celery_broker(url: str, transport_options: dict | None = None) -> Iterator[None]:
    """Points the Celery app of this process at `url` for the block, then restores it."""
    from finsam.celery import app

    saved = (app.conf.broker_url, app.conf.broker_transport_options)
    drop_connections(app)
    app.conf.broker_url = url
    if transport_options is not None:
        app.conf.broker_transport_options = transport_options
    try:
        yield
    finally:
        drop_connections(app)
        app.conf.broker_url, app.conf.broker_transport_options = saved
