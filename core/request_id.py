"""The id of the request (or task) being served, for the logs and the tasks it queues.

``RequestIdMiddleware`` takes the load balancer's ``X-Request-ID`` when it is a sane token,
makes one otherwise, answers it back in the response's ``X-Request-ID`` and keeps it here;
the outbox stores it with each task and the worker puts it back around the task, so one id
follows a customer's action from the web into the worker's logs.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

_current: ContextVar[str] = ContextVar("request_id", default="")
_SANE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
HEADER = "HTTP_X_REQUEST_ID"


def current() -> str:
    return _current.get()


def new() -> str:
    return uuid.uuid4().hex


def accept(offered: str | None) -> str:
    """The offered id when it is a plain token (nothing a log reader could be fooled by)."""
    return offered if offered and _SANE.match(offered) else new()


def bind(value: str) -> object:
    return _current.set(value)


def reset(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]
