"""Each customer page against the framework's floor (/healthz), in one interleaved run.

``python -m bench.pages [--rounds 40] [--customers 10]``: starts gunicorn (bench.server),
logs in the largest bench households through verified sessions made directly in the session
store, then requests /healthz and every customer page in turn, round after round, one at a
time, so noise from the shared machine hits all pages alike. Reports each page's median
time and its median ratio to /healthz in the same round. Needs ``bench_loaddata`` first.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from bench.server import portal_server, setup_django, verified_session_cookie

FLOOR = "/healthz"
PAGES = ["/", "/documents/", "/claims/", "/messages/", "/insurance/", "/profile/"]
TARGET_RATIO = 2.0


def _customers(count: int):
    from accounts.models import Customer

    return list(Customer.objects.filter(customer_number__startswith="B", account__isnull=False)
                .select_related("account").order_by("-pk")[:count])


def _wired(pages: list[str]) -> list[str]:
    from django.urls import Resolver404, resolve

    wired = []
    for page in pages:
        try:
            resolve(page)
            wired.append(page)
        except Resolver404:
            pass
    return wired


def measure(*, rounds: int, customers: int, workers: int, max_seconds: float,
            stop=None) -> dict:
    """``stop`` (a threading.Event) ends the run early, e.g. when a burst is over."""
    import requests

    setup_django()
    pages = _wired(PAGES)
    cookies = [verified_session_cookie(c.account) for c in _customers(customers)]
    if not cookies:
        raise SystemExit("No bench household: run `manage.py bench_loaddata` first.")
    times: dict[str, list[float]] = {page: [] for page in [FLOOR, *pages]}
    ratios: dict[str, list[float]] = {page: [] for page in pages}
    errors = 0
    with portal_server(workers=workers) as base_url:
        http = requests.Session()
        deadline = time.monotonic() + max_seconds
        for index in range(rounds + 2):
            name, key = cookies[index % len(cookies)]
            headers = {"Cookie": f"{name}={key}"}
            round_times = {}
            for page in [FLOOR, *pages]:
                started = time.perf_counter()
                response = http.get(base_url + page, headers=headers, allow_redirects=False,
                                    timeout=30)
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    errors += 1
                round_times[page] = elapsed
            if index < 2:
                continue  # warm-up rounds: first connections, template and cache warm-up
            for page, elapsed in round_times.items():
                times[page].append(elapsed)
            for page in pages:
                ratios[page].append(round_times[page] / round_times[FLOOR])
            if time.monotonic() > deadline or (stop is not None and stop.is_set()):
                break
    return {
        "rounds": len(times[FLOOR]), "errors": errors,
        "floor_ms": statistics.median(times[FLOOR]) * 1000,
        "pages": {page: {"median_ms": statistics.median(times[page]) * 1000,
                         "ratio": statistics.median(ratios[page])} for page in pages},
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--customers", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-seconds", type=float, default=120)
    parser.add_argument("--json", help="also write the result to this file")
    args = parser.parse_args(argv)
    result = measure(rounds=args.rounds, customers=args.customers, workers=args.workers,
                     max_seconds=args.max_seconds)
    print(f"\nPages vs /healthz ({result['rounds']} interleaved rounds, "
          f"floor median {result['floor_ms']:.1f} ms, non-200 answers: {result['errors']})")
    print(f"{'page':14} {'median ms':>10} {'ratio':>7}  target ≤ {TARGET_RATIO:g}×")
    for page, row in result["pages"].items():
        verdict = "ok" if row["ratio"] <= TARGET_RATIO else "OVER"
        print(f"{page:14} {row['median_ms']:>10.1f} {row['ratio']:>6.2f}×  {verdict}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(result, out, indent=2)
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
