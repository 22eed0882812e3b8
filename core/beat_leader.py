"""One beat at a time: a second ``celery beat`` (a second replica, an operator's mistake)
waits as a hot standby instead of sending every periodic job twice.

At start (``beat_init``) beat takes a Redis lock with a time to live and renews it from a
thread; a beat that cannot take it waits and tries again. A leader that fails to renew (Redis
gone, a long pause, the lock taken over after expiry) stops at once with exit status 70: it
may no longer be the only one, and its container's restart policy brings it back as a
standby. A standby takes over within ``BEAT_LOCK_TTL`` seconds of a leader's death.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

LOCK_NAME = "kpt:beat-leader"
EXIT_LOST_LEADERSHIP = 70


def ttl_seconds() -> int:
    return int(os.environ.get("BEAT_LOCK_TTL", "30"))


def become_leader(redis_url: str, ttl: int | None = None,
                  on_lost: Callable[[], None] | None = None) -> Any:
    """Block until this process holds the beat lock; keep it renewed; return the lock."""
    import redis

    ttl = ttl or ttl_seconds()
    client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
    lock = client.lock(LOCK_NAME, timeout=ttl, thread_local=False)
    waited = False
    while True:
        try:
            if lock.acquire(blocking=False):
                break
        except redis.RedisError as exc:
            logger.warning("beat lock: Redis unavailable (%s), trying again", type(exc).__name__)
        if not waited:
            logger.warning("beat lock held by another beat: waiting as a standby")
            waited = True
        time.sleep(max(1.0, ttl / 10))
    logger.warning("beat lock taken: this beat sends the periodic jobs")

    def lost() -> None:
        logger.critical("beat lock lost: stopping so that no two beats run")
        os._exit(EXIT_LOST_LEADERSHIP)

    def renew() -> None:
        while True:
            time.sleep(ttl / 3)
            try:
                if not lock.reacquire():
                    raise redis.exceptions.LockError("not the owner")
            except redis.RedisError:
                (on_lost or lost)()
                return

    threading.Thread(target=renew, name="beat-lock", daemon=True).start()
    return lock


def on_beat_init(sender: Any = None, **kwargs: Any) -> None:
    """``beat_init``: with a Redis broker, wait for the lock before the first job."""
    from django.conf import settings

    if settings.REDIS_URL:
        become_leader(settings.REDIS_URL)
