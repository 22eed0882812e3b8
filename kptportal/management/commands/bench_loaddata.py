"""Load a large fictitious dataset for the benchmarks (PostgreSQL only): see bench/loaddata.py."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bench.loaddata import load


class Command(BaseCommand):
    help = "Add --scale fictitious households (documents, coverages, threads) with COPY."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=2000, help="households to add")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, scale, seed, **options):
        if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
            raise CommandError("bench_loaddata needs PostgreSQL: set DATABASE_URL.")
        self.stdout.write(f"Loading {scale} households…")
        report = load(households=scale, seed=seed, stdout=self.stdout)
        total_rows = sum(report.rows.values())
        self.stdout.write(f"{total_rows} rows in {report.seconds:.1f} s "
                          f"({total_rows / report.seconds:,.0f} rows/s)")
        for table, rows in report.rows.items():
            size = report.sizes.get(table, 0)
            self.stdout.write(f"  {table:32} {rows:>11,} rows  {size / 2**20:>9.1f} MiB total")
