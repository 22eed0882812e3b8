"""Reachability checks for /healthz: each cheap, each answering (ok, detail)."""

import logging
import time
from typing import Any

from django.conf import settings
from django.core.files.storage import storages
from django.db import connection

logger = logging.getLogger(__name__)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any failure means "not reachable"
        logger.exception("healthz: database unreachable")
        return False


def broker_ok() -> bool:
    if not settings.REDIS_URL:
        return True  # eager mode: no broker to reach
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=0.5).ping())
    except redis.RedisError:
        logger.warning("healthz: broker unreachable")
        return False


def storage_ok() -> bool:
    try:
        storage = storages["private"]
        storage.exists("healthz-probe")
        # The probe keeps this process's record of its file keys fresh (core.key_rings).
        note_in_use = getattr(storage, "note_in_use", None)
        if note_in_use is not None:
            note_in_use()
        return True
    except Exception:
        logger.warning("healthz: storage unreachable")
        return False


REMOTE_CHECK_SECONDS = 15
_remote: dict[str, Any] = {"at": 0.0, "result": {}}


def remote_checks() -> dict[str, bool]:
    """Broker and storage, re-checked at most every 15 s so /healthz stays cheap under probes."""
    now = time.monotonic()
    if now - _remote["at"] > REMOTE_CHECK_SECONDS or not _remote["result"]:
        _remote["result"] = {"broker": broker_ok(), "storage": storage_ok()}
        _remote["at"] = now
    return dict(_remote["result"])
