"""What `/halsa/` and `manage.py halsa` report: PostgreSQL, Redis, and the Celery heartbeat.

Beat sends the heartbeat task every HEARTBEAT_SECONDS and notes the time it did; the worker
that runs it notes its own time. Both go to Redis, so any process can tell whether beat
schedules and a worker works. The web server's health (its HTTP status) depends only on what
it needs itself, PostgreSQL and Redis: a stopped worker must not take the web server down.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection

HEARTBEAT_SECONDS = 60
# A heartbeat is stale after three missed beats.
STALE_AFTER = 3 * HEARTBEAT_SECONDS
_KEY = "finsam:halsa:{}"
OWN = ("postgresql", "redis")


def record(process: str) -> None:
    """Note that `process` ("beat" or "worker") is alive now."""
    from django.core.cache import cache

    cache.set(_KEY.format(process), time.time(), timeout=None)


def _heartbeat(process: str) -> str:
    from django.core.cache import cache

    seen = cache.get(_KEY.format(process))
    if seen is None:
        return "fel"
    return "ok" if time.time() - seen < STALE_AFTER else "fel"


def checks() -> dict[str, str]:
    """Each part "ok" or "fel", each answered within a couple of seconds."""
    import redis

    result: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        result["postgresql"] = "ok"
    except Exception:  # the check reports any failure as such
        result["postgresql"] = "fel"
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
        result["redis"] = "ok"
    except Exception:
        result["redis"] = "fel"
    for process in ("worker", "beat"):
        result[process] = _heartbeat(process) if result["redis"] == "ok" else "fel"
    return result


def healthy(result: dict[str, str], parts: tuple[str, ...] = OWN) -> bool:
    return all(result[part] == "ok" for part in parts)
