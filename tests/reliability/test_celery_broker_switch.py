"""The broker switch used by the fault and browser tests leaves no closed pool behind.

Regression: the switch used to force-close the app's connection pool while kombu kept it
registered for the original broker URL, so the next test that sent a task got
"RuntimeError: Acquire on closed pool" — the suite failed in some orders only.
"""

from __future__ import annotations

from finsam.celery import app

from ..celery_broker import celery_broker


def test_the_original_broker_is_usable_after_switching_away_and_back():
    with app.pool.acquire(block=False) as connection:  # the pool of the original URL exists
        assert connection is not None
    with celery_broker("memory://", transport_options={}), app.pool.acquire(block=False):
        assert app.conf.broker_url == "memory://"
    with app.pool.acquire(block=False) as connection:
        assert connection.as_uri().startswith(app.conf.broker_url.split(":", 1)[0])
