"""Knowing what the portal does: request ids, JSON logs, error reports, metrics.

- ``RequestIdMiddleware``: one id per request (the balancer's ``X-Request-ID`` when sane),
  answered in ``X-Request-ID``, carried by the outbox into the tasks the request queues.
- ``ContextFilter``: puts ``request_id`` and, in a worker, ``task`` / ``task_id`` on every
  log record; ``settings.logging_config`` writes them as one JSON object per line
  (python-json-logger) in production.
- ``init_error_reports``: Sentry when ``SENTRY_DSN`` is set, without personal data (no
  request bodies, cookies, local variables or user details).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from core import request_id


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        value = request_id.accept(request.META.get(request_id.HEADER))
        token = request_id.bind(value)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = value
        return response


class ContextFilter(logging.Filter):
    """Adds ``request_id`` (and ``task``, ``task_id`` inside a Celery task) to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.current()
        try:
            from celery import current_task

            task = current_task
            if task and getattr(task, "request", None) and task.request.id:
                record.task = task.name
                record.task_id = task.request.id
        except Exception:  # noqa: BLE001 - logging must never fail
            pass
        return True


def _drop_personal_data(event: Any, hint: dict[str, Any]) -> Any:
    """Sentry's ``before_send``: the event without what could identify a customer."""
    request = event.get("request") or {}
    for key in ("data", "cookies", "query_string", "env"):
        request.pop(key, None)
    headers = request.get("headers") or {}
    for key in list(headers):
        if key.lower() in {"cookie", "authorization", "x-csrftoken"}:
            headers.pop(key)
    user = event.get("user") or {}
    event["user"] = {"id": user["id"]} if "id" in user else {}
    return event


def init_error_reports(dsn: str, environment: str, release: str) -> bool:
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn, environment=environment, release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False, include_local_variables=False,
        max_request_body_size="never", before_send=_drop_personal_data,
        traces_sample_rate=0.0,
    )
    return True
