"""Accuracy / speed / memory bench of the invoice intake pipeline on a generated corpus.

python -m bench.intake_accuracy --count 60 --seed 1 [--keep DIR] [--show-errors]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from pathlib import Path

from claims.intake import FIELD_NAMES, IntakeError, read_invoice, reading_as_json

QR_FIELDS = ("amount", "currency", "iban", "reference", "provider_name")


def norm(field: str, value: object) -> str:
    if value is None:
        return ""
    s = str(value).strip()
    if field in ("provider_name", "patient_name"):
        return " ".join(s.casefold().split())
    if field in ("iban", "reference"):
        return re.sub(r"\s", "", s).upper()
    return s


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f}%" if b else "    -"


def _cpu_seconds() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run(count: int, seed: int, out_dir: Path, show_errors: bool) -> int:
    """Generate the corpus, then evaluate it; each step in a fresh process."""
    t0 = time.perf_counter()
    gen = [sys.executable, "-m", "claims.tests.corpus.generate", "--out", str(out_dir)]
    gen += ["--count", str(count), "--seed", str(seed)]
    subprocess.run(gen, check=True, stdout=subprocess.DEVNULL)
    print(f"generated {count} invoices (seed {seed}) in {time.perf_counter() - t0:.1f}s")
    sys.stdout.flush()
    cmd = [sys.executable, "-m", "bench.intake_accuracy", "--corpus", str(out_dir)]
    if show_errors:
        cmd.append("--show-errors")
    return subprocess.run(cmd, check=False).returncode


def evaluate(out_dir: Path, show_errors: bool) -> int:
    """Read every sample of a generated corpus and print the tables (runs in its own process,
    so getrusage covers only the pipeline and its tesseract children)."""
    truths = sorted(out_dir.glob("*.json"))

    per_field = defaultdict(lambda: [0, 0])  # field -> [right, total]
    per_deg = defaultdict(lambda: [0, 0])
    per_deg_docs = defaultdict(lambda: [0, 0])
    qr_right = [0, 0]
    qr_found = [0, 0]
    sec_per_page: list[float] = []
    cpu_per_page: list[float] = []
    errors: list[str] = []
    tracemalloc.start()
    for tpath in truths:
        truth = json.loads(tpath.read_text(encoding="utf-8"))
        deg = truth["degradation"]
        data = (out_dir / truth["file"]).read_bytes()
        t = time.perf_counter()
        cpu0 = _cpu_seconds()
        try:
            reading = read_invoice(data, filename=truth["file"])
            got = reading_as_json(reading, truth["file"])
            pages = reading.pages
        except IntakeError as exc:
            got, pages = dict.fromkeys(FIELD_NAMES), truth["pages"]
            reading = None
            errors.append(f"{truth['file']}: IntakeError {exc.message}")
        dt = time.perf_counter() - t
        cpu = _cpu_seconds() - cpu0
        sec_per_page.extend([dt / max(1, pages)] * max(1, pages))
        cpu_per_page.extend([cpu / max(1, pages)] * max(1, pages))
        if truth["has_qr"]:
            qr_found[1] += 1
            qr_found[0] += int(reading is not None and reading.qr_bill is not None)
        doc_ok = True
        for name in FIELD_NAMES:
            want = norm(name, truth["fields"].get(name))
            g = got.get(name)
            have = norm(name, g["value"] if g else None)
            ok = want == have
            per_field[name][0] += ok
            per_field[name][1] += 1
            per_deg[deg][0] += ok
            per_deg[deg][1] += 1
            doc_ok &= ok
            if truth["has_qr"] and reading is not None and reading.qr_bill and name in QR_FIELDS:
                qr_right[0] += ok
                qr_right[1] += 1
            if not ok:
                src = g["source"] if g else "-"
                errors.append(f"{truth['file']}: {name} got {have!r} want {want!r} [{src}]")
        per_deg_docs[deg][0] += doc_ok
        per_deg_docs[deg][1] += 1
    _cur, peak_py = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rss_child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    print("\nAccuracy per field")
    print(f"{'field':<20} {'right':>7} {'total':>6} {'acc':>7}")
    for name in FIELD_NAMES:
        r, n = per_field[name]
        print(f"{name:<20} {r:>7} {n:>6} {pct(r, n):>7}")
    tot_r = sum(v[0] for v in per_field.values())
    tot_n = sum(v[1] for v in per_field.values())
    print(f"{'ALL':<20} {tot_r:>7} {tot_n:>6} {pct(tot_r, tot_n):>7}")
    deg_r = sum(v[0] for k, v in per_deg.items() if k != "text-pdf")
    deg_n = sum(v[1] for k, v in per_deg.items() if k != "text-pdf")
    print(f"{'degraded only':<20} {deg_r:>7} {deg_n:>6} {pct(deg_r, deg_n):>7}")

    print("\nAccuracy per degradation")
    print(f"{'degradation':<15} {'fields':>7} {'docs all-right':>15}")
    for deg in sorted(per_deg):
        r, n = per_deg[deg]
        dr, dn = per_deg_docs[deg]
        print(f"{deg:<15} {pct(r, n):>7} {dr:>8}/{dn:<6}")

    print("\nQR-bill")
    print(f"QR codes decoded      {qr_found[0]}/{qr_found[1]}")
    print(f"QR fields right       {qr_right[0]}/{qr_right[1]} (on decoded QR-bills)")

    sp = sorted(sec_per_page)
    p95 = sp[min(len(sp) - 1, int(round(0.95 * (len(sp) - 1))))] if sp else 0.0
    print("\nSpeed and memory")
    print(f"pages                 {len(sp)}")
    print(f"seconds/page median   {statistics.median(sp):.2f}" if sp else "")
    print(f"seconds/page p95      {p95:.2f}")
    print(f"seconds/page max      {max(sp):.2f}" if sp else "")
    cp = sorted(cpu_per_page)
    if cp:
        cp95 = cp[min(len(cp) - 1, int(round(0.95 * (len(cp) - 1))))]
        print(
            f"CPU s/page median     {statistics.median(cp):.2f} (incl. tesseract; load-independent)"
        )
        print(f"CPU s/page p95        {cp95:.2f}")
    print(f"load average (1 min)  {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"peak RSS (this proc)  {rss_mb:.0f} MB")
    print(f"peak RSS (children)   <= {rss_child_mb:.0f} MB (tesseract; counts the forked parent)")
    print(f"peak Python heap      {peak_py / 1e6:.0f} MB (tracemalloc)")
    if show_errors and errors:
        print("\nErrors")
        for e in errors:
            print("  " + e)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Invoice intake accuracy bench")
    ap.add_argument("--count", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=Path, default=None, help="write the corpus here and keep it")
    ap.add_argument("--show-errors", action="store_true")
    ap.add_argument("--corpus", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.corpus:
        return evaluate(args.corpus, args.show_errors)
    if args.keep:
        return run(args.count, args.seed, args.keep, args.show_errors)
    with tempfile.TemporaryDirectory(prefix="intake-bench-") as tmp:
        return run(args.count, args.seed, Path(tmp), args.show_errors)


if __name__ == "__main__":
    sys.exit(main())
