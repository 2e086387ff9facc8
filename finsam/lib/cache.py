"""Django's Redis cache, made to forgive a Redis that is down.

The cache only ever saves work: with Redis stopped, a read is a miss and a write is
skipped (each logged as a warning), so that no page fails because of the cache. Django's
own RedisCache raises redis' ConnectionError instead.
"""

from __future__ import annotations

import functools
import logging

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

_DOWN = (RedisConnectionError, RedisTimeoutError)


def _forgiving(default):
    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except _DOWN as error:
                logger.warning("cache unavailable (%s): %s", method.__name__, type(error).__name__)
                return default(*args) if callable(default) else default

        return wrapper

    return decorate


def _missing_key(key, *args):
    raise ValueError(f"Key {key!r} not found.")


class ForgivingRedisCacheClient(RedisCacheClient):
    add = _forgiving(False)(RedisCacheClient.add)
    get = _forgiving(lambda key, default: default)(RedisCacheClient.get)
    set = _forgiving(None)(RedisCacheClient.set)
    touch = _forgiving(False)(RedisCacheClient.touch)
    delete = _forgiving(False)(RedisCacheClient.delete)
    get_many = _forgiving(lambda keys: {})(RedisCacheClient.get_many)
    has_key = _forgiving(False)(RedisCacheClient.has_key)
    incr = _forgiving(_missing_key)(RedisCacheClient.incr)
    set_many = _forgiving(lambda data, timeout: [])(RedisCacheClient.set_many)
    delete_many = _forgiving(None)(RedisCacheClient.delete_many)
    clear = _forgiving(False)(RedisCacheClient.clear)


class ForgivingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ForgivingRedisCacheClient
