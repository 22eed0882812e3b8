"""``make bench``: load data at a scale (once), then every benchmark, then one table.

``python -m bench.run --scale 2000`` uses the PostgreSQL database ``kpt_bench_<scale>``:
created, migrated and loaded by ``bench_loaddata`` the first time (its load time and size are
kept in ``var/bench/load-<scale>.json``), only migrated afterwards. Then: queries per page and
sequential scans (bench.explain), each page against /healthz (bench.pages), the login storm
and browse mix (bench.load), a burst of claim uploads through the OCR worker
(bench.intake_burst). Prints the table docs/performance.md shows. 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from bench.environment import BENCH_DIR, ROOT, portal_env

PY = str(ROOT / ".venv" / "bin" / "python")


def _psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database,
                           "-tAc", sql], check=True, capture_output=True, text=True).stdout


def prepare(scale: int, database: str) -> dict:
    """The database at ``scale``, loaded once; returns the load report."""
    report_path = BENCH_DIR / f"load-{scale}.json"
    env = portal_env(BENCH_DATABASE=database,
                     DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database}")
    exists = _psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}'").strip() == "1"
    if exists and report_path.exists():
        subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                       check=True)
        return json.loads(report_path.read_text())
    if exists:
        _psql(f'DROP DATABASE "{database}"')
    _psql(f'CREATE DATABASE "{database}"')
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                   check=True)
    started = time.monotonic()
    # The loader refuses DEBUG off (a production database); this one is a bench database.
    output = subprocess.run([PY, "manage.py", "bench_loaddata", "--scale", str(scale)],
                            cwd=ROOT, env={**env, "DJANGO_DEBUG": "1"}, check=True,
                            capture_output=True, text=True).stdout
    print(output)
    size = int(_psql("SELECT pg_database_size(current_database())", database))
    docs = int(_psql("SELECT pg_total_relation_size('documents_document')", database))
    rows = int(_psql("SELECT count(*) FROM documents_document", database))
    report = {"scale": scale, "seconds": time.monotonic() - started, "database_bytes": size,
              "documents": rows, "documents_bytes": docs}
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report, indent=2))
    return report


def _run_json(module: str, database: str, *args: str) -> dict | None:
    out = BENCH_DIR / f"{module.rsplit('.', 1)[-1]}.json"
    out.unlink(missing_ok=True)
    env = portal_env(BENCH_DATABASE=database,
                     DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database}")
    result = subprocess.run([PY, "-m", module, *args, "--json", str(out)], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    if not out.exists():
        print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
        return None
    return json.loads(out.read_text())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--logins", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--views", type=int, default=8)
    parser.add_argument("--claims", type=int, default=24, help="uploads in the intake burst")
    args = parser.parse_args(argv)
    database = f"kpt_bench_{args.scale}"
    load = prepare(args.scale, database)
    explain = _run_json("bench.explain", database)
    pages = _run_json("bench.pages", database, "--rounds", str(args.rounds))
    traffic = _run_json("bench.load", database, "--logins", str(args.logins),
                        "--concurrency", str(args.concurrency), "--views", str(args.views))
    intake = _run_json("bench.intake_burst", database, "--claims", str(args.claims))

    print(f"\n## Bench at scale {args.scale} households "
          f"({load['documents']:,} documents, database {load['database_bytes'] / 2**30:.2f} GiB,"
          f" documents table {load['documents_bytes'] / 2**30:.2f} GiB, "
          f"loaded in {load['seconds']:.0f} s)\n")
    print("| page | queries | slowest SELECT ms | seq scan on a big table | median ms | "
          "ratio to /healthz (target ≤ 2×) |")
    print("|---|---|---|---|---|---|")
    page_rows = (pages or {}).get("pages", {})
    for page in (explain or {}).get("pages", []):
        timing = page_rows.get(page["path"], {})
        ratio = f"{timing['ratio']:.2f}×" if timing else "–"
        median = f"{timing['median_ms']:.0f}" if timing else "–"
        print(f"| `{page['path']}` | {page['queries']} | {page['slowest_ms']:.2f} | "
              f"{', '.join(page['seq_scans']) or 'none'} | {median} | {ratio} |")
    if pages:
        print(f"\n/healthz median {pages['floor_ms']:.1f} ms over {pages['rounds']} "
              f"interleaved rounds; non-200 answers: {pages['errors']}")
    if traffic:
        print(f"\nLoad: {traffic['requests']} requests in {traffic['seconds']:.0f} s, "
              f"{args.concurrency} clients, {traffic['workers']} gunicorn workers on "
              f"{traffic['cores']} cores: {traffic['requests_per_second_per_core']:.1f} "
              f"requests/s per core, errors: {traffic['errors']}\n")
        print("| kind | requests | p50 ms | p95 ms | p99 ms | p95/p50 |")
        print("|---|---|---|---|---|---|")
        for kind, row in traffic["kinds"].items():
            print(f"| {kind} | {row['count']} | {row['p50_ms']:.0f} | {row['p95_ms']:.0f} | "
                  f"{row['p99_ms']:.0f} | {row['p95_over_p50']:.1f} |")
        if "whole_login" in traffic:
            whole = traffic["whole_login"]
            print(f"\nA whole login (its 3 requests added up, SMS delivery left out): "
                  f"p50 {whole['p50_ms']:.0f} ms, p95 {whole['p95_ms']:.0f} ms over "
                  f"{whole['count']} logins")
    if intake:
        print(f"\nIntake burst: {intake['claims_done']}/{intake['claims']} claims, "
              f"{intake['pages']} pages in {intake['seconds']:.0f} s through one `ocr` worker "
              f"(start included): {intake['pages_per_minute_per_core']:.1f} pages/minute per "
              f"core, worker peak RSS {intake['peak_rss_mib']:.0f} MiB\n")
        print("| page during the burst | median ms | ratio to /healthz |")
        print("|---|---|---|")
        for page, row in intake["web"].get("pages", {}).items():
            print(f"| `{page}` | {row['median_ms']:.0f} | {row['ratio']:.2f}× |")
    failed = (explain is None or pages is None or traffic is None or intake is None
              or (traffic or {}).get("errors") or (pages or {}).get("errors"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
