"""The broker's connection options, in one place for the settings and the fault tests."""

from __future__ import annotations


def redis_transport_options(timeout: float, visibility_timeout: int) -> dict[str, object]:
    """kombu's Redis transport: every socket operation and connection gives up after
    ``timeout`` seconds (a frozen Redis accepts connections and answers nothing), the
    worker's long-lived BRPOP is watched by kombu's health check (every 10 s) instead."""
    return {
        "visibility_timeout": visibility_timeout,
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry_on_timeout": False,
        "health_check_interval": 10,
    }
