"""Response headers the framework does not set itself; the health probes, answered before
the host check."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.urls import resolve
from django.utils.cache import patch_cache_control

from core.file_crypto import KeyUnavailable

logger = logging.getLogger(__name__)

# Features the portal never uses are switched off; the camera only where invoices are taken.
BASE_PERMISSIONS = "accelerometer=(), geolocation=(), gyroscope=(), magnetometer=(), " \
                   "microphone=(), payment=(), usb=(), interest-cohort=()"
CAMERA_PATHS = ("/claims/new/",)


class ProbeMiddleware:
    """Answers the probes and the scraper (``settings.PROBE_PATHS``: ``/healthz*``,
    ``/metrics``) whatever the Host header.

    The orchestrator, the load balancer and Prometheus reach a container by its address
    (``127.0.0.1:8000`` in the compose healthcheck, ``web:8000``, the container's IP behind a
    balancer), not by the portal's name; ``ALLOWED_HOSTS`` (checked by ``request.get_host()``,
    first in ``CommonMiddleware``) would answer them 400, and the web service would never be
    healthy. These answers use nothing of the host (``/metrics`` keeps its bearer token);
    every other path keeps the host check. Sits before the session, locale and common
    middleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.paths = frozenset(settings.PROBE_PATHS)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path_info not in self.paths:
            return self.get_response(request)
        match = resolve(request.path_info)
        request.resolver_match = match
        response: HttpResponseBase = match.func(request, *match.args, **match.kwargs)
        # A probe's answer is of this moment and this process: never kept by any cache.
        patch_cache_control(response, private=True, no_store=True)
        return response


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        camera = "camera=(self)" if request.path.startswith(CAMERA_PATHS) else "camera=()"
        response.setdefault("Permissions-Policy", f"{BASE_PERMISSIONS}, {camera}")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


class PrivateCacheMiddleware:
    """``Cache-Control: private, no-store`` on every response that belongs to one person.

    That is any response to a logged-in user (customer or advisor), and any response that
    sets the session cookie or is served to a browser holding a session (a login under way,
    files shared from the phone): health data must stay out of shared caches and out of the
    browser's cache once the session ends. Static facts for anonymous visitors (the manifest,
    the service worker, static files, /healthz) keep their own caching rules.

    Sits outside ``SessionMiddleware`` so that it sees the cookie that one sets, and inside
    WhiteNoise so that static files are never concerned.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if _belongs_to_one_person(request, response):
            patch_cache_control(response, private=True, no_store=True)
        return response


def _belongs_to_one_person(request: HttpRequest, response: HttpResponseBase) -> bool:
    if settings.SESSION_COOKIE_NAME in response.cookies:
        return True
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    session = getattr(request, "session", None)
    return session is not None and not session.is_empty()


class ExceptionAnswerMiddleware:
    """A middleware that turns one kind of exception from a view into an answer: subclasses
    name the exception (``answers``) and build the response (``answer``)."""

    answers: type[Exception] = Exception

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest,
                          exception: Exception) -> HttpResponseBase | None:
        return self.answer(request, exception) if isinstance(exception, self.answers) else None

    def answer(self, request: HttpRequest, exception: Exception) -> HttpResponseBase:
        raise NotImplementedError


class FileKeyUnavailableMiddleware(ExceptionAnswerMiddleware):
    """A customer file that needs a key this process does not hold yet answers a clear 503.

    That happens only when the order of a key change (docs/operations.md) was not followed:
    a process still without the new key is asked for a file written under it. The customer is
    told to retry in a few minutes (the file is safe), ops get one log line naming the key and
    the file; never a 500 with a traceback.
    """

    RETRY_AFTER_SECONDS = 120
    answers = KeyUnavailable

    def answer(self, request: HttpRequest, exception: Exception) -> HttpResponseBase:
        missing = cast(KeyUnavailable, exception)  # the only kind ``answers`` lets through
        logger.error("file needs key %s, which this process does not hold: %s",
                     missing.key_id, missing.name or "?",
                     extra={"key_id": missing.key_id, "path": request.path})
        response = render(request, "file_unavailable.html", status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        patch_cache_control(response, private=True, no_store=True)
        return response
