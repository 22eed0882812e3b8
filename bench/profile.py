"""Where one page's time goes, section by section, under the bench's production-like settings.

``python -m bench.profile /documents/ [--requests 200] [--cprofile 25] [--json out.json]``
runs the portal's own WSGI application in this process, with ``bench.environment`` (DEBUG
off, PostgreSQL, Redis cache, ``cached_db`` sessions, cached templates, collected static
files), as the largest bench household through a verified session. Nothing goes through a
socket: what is measured is the portal's Python, its database round trips and its Redis calls.

Two passes, both interleaved with ``/healthz`` (the floor) request by request:

1. uninstrumented: the page's median time and its median ratio to ``/healthz``;
2. instrumented: every middleware (its own time, the layers inside it subtracted), each
   ``process_view`` hook, the view, template rendering, each context processor, session
   load and save, every Redis call and every SQL statement (SELECTs, and writes by table:
   audit lines, read marks, session rows), each attributed to the section that issued it.
   The table gives each section's mean exclusive time per request and its share; the
   instrumentation itself costs a few microseconds per section.

``--cprofile N`` adds cProfile's N most expensive functions (own time) over the
instrumented pass' requests. Needs ``bench_loaddata`` first (``make bench`` does it).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bench.environment import ROOT, portal_env
from bench.server import setup_django, verified_session_cookie

FLOOR = "/healthz"
WRITE = re.compile(r'^\s*(INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)"?', re.IGNORECASE)


@dataclass
class _Frame:
    name: str
    started: float
    children: float = 0.0  # time spent in sections inside this one


class Sections:
    """A stack of named, timed sections; each request's exclusive time per section name."""

    def __init__(self) -> None:
        self.stack: list[_Frame] = []
        self.request: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.requests: list[tuple[dict[str, float], dict[str, int]]] = []
        self.enabled = False

    @property
    def current(self) -> str:
        return self.stack[-1].name if self.stack else "outside"

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        if not self.enabled:
            yield
            return
        frame = _Frame(name, time.perf_counter())
        self.stack.append(frame)
        try:
            yield
        finally:
            self.stack.pop()
            spent = time.perf_counter() - frame.started
            self.request[name] += spent - frame.children
            self.calls[name] += 1
            if self.stack:
                self.stack[-1].children += spent

    def timed(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.section(name):
                return function(*args, **kwargs)

        wrapper.__wrapped__ = function  # type: ignore[attr-defined]
        for attribute in ("csrf_exempt", "not_activity", "login_required"):
            if hasattr(function, attribute):
                setattr(wrapper, attribute, getattr(function, attribute))
        return wrapper

    def finish_request(self) -> None:
        self.requests.append((dict(self.request), dict(self.calls)))
        self.request.clear()
        self.calls.clear()


SECTIONS = Sections()


def _label(thing: object) -> str:
    kind = thing if isinstance(thing, type) else type(thing)
    return f"{kind.__module__}.{kind.__qualname__}"


def _short(label: str) -> str:
    return (label.replace("django.contrib.", "").replace("django.middleware.", "")
            .replace("django.", ""))


def instrument() -> None:
    """Wrap the middleware chain, the view, templates, sessions, the cache and the database."""
    from django.contrib.sessions.backends import cached_db, db
    from django.core.cache import caches
    from django.core.handlers import base
    from django.db import connections
    from django.template import engines
    from django.template.backends import django as django_backend

    sections = SECTIONS
    original_convert = base.convert_exception_to_response  # type: ignore[attr-defined]

    def convert(get_response: Callable[..., Any]) -> Callable[..., Any]:
        inner = original_convert(get_response)
        owner = getattr(get_response, "__self__", None)
        if isinstance(owner, base.BaseHandler):
            name = "URL resolving, request/response plumbing"
        else:
            name = "middleware " + _short(_label(get_response))
        return sections.timed(name, inner)

    setattr(base, "convert_exception_to_response", convert)  # noqa: B010

    original_load = base.BaseHandler.load_middleware

    def load_middleware(handler: base.BaseHandler, is_async: bool = False) -> None:
        original_load(handler, is_async)
        handler._view_middleware = [  # type: ignore[attr-defined]
            sections.timed(f"process_view {_short(_label(hook.__self__))}", hook)
            for hook in handler._view_middleware]  # type: ignore[attr-defined]
        make_atomic = handler.make_view_atomic
        handler.make_view_atomic = (  # type: ignore[method-assign]
            lambda view: sections.timed("view (its own Python)", make_atomic(view)))

    setattr(base.BaseHandler, "load_middleware", load_middleware)  # noqa: B010

    template_render = django_backend.Template.render

    def render(template: Any, context: Any = None, request: Any = None) -> Any:
        with sections.section("template rendering"):
            return template_render(template, context, request)

    setattr(django_backend.Template, "render", render)  # noqa: B010
    engine = engines["django"].engine  # type: ignore[attr-defined]
    engine.__dict__["template_context_processors"] = tuple(
        sections.timed(f"context processor {processor.__module__}.{processor.__name__}",
                       processor)
        for processor in engine.template_context_processors)

    for store, methods in ((cached_db.SessionStore, ("load", "save", "delete")),
                           (db.SessionStore, ("exists", "create"))):
        for method in methods:
            original = store.__dict__.get(method)
            if original is not None:
                setattr(store, method, sections.timed(f"session {method}", original))

    cache = caches["default"]
    for operation in ("add", "get", "set", "touch", "delete", "get_many", "has_key", "incr",
                      "set_many", "delete_many"):
        bound = getattr(cache, operation)
        setattr(cache, operation, _attributed(f"cache {operation}", bound))

    def execute(run: Callable[..., Any], sql: str, params: Any, many: bool,
                context: Any) -> Any:
        write = WRITE.match(sql)
        kind = f"SQL {write.group(1).split()[0]} {write.group(2)}" if write else (
            "SQL SELECT" if sql.lstrip().upper().startswith("SELECT") else "SQL other")
        with sections.section(f"{kind} ← {sections.current}"):
            return run(sql, params, many, context)

    connections["default"].execute_wrappers.append(execute)


def _attributed(kind: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with SECTIONS.section(f"{kind} ← {SECTIONS.current}"):
            return function(*args, **kwargs)

    return wrapper


def _environ(path: str, cookie: str | None) -> dict[str, Any]:
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1",
        "HTTP_USER_AGENT": "Mozilla/5.0 (bench.profile)", "HTTP_ACCEPT_LANGUAGE": "fr-CH,fr",
        "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    return environ


def _get(application: Callable[..., Any], path: str, cookie: str | None) -> tuple[int, float]:
    """One request as gunicorn makes it: status and seconds, the body read and closed."""
    status: list[str] = []
    started = time.perf_counter()
    result = application(_environ(path, cookie), lambda s, headers, exc=None: status.append(s))
    try:
        for _chunk in result:
            pass
    finally:
        result.close()  # request_finished: what gunicorn triggers after the body
    return int(status[0].split()[0]), time.perf_counter() - started


def _customer_cookie() -> str:
    from bench.explain import _largest_household

    household = _largest_household()
    if household is None:
        raise SystemExit("No bench household: run `manage.py bench_loaddata` first.")
    name, key = verified_session_cookie(household.account)
    return f"{name}={key}"


def _summary(requests: list[tuple[dict[str, float], dict[str, int]]]) -> list[dict[str, Any]]:
    names = sorted({name for times, _calls in requests for name in times})
    count = len(requests)
    totals = [sum(times.values()) for times, _calls in requests]
    mean_total = statistics.fmean(totals)
    rows: list[dict[str, Any]] = []
    for name in names:
        spent = [times.get(name, 0.0) for times, _calls in requests]
        calls = sum(calls.get(name, 0) for _times, calls in requests) / count
        rows.append({"section": name, "mean_ms": statistics.fmean(spent) * 1000,
                     "median_ms": statistics.median(spent) * 1000, "calls": calls,
                     "share": statistics.fmean(spent) / mean_total})
    rows.sort(key=lambda row: -row["mean_ms"])
    return rows


def _groups(rows: list[dict[str, Any]]) -> dict[str, float]:
    """The sections summed by kind: what the breakdown in docs/performance.md shows."""
    groups: dict[str, float] = defaultdict(float)
    for row in rows:
        name = row["section"]
        if name.startswith("SQL") and not name.startswith("SQL SELECT"):
            key = "SQL writes"
        elif name.startswith("SQL"):
            key = "SQL SELECTs"
        elif name.startswith("cache"):
            key = "Redis (cache, session cache)"
        elif name.startswith("session"):
            key = "session store (Python)"
        elif name.startswith(("template", "context processor")):
            key = "templates and context processors"
        elif name.startswith(("middleware", "process_view")):
            key = "middleware (own time)"
        elif name.startswith("view"):
            key = "view (own Python)"
        else:
            key = "handler plumbing"
        groups[key] += row["mean_ms"]
    return dict(sorted(groups.items(), key=lambda item: -item[1]))


def profile(path: str, *, requests: int, top: int) -> dict[str, Any]:
    from django.core.wsgi import get_wsgi_application

    instrument()
    application = get_wsgi_application()
    cookie = _customer_cookie()
    for _ in range(5):  # warm-up: connections, the template cache, lazy imports
        _get(application, FLOOR, None)
        _get(application, path, cookie)

    page_times, floor_times, ratios, statuses = [], [], [], set()
    for _ in range(requests):
        _status, floor = _get(application, FLOOR, None)
        status, page = _get(application, path, cookie)
        statuses.add(status)
        floor_times.append(floor)
        page_times.append(page)
        ratios.append(page / floor)

    SECTIONS.enabled = True
    profiler = None
    if top:
        import cProfile

        profiler = cProfile.Profile()
    for _ in range(requests):
        if profiler is not None:
            profiler.enable()
        _get(application, path, cookie)
        if profiler is not None:
            profiler.disable()
        SECTIONS.finish_request()
    SECTIONS.enabled = False
    rows = _summary(SECTIONS.requests)
    cprofile_text = ""
    if profiler is not None:
        import pstats

        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(top)
        cprofile_text = out.getvalue()
    return {
        "path": path, "requests": requests, "statuses": sorted(statuses),
        "load_average": os.getloadavg(),
        "page_median_ms": statistics.median(page_times) * 1000,
        "floor_median_ms": statistics.median(floor_times) * 1000,
        "ratio": statistics.median(ratios),
        "instrumented_mean_ms": sum(row["mean_ms"] for row in rows),
        "groups": _groups(rows), "sections": rows, "cprofile": cprofile_text,
    }


def _print(result: dict[str, Any]) -> None:
    load = ", ".join(f"{value:.1f}" for value in result["load_average"])
    print(f"\n{result['path']}: {result['requests']} requests in-process (status "
          f"{result['statuses']}), load average {load}")
    print(f"uninstrumented: page median {result['page_median_ms']:.2f} ms, /healthz "
          f"{result['floor_median_ms']:.2f} ms, ratio {result['ratio']:.2f}×")
    print(f"instrumented: mean {result['instrumented_mean_ms']:.2f} ms per request\n")
    print(f"{'by kind':44} {'ms':>7} {'share':>6}")
    total = result["instrumented_mean_ms"]
    for name, spent in result["groups"].items():
        print(f"{name:44} {spent:7.2f} {spent / total:6.0%}")
    print(f"\n{'section (exclusive time; ← who issued it)':96} {'mean ms':>8} "
          f"{'calls':>6} {'share':>6}")
    for row in result["sections"]:
        print(f"{row['section'][:96]:96} {row['mean_ms']:8.3f} {row['calls']:6.1f} "
              f"{row['share']:6.1%}")
    if result["cprofile"]:
        print("\ncProfile, own time over the instrumented requests:")
        print(result["cprofile"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="a customer page, e.g. /documents/")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--cprofile", type=int, default=0, metavar="N",
                        help="also print cProfile's N most expensive functions")
    parser.add_argument("--json", help="also write the result to this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kpt-profile-") as var_dir:
        env = portal_env(PORTAL_VAR_DIR=var_dir)
        subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "manage.py", "collectstatic",
                        "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        setup_django(PORTAL_VAR_DIR=var_dir)
        result = profile(args.path, requests=args.requests, top=args.cprofile)
    _print(result)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(result, out, indent=2)
    return 0 if result["statuses"] == [200] else 1


if __name__ == "__main__":
    sys.exit(main())
