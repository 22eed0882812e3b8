"""The work each customer page does per request, counted rather than timed.

``python -m bench.work [--requests 20] [--json out.json]`` runs the portal's WSGI application
in this process under the bench's production-like settings (as ``bench.profile`` does), as
the largest bench household through a verified session, and counts per request: SQL
statements, Redis commands and Python function calls (cProfile's count). On a shared machine
the timings of ``bench.pages`` move with the other jobs; these counts do not, so two trees
can be compared at any load. Needs ``bench_loaddata`` first.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import subprocess
import sys
import tempfile
from typing import Any

from bench.environment import ROOT, portal_env
from bench.pages import FLOOR, PAGES
from bench.server import setup_django


def _count_redis_commands() -> list[int]:
    """A counter bumped by every command sent to Redis (cache and session cache)."""
    from redis.client import Redis

    sent = [0]
    original = Redis.execute_command

    def counted(self: Redis, *args: Any, **options: Any) -> Any:
        sent[0] += 1
        return original(self, *args, **options)

    setattr(Redis, "execute_command", counted)  # noqa: B010
    return sent


def count(paths: list[str], *, requests: int) -> dict[str, dict[str, float]]:
    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.profile import _customer_cookie, _get

    redis_sent = _count_redis_commands()
    application = get_wsgi_application()
    cookie = _customer_cookie()
    result = {}
    for path in paths:
        for _ in range(3):  # warm-up: connections, template cache, lazy imports
            _get(application, path, cookie)
        redis_before = redis_sent[0]
        profiler = cProfile.Profile()
        with CaptureQueriesContext(connection) as queries:
            profiler.enable()
            statuses = {_get(application, path, cookie)[0] for _ in range(requests)}
            profiler.disable()
        result[path] = {
            "status": sorted(statuses)[0] if len(statuses) == 1 else -1,
            "sql": len(queries.captured_queries) / requests,
            "redis": (redis_sent[0] - redis_before) / requests,
            "python_calls": pstats.Stats(profiler).total_calls / requests,  # type: ignore[attr-defined]
        }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=[FLOOR, *PAGES])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--json", help="also write the result to this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kpt-work-") as var_dir:
        env = portal_env(PORTAL_VAR_DIR=var_dir)
        subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "manage.py", "collectstatic",
                        "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        setup_django(PORTAL_VAR_DIR=var_dir)
        result = count(args.paths, requests=args.requests)
    print(f"{'page':14} {'status':>6} {'SQL':>5} {'Redis':>6} {'Python calls':>13}")
    for path, row in result.items():
        print(f"{path:14} {row['status']:>6} {row['sql']:>5.1f} {row['redis']:>6.1f} "
              f"{row['python_calls']:>13,.0f}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(result, out, indent=2)
    return 0 if all(row["status"] == 200 for row in result.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
