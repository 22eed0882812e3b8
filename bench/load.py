"""Load on 127.0.0.1: a login storm (contract, password, SMS code) then a browse mix.

``python -m bench.load [--logins 60] [--concurrency 12] [--views 8] [--max-seconds 120]``
starts gunicorn (bench.server, ``SMS_BACKEND=console``), and runs ``--concurrency`` aiohttp
clients. Each logs in a different bench household through the real /login/ wizard, reading
its SMS code from gunicorn's standard output, then browses ``--views`` customer pages. Every
client connects from its own loopback address (127.0.0.2, 127.0.0.3, …) as customers come
from many addresses; the portal's per-address SMS limit would otherwise stop the storm.
Bounded by request count and time. Reports requests/s per core, p50/p95/p99 per kind and
errors (any answer other than the expected one).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.server import portal_server, setup_django

STEP = "portal_login_view-current_step"  # formtools wizard prefix of PortalLoginView
SMS_LINE = re.compile(r"SMS to (\+\d+): \D*(\d{6})")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _csrf_token(page: str) -> str:
    match = CSRF_INPUT.search(page)
    if match is None:
        raise RuntimeError("the login page holds no CSRF token")
    return match.group(1)


BROWSE_MIX = [("/", 30), ("/documents/", 25), ("/documents/?type=benefit_statement", 10),
              ("/messages/", 15), ("/insurance/", 10), ("/profile/", 10)]


class CodeReader:
    """Follows gunicorn's output and hands each phone number its latest code."""

    def __init__(self, path: Path):
        self.path = path
        self.codes: dict[str, str] = {}
        self.offset = 0

    def poll(self) -> None:
        with open(self.path, encoding="utf-8", errors="replace") as out:
            out.seek(self.offset)
            chunk = out.read()
            self.offset = out.tell()
        for number, code in SMS_LINE.findall(chunk):
            self.codes[number] = code

    async def code_for(self, number: str, *, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.poll()
            if number in self.codes:
                return self.codes.pop(number)
            await asyncio.sleep(0.02)
        raise TimeoutError(f"no SMS for {number}")


class Stats:
    def __init__(self):
        self.latencies: dict[str, list[float]] = {}
        # A customer's whole login: its three requests' times added up (the SMS's delivery
        # and the typing left out). Not requests of their own.
        self.logins: list[float] = []
        self.errors: list[str] = []

    def add(self, kind: str, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)

    @property
    def requests(self) -> int:
        return sum(len(values) for values in self.latencies.values())


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Client:
    """One browser: its own loopback source address, cookies kept by hand (the portal's
    cookies are ``Secure``/``__Host-``, which no client sends over plain http)."""

    def __init__(self, aiohttp, base_url: str, source_ip: str, stats: Stats):
        self.base_url = base_url
        self.stats = stats
        self.cookies: dict[str, str] = {}
        self.last_elapsed = 0.0  # the last request's time, in seconds
        connector = aiohttp.TCPConnector(local_addr=(source_ip, 0), force_close=True)
        self.session = aiohttp.ClientSession(connector=connector,
                                             cookie_jar=aiohttp.DummyCookieJar(),
                                             timeout=aiohttp.ClientTimeout(total=30))

    async def request(self, kind: str, method: str, path: str, *, data=None,
                      expect=(200,)) -> tuple[int, str, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                   "Referer": self.base_url + path}
        started = time.perf_counter()
        async with self.session.request(method, self.base_url + path, data=data,
                                        headers=headers, allow_redirects=False) as response:
            body = await response.text()
            elapsed = self.last_elapsed = time.perf_counter() - started
            for name, morsel in response.cookies.items():
                if morsel.value and morsel.get("max-age") != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
            location = response.headers.get("Location", "")
        self.stats.add(kind, elapsed)
        if response.status not in expect:
            self.stats.errors.append(f"{method} {path} → {response.status}")
        return response.status, body, location

    async def log_in(self, username: str, password: str, number: str, codes: CodeReader):
        _status, body, _loc = await self.request("login", "GET", "/login/")
        spent = self.last_elapsed
        token = _csrf_token(body)
        _status, body, _loc = await self.request("login", "POST", "/login/", data={
            "csrfmiddlewaretoken": token, STEP: "auth",
            "auth-username": username, "auth-password": password})
        spent += self.last_elapsed
        code = await codes.code_for(number)
        token = _csrf_token(body)
        status, _body, location = await self.request("login", "POST", "/login/", data={
            "csrfmiddlewaretoken": token, STEP: "token",
            "token-otp_token": code}, expect=(302,))
        if status == 302:
            self.stats.logins.append(spent + self.last_elapsed)
        return status == 302

    async def close(self):
        await self.session.close()


async def _run(base_url: str, accounts: list[tuple[str, str]], *, concurrency: int,
               views: int, max_seconds: float, codes: CodeReader, stats: Stats) -> float:
    import aiohttp

    from bench.loaddata import BENCH_PASSWORD

    queue: asyncio.Queue = asyncio.Queue()
    for account in accounts:
        queue.put_nowait(account)
    deadline = time.monotonic() + max_seconds
    rng = random.Random(7)
    pages, weights = zip(*BROWSE_MIX, strict=True)

    async def worker(index: int):
        while not queue.empty() and time.monotonic() < deadline:
            username, number = queue.get_nowait()
            client = Client(aiohttp, base_url, f"127.0.{index // 250}.{index % 250 + 2}", stats)
            try:
                if await client.log_in(username, BENCH_PASSWORD, number, codes):
                    for _view in range(views):
                        if time.monotonic() > deadline:
                            break
                        await client.request("browse", "GET", rng.choices(pages, weights)[0])
            except (TimeoutError, AttributeError, aiohttp.ClientError) as exc:
                stats.errors.append(f"{username}: {exc!r}")
            finally:
                await client.close()

    started = time.monotonic()
    await asyncio.gather(*(worker(index) for index in range(concurrency)))
    return time.monotonic() - started


def measure(*, logins: int, concurrency: int, views: int, workers: int,
            max_seconds: float) -> dict:
    setup_django(SMS_BACKEND="console")
    from django.core.cache import cache

    from accounts.models import Customer
    from core.models import TokenBucket

    customers = list(Customer.objects.filter(customer_number__startswith="B")
                     .select_related("account").order_by("pk")[:logins])
    accounts = [(c.account.username, c.account.mobile_phone)
                for c in customers if c.account is not None]
    cache.clear()  # earlier runs' login steps and locks (Redis db 6, the bench's own)
    # Earlier runs' SMS budgets per contract and per address (5 codes an hour) are database
    # rows (core.buckets): a second run within the hour would be refused its codes.
    TokenBucket.objects.all().delete()
    stats = Stats()
    with tempfile.TemporaryDirectory(prefix="kpt-load-") as folder:
        out = Path(folder) / "gunicorn.out"
        with portal_server(workers=workers, stdout_path=out, SMS_BACKEND="console") as url:
            codes = CodeReader(out)
            seconds = asyncio.run(_run(url, accounts, concurrency=concurrency, views=views,
                                       max_seconds=max_seconds, codes=codes, stats=stats))
    cores = min(workers, os.cpu_count() or 1)
    every = [value for values in stats.latencies.values() for value in values]
    summary: dict[str, Any] = {
        "seconds": seconds, "requests": stats.requests, "errors": len(stats.errors),
        "error_samples": stats.errors[:5], "workers": workers, "cores": cores,
        "requests_per_second_per_core": stats.requests / seconds / cores, "kinds": {}}
    for kind, values in [*stats.latencies.items(), ("all", every)]:
        if not values:
            continue
        p50 = statistics.median(values)
        summary["kinds"][kind] = {
            "count": len(values), "p50_ms": p50 * 1000,
            "p95_ms": percentile(values, 0.95) * 1000, "p99_ms": percentile(values, 0.99) * 1000,
            "p95_over_p50": percentile(values, 0.95) / p50}
    if stats.logins:
        summary["whole_login"] = {
            "count": len(stats.logins), "p50_ms": statistics.median(stats.logins) * 1000,
            "p95_ms": percentile(stats.logins, 0.95) * 1000}
    return summary


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=12)
    parser.add_argument("--views", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--max-seconds", type=float, default=120)
    parser.add_argument("--json", help="also write the result to this file")
    args = parser.parse_args(argv)
    result = measure(logins=args.logins, concurrency=args.concurrency, views=args.views,
                     workers=args.workers, max_seconds=args.max_seconds)
    print(f"\nLoad: {result['requests']} requests in {result['seconds']:.1f} s, "
          f"{args.concurrency} clients, {result['workers']} gunicorn workers on "
          f"{result['cores']} cores: {result['requests_per_second_per_core']:.1f} req/s per "
          f"core, errors: {result['errors']}")
    print(f"{'kind':8} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'p95/p50':>8}")
    for kind, row in result["kinds"].items():
        print(f"{kind:8} {row['count']:>6} {row['p50_ms']:>8.0f} {row['p95_ms']:>8.0f} "
              f"{row['p99_ms']:>8.0f} {row['p95_over_p50']:>8.1f}")
    if "whole_login" in result:
        whole = result["whole_login"]
        print(f"whole logins (the 3 requests added up): {whole['count']}, "
              f"p50 {whole['p50_ms']:.0f} ms, p95 {whole['p95_ms']:.0f} ms")
    for sample in result["error_samples"]:
        print("  error:", sample)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(result, out, indent=2)
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
