"""The cache (sessions, rate limits, throttles) keeps working while Redis is away.

``ResilientRedisCache`` is Django's Redis cache with a fallback: when Redis cannot be reached
every operation goes to this process's memory for ``RETRY_AFTER_SECONDS``, then Redis is
tried again. The decision (docs/security.md): rate limits *degrade* rather than
lock everyone out or crash. While Redis is down they count per web process instead of
across all of them, so an attacker gets at most (number of processes) × the limit; the
password check itself is not weakened (django-axes counts failures in the database).
Sessions use the ``cached_db`` engine, so they live in the database anyway.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
RETRY_AFTER_SECONDS = 10
# The operations RedisCache implements; BaseCache builds the rest (decr, get_or_set, …) on them.
# LocMemCache keeps its entries in a module-level store per name: a number never reused (an
# object's id can be) gives each instance a store of its own, never a collected one's leftovers.
_FALLBACK_NUMBERS = itertools.count(1)
OPERATIONS = ("add", "get", "set", "touch", "delete", "get_many", "has_key", "incr",
              "set_many", "delete_many", "clear")


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        # A Redis that does not answer must not hold a request for long.
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        super().__init__(server, {**params, "OPTIONS": options})
        self._fallback = LocMemCache(f"redis-fallback-{next(_FALLBACK_NUMBERS)}", {
            "TIMEOUT": params.get("TIMEOUT", 300), "KEY_PREFIX": params.get("KEY_PREFIX", ""),
            "OPTIONS": {"MAX_ENTRIES": 50_000}})
        self._down_until = 0.0

    @property
    def degraded(self) -> bool:
        return time.monotonic() < self._down_until


def _resilient(name: str) -> Callable[..., Any]:
    def operation(self: ResilientRedisCache, *args: Any, **kwargs: Any) -> Any:
        if not self.degraded:
            try:
                return getattr(RedisCache, name)(self, *args, **kwargs)
            except UNAVAILABLE as exc:
                self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
                logger.warning("cache unavailable, using process memory for %ss: %s",
                               RETRY_AFTER_SECONDS, type(exc).__name__)
        return getattr(self._fallback, name)(*args, **kwargs)

    operation.__name__ = name
    return operation


for _name in OPERATIONS:
    setattr(ResilientRedisCache, _name, _resilient(_name))
