"""Load a large fictitious dataset for the benchmarks (PostgreSQL only): see bench/loaddata.py.

Only into a benchmark database (named ``kpt_bench…``, as ``bench.run`` creates them) and
never with ``DJANGO_DEBUG=0``: fake households must not land in a real portal's database.
"""

import re
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bench.loaddata import load


class Command(BaseCommand):
    help = "Add --scale fictitious households (documents, coverages, threads) with COPY."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, default=2000, help="households to add")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        scale, seed = options["scale"], options["seed"]
        if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
            raise CommandError("bench_loaddata needs PostgreSQL: set DATABASE_URL.")
        refuse_real_database(settings.DATABASES["default"]["NAME"], settings.DEBUG)
        self.stdout.write(f"Loading {scale} households…")
        report = load(households=scale, seed=seed, stdout=self.stdout)
        total_rows = sum(report.rows.values())
        self.stdout.write(f"{total_rows} rows in {report.seconds:.1f} s "
                          f"({total_rows / report.seconds:,.0f} rows/s)")
        for table, rows in report.rows.items():
            size = report.sizes.get(table, 0)
            self.stdout.write(f"  {table:32} {rows:>11,} rows  {size / 2**20:>9.1f} MiB total")


BENCH_DATABASE = re.compile(r"^(test_)?kpt_bench[A-Za-z0-9_]*$")


def refuse_real_database(name: str, debug: bool) -> None:
    if not debug:
        raise CommandError("bench_loaddata refuses to run with DJANGO_DEBUG=0 (production).")
    if not BENCH_DATABASE.match(str(name)):
        raise CommandError(f"bench_loaddata loads fake households only into a benchmark "
                           f"database (kpt_bench…), not into {name!r}.")
