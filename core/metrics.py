"""Prometheus metrics the core counts: requests, SMS, logins, tasks; and their two doors.

Counters live in each process. Under gunicorn and Celery's prefork pool set
``PROMETHEUS_MULTIPROC_DIR`` (a folder of the container's own, ``/tmp/metrics`` in the
image): every process writes its counts there and a scrape adds them up. The folder is
emptied when a container's first process starts (``clear_multiprocess_dir``: gunicorn's
master in ``gunicorn.conf.py``, a worker's main process at ``worker_init``), so counts of an
earlier run never mix in.

Two doors, both behind ``Authorization: Bearer $METRICS_TOKEN``:

- the web's ``/metrics`` (``kptportal.metrics``): requests, logins, and the gauges read from
  the database at scrape time (claims, outbox; added through ``register_source``);
- a worker's own port (``PORTAL_WORKER_METRICS_PORT``, ``serve_worker_metrics``): what its
  task processes counted, SMS sent and failed above all, which no web process ever sees.

Every metric has labels, so nothing is written to the folder before a process counts
something (a ``celery inspect ping`` healthcheck leaves no file behind).
"""

from __future__ import annotations

import hmac
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.http import HttpRequest, HttpResponseBase
from prometheus_client import Counter, Histogram

REQUESTS = Counter("portal_http_requests_total", "HTTP requests answered",
                   ["method", "status", "view"])
LATENCY = Histogram("portal_http_request_seconds", "Time to answer a request", ["view"],
                    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30))
SMS = Counter("portal_sms_total", "SMS handed to the provider", ["outcome"])  # sent | failed
LOGINS = Counter("portal_logins_total", "Login attempts", ["outcome"])  # success | failure
TASKS = Counter("portal_tasks_total", "Task runs that ended, by outcome", ["task", "state"])

_sources: list[Callable[[], Iterable[Any]]] = []


def register_source(source: Callable[[], Iterable[Any]]) -> None:
    """``source()`` yields prometheus_client metric families, computed at each scrape."""
    if source not in _sources:
        _sources.append(source)


class _Sources:
    def collect(self) -> Iterable[Any]:
        for source in _sources:
            yield from source()


def _registry(*, with_sources: bool) -> Any:
    from prometheus_client import REGISTRY, CollectorRegistry

    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in list(REGISTRY._collector_to_names):
            registry.register(collector)
    if with_sources:
        registry.register(_Sources())
    return registry


def exposition(*, with_sources: bool = True) -> tuple[bytes, str]:
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return generate_latest(_registry(with_sources=with_sources)), CONTENT_TYPE_LATEST


def token_accepted(authorization: str, token: str, *, debug: bool) -> bool:
    """The scraper's bearer token; without a token configured, only in development."""
    offered = authorization.removeprefix("Bearer ").strip()
    return bool(token and hmac.compare_digest(offered, token)) or (debug and not token)


# --- The multiprocess folder ---------------------------------------------------------------

def clear_multiprocess_dir(*, keep_pid: int | None = None) -> int:
    """Delete the counts an earlier run left in ``PROMETHEUS_MULTIPROC_DIR`` (a restarted
    container keeps its /tmp); ``keep_pid``: the calling process's own files stay. Returns
    how many files were deleted."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return 0
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    removed = 0
    for file in path.glob("*.db"):
        if keep_pid is not None and file.stem.rsplit("_", 1)[-1] == str(keep_pid):
            continue
        file.unlink(missing_ok=True)
        removed += 1
    return removed


def process_ended(pid: int) -> None:
    """A child process is gone: drop its live gauges (its counters stay counted)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


# --- A worker's own door -------------------------------------------------------------------

class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        """One line per scrape would drown the worker's log."""


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def worker_metrics_app(token: str, *, debug: bool = False) -> Callable[..., Iterable[bytes]]:
    """``GET /metrics`` of a worker: its processes' counters, for the scraper only."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        allowed = token_accepted(environ.get("HTTP_AUTHORIZATION", ""), token, debug=debug)
        if environ.get("PATH_INFO") != "/metrics" or not allowed:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not Found"]
        body, content_type = exposition(with_sources=False)
        start_response("200 OK", [("Content-Type", content_type),
                                  ("Cache-Control", "no-store")])
        return [body]

    return app


def serve_worker_metrics(port: int, token: str, *, addr: str = "127.0.0.1",
                         debug: bool = False) -> WSGIServer:
    """Serve ``worker_metrics_app`` from a daemon thread of this process."""
    server = make_server(addr, port, worker_metrics_app(token, debug=debug),
                         server_class=_ThreadingServer, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server


# --- Requests ------------------------------------------------------------------------------

def _view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unresolved"  # 404s, probes answered before the URLs, redirects to HTTPS
    return str(match.view_name)


class RequestMetricsMiddleware:
    """Requests by method, status class and view (the URL's name: a bounded set), and the
    latency per view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        view = _view_name(request)
        LATENCY.labels(view).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method or "", f"{response.status_code // 100}xx", view).inc()
        return response
