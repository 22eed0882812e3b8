"""Accuracy / speed / memory bench of the invoice intake on generated corpora.

    python -m bench.intake_accuracy [--count 108] [--seed 1] [--held-out-seed N] [--keep DIR]
                                    [--show-errors] [--tuned-only]

Two corpora are drawn, each covering every (layout family, degradation) pair when ``--count``
is a multiple of 108 (9 families x 12 degradations, the default): the tuning seed and a held-out
seed (default: the tuning seed + ``generate.HELD_OUT_SEED_OFFSET``). The samples are scored in
three groups:

- ``tuned``: the tuning seed, every family except the held-out one;
- ``held-out family``: the family ``generate.HELD_OUT_FAMILY``, both seeds;
- ``held-out seed``: the held-out seed, the other families.

Tune on the first group only (``--tuned-only`` neither draws nor reads the others;
``--show-errors`` lists the misses of the tuned group, never the held-out ones).

Speed is CPU time (this process and the Tesseract processes it starts), per page and per step
of the intake's chain, median and p95; peak RSS of this process and of its largest child.
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
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claims.intake import (
    FIELD_NAMES,
    IntakeError,
    read_invoice,
    reading_as_json,
    reread_invoice,
)

QR_FIELDS = ("amount", "currency", "iban", "reference", "provider_name")
GROUPS = ("tuned", "held-out family", "held-out seed")


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


def default_count() -> int:
    """Samples per seed: every (layout family, degradation) pair once."""
    from claims.tests.corpus.generate import DEGRADATIONS, FAMILIES

    return len(FAMILIES) * len(DEGRADATIONS)


def _held_out_seed(seed: int, held_out_seed: int | None) -> int:
    from claims.tests.corpus.generate import HELD_OUT_SEED_OFFSET

    return seed + HELD_OUT_SEED_OFFSET if held_out_seed is None else held_out_seed


def _group(truth: dict[str, Any], tuning_seed: int) -> str:
    from claims.tests.corpus.generate import HELD_OUT_FAMILY

    if truth.get("family") == HELD_OUT_FAMILY:
        return "held-out family"
    return "tuned" if truth.get("seed", tuning_seed) == tuning_seed else "held-out seed"


def run(count: int, seeds: list[int], out_dir: Path, extra: list[str]) -> int:
    """Generate the corpora, then evaluate them in a fresh process."""
    from claims.tests.corpus.generate import FAMILIES, HELD_OUT_FAMILY

    for s in seeds:
        t0 = time.perf_counter()
        gen = [sys.executable, "-m", "claims.tests.corpus.generate", "--out", str(out_dir / str(s))]
        gen += ["--count", str(count), "--seed", str(s), "--families", "all"]
        subprocess.run(gen, check=True, stdout=subprocess.DEVNULL)
        print(f"generated {count} invoices (seed {s}) in {time.perf_counter() - t0:.1f}s")
    if len(seeds) == 1:  # tuned only: drop the held-out family's samples before reading
        for truth in out_dir.glob("**/*.json"):
            if json.loads(truth.read_text(encoding="utf-8")).get("family") == HELD_OUT_FAMILY:
                sample = truth.parent / json.loads(truth.read_text(encoding="utf-8"))["file"]
                sample.unlink()
                truth.unlink()
        print(f"tuned only: {len(FAMILIES) - 1} families, seed {seeds[0]}")
    sys.stdout.flush()
    cmd = [sys.executable, "-m", "bench.intake_accuracy", "--corpus", str(out_dir), *extra]
    return subprocess.run(cmd, check=False).returncode


class Tally:
    """right / total counters keyed by any tuple."""

    def __init__(self) -> None:
        self.c: defaultdict[tuple[str, ...], list[int]] = defaultdict(lambda: [0, 0])

    def add(self, ok: bool, *keys: str) -> None:
        self.c[keys][0] += ok
        self.c[keys][1] += 1

    def get(self, *keys: str) -> tuple[int, int]:
        r, n = self.c.get(keys, (0, 0))
        return r, n

    def cell(self, *keys: str) -> str:
        return pct(*self.get(*keys))


def _quantile(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))] if v else 0.0


@dataclass
class Results:
    fields: Tally = field(default_factory=Tally)  # (field, group), (field, "all")
    fams: Tally = field(default_factory=Tally)  # (family, group)
    degs: Tally = field(default_factory=Tally)  # (degradation, tuned|held-out|all)
    docs: Tally = field(default_factory=Tally)  # (degradation,)
    qr_right: list[int] = field(default_factory=lambda: [0, 0])
    qr_found: list[int] = field(default_factory=lambda: [0, 0])
    cpu_per_page: list[float] = field(default_factory=list)
    sec_per_page: list[float] = field(default_factory=list)
    step_cpu: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    step_wall: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    families: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Snapshots:
    """``save``: keep each reading's snapshot (the words after the OCR) under ``root``;
    ``reuse``: read the stored snapshots instead of the files (the steps after the OCR only:
    seconds instead of minutes while working on the extraction)."""

    root: Path | None = None
    reuse: bool = False

    def path(self, tpath: Path) -> Path | None:
        return None if self.root is None else self.root / tpath.parent.name / (
            tpath.stem + ".snapshot.json")


def _read(data: bytes, name: str, stored: Path | None, snaps: Snapshots
          ) -> tuple[Any, dict[str, Any] | None, str]:
    try:
        if snaps.reuse and stored is not None and stored.exists():
            reading = reread_invoice(json.loads(stored.read_text(encoding="utf-8")),
                                     filename=name)
        else:
            reading = read_invoice(data, filename=name)
    except IntakeError as exc:
        return None, None, exc.message
    if stored is not None and not snaps.reuse:
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_text(json.dumps(reading.snapshot, ensure_ascii=False), encoding="utf-8")
    return reading, reading_as_json(reading, name), ""


def _steps(reading: Any, pages: int, res: Results) -> None:
    records = getattr(reading, "steps", None)
    if records:
        for key, into in (("cpu_ms", res.step_cpu), ("wall_ms", res.step_wall)):
            per: dict[str, float] = {}
            for r in records:
                per[r.step] = per.get(r.step, 0.0) + float(getattr(r, key))
            for step, ms in per.items():
                into[step].append(ms / pages)
        return
    for step, ms in reading.timings_ms.items():  # a reading from before the chain
        res.step_wall[step].append(ms / pages)


def _score(tpath: Path, tuning_seed: int, res: Results, snaps: Snapshots) -> None:
    truth = json.loads(tpath.read_text(encoding="utf-8"))
    deg, fam = truth["degradation"], truth.get("family", "classic")
    group = _group(truth, tuning_seed)
    side = "tuned" if group == "tuned" else "held-out"
    if fam not in res.families:
        res.families.append(fam)
    data = (tpath.parent / truth["file"]).read_bytes()
    t, cpu0 = time.perf_counter(), _cpu_seconds()
    reading, got, error = _read(data, truth["file"], snaps.path(tpath), snaps)
    dt, cpu = time.perf_counter() - t, _cpu_seconds() - cpu0
    pages = max(1, reading.pages if reading is not None else truth["pages"])
    res.sec_per_page.extend([dt / pages] * pages)
    res.cpu_per_page.extend([cpu / pages] * pages)
    if reading is not None:
        _steps(reading, pages, res)
    else:
        res.errors.append(f"{truth['file']}: IntakeError {error}")
        got = dict.fromkeys(FIELD_NAMES)
    qr_read = reading is not None and reading.qr_bill is not None
    if truth["has_qr"]:
        res.qr_found[1] += 1
        res.qr_found[0] += int(qr_read)
    doc_ok = True
    for name in FIELD_NAMES:
        want = norm(name, truth["fields"].get(name))
        g = got.get(name) if got else None
        have = norm(name, g["value"] if g else None)
        ok = want == have
        for key in (name, "ALL"):
            res.fields.add(ok, key, group)
            res.fields.add(ok, key, "all")
        res.fams.add(ok, fam, group)
        res.fams.add(ok, fam, "all")
        res.degs.add(ok, deg, side)
        res.degs.add(ok, deg, "all")
        doc_ok &= ok
        if truth["has_qr"] and qr_read and name in QR_FIELDS:
            res.qr_right[0] += ok
            res.qr_right[1] += 1
        if not ok and group == "tuned":
            src = g["source"] if g else "-"
            res.errors.append(f"{tpath.parent.name}/{truth['file']} [{fam}]: {name} got "
                              f"{have!r} want {want!r} [{src}]")
    res.docs.add(doc_ok, deg)


def _print_accuracy(res: Results, tuning_seed: int, samples: int) -> None:
    cols = (*GROUPS, "all")
    print(f"\nsamples: {samples}; tuning seed {tuning_seed}")
    print("\nAccuracy per field")
    print(f"{'field':<20}" + "".join(f"{c:>17}" for c in cols))
    for name in (*FIELD_NAMES, "ALL"):
        cells = []
        for c in cols:
            r, n = res.fields.get(name, c)
            cells.append(f"{pct(r, n)} {r:>4}/{n:<4}")
        print(f"{name:<20}" + "".join(f"{x:>17}" for x in cells))
    print("\nAccuracy per layout family (fields right)")
    print(f"{'family':<20}" + "".join(f"{c:>17}" for c in cols))
    for fam in res.families:
        print(f"{fam:<20}" + "".join(f"{res.fams.cell(fam, c):>17}" for c in cols))
    print("\nAccuracy per degradation (fields right; documents with every field right)")
    print(f"{'degradation':<15} {'tuned':>8} {'held-out':>9} {'all':>8} {'docs all-right':>15}")
    for deg in sorted({k[0] for k in res.degs.c}):
        dr, dn = res.docs.get(deg)
        print(f"{deg:<15} {res.degs.cell(deg, 'tuned'):>8} {res.degs.cell(deg, 'held-out'):>9} "
              f"{res.degs.cell(deg, 'all'):>8} {dr:>8}/{dn:<6}")
    failed = sum(e.split(": ", 1)[1].startswith("IntakeError") for e in res.errors
                 if ": " in e)
    print(f"\nfiles not read (IntakeError): {failed}")
    print("\nQR-bill")
    print(f"QR codes decoded      {res.qr_found[0]}/{res.qr_found[1]}")
    print(f"QR fields right       {res.qr_right[0]}/{res.qr_right[1]} (on decoded QR-bills)")


def _tesseract_peak_mb(sample: Path | None) -> float | None:
    """Tesseract's own peak RSS on one normalised page (GNU time): getrusage's figure for the
    children counts the forked parent, not what Tesseract itself holds."""
    import shutil

    from claims.intake.normalise import load_pages, normalise_image
    from claims.intake.ocr import LANGS

    if sample is None or not Path("/usr/bin/time").exists() or not shutil.which("tesseract"):
        return None
    image, _info = normalise_image(load_pages(sample.read_bytes(), normalise=False)[0].original)
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "page.png"
        image.save(png)
        run = subprocess.run(["/usr/bin/time", "-f", "%M", "tesseract", str(png), "stdout",
                              "-l", LANGS, "--oem", "1", "--psm", "6"],
                             capture_output=True, text=True, check=False)
    try:
        return int(run.stderr.strip().splitlines()[-1]) / 1024
    except (ValueError, IndexError):
        return None


def _print_speed(res: Results, sample: Path | None = None) -> None:
    print("\nSpeed and memory (per page)")
    print(f"pages                 {len(res.sec_per_page)}")
    if res.cpu_per_page:
        print(f"CPU s/page            median {statistics.median(res.cpu_per_page):.2f}   "
              f"p95 {_quantile(res.cpu_per_page, 0.95):.2f}   (incl. tesseract)")
        print(f"wall s/page           median {statistics.median(res.sec_per_page):.2f}   "
              f"p95 {_quantile(res.sec_per_page, 0.95):.2f}   (depends on the machine's load)")
    steps = list(res.step_cpu or res.step_wall)
    print(f"{'step':<14}{'CPU ms median':>14}{'p95':>8}{'wall ms median':>16}{'p95':>8}")
    for step in steps:
        cpu, wall = res.step_cpu.get(step, []), res.step_wall.get(step, [])
        cells = [f"{statistics.median(v):.0f}" if v else "-" for v in (cpu,)]
        cells += [f"{_quantile(cpu, 0.95):.0f}" if cpu else "-"]
        cells += [f"{statistics.median(wall):.0f}" if wall else "-",
                  f"{_quantile(wall, 0.95):.0f}" if wall else "-"]
        print(f"{step:<14}{cells[0]:>14}{cells[1]:>8}{cells[2]:>16}{cells[3]:>8}")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tess_mb = _tesseract_peak_mb(sample)
    print(f"load average (1 min)  {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if tess_mb is None:
        print(f"peak RSS              {rss_mb:.0f} MB this process (tesseract not measured)")
    else:
        print(f"peak RSS              {rss_mb:.0f} MB this process + {tess_mb:.0f} MB tesseract "
              f"on one page = {rss_mb + tess_mb:.0f} MB for a worker reading a page")


def evaluate(out_dir: Path, show_errors: bool, tuning_seed: int = 1,
             snaps: Snapshots | None = None) -> int:
    """Read every sample of the corpora and print the tables (in its own process, so
    getrusage covers only the intake and its tesseract children)."""
    from claims.intake import normalise, ocr

    # The bench measures accuracy and CPU; on a loaded machine the production time-outs (wall
    # clock) would turn slow pages into failures that say nothing about the intake.
    ocr.OCR_TIMEOUT_S = normalise.OSD_TIMEOUT_S = 900
    truths = sorted(t for t in out_dir.glob("*/*.json") if not t.name.endswith(".snapshot.json"))
    res = Results()
    for tpath in truths:
        _score(tpath, tuning_seed, res, snaps or Snapshots())
    _print_accuracy(res, tuning_seed, len(truths))
    known = [json.loads(t.read_text(encoding="utf-8")) | {"dir": t.parent} for t in truths]
    photos = [k["dir"] / k["file"] for k in known if k["degradation"] == "photo"]
    _print_speed(res, photos[0] if photos else None)
    if show_errors and res.errors:
        print("\nErrors (tuned group only)")
        for e in res.errors:
            print("  " + e)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Invoice intake accuracy bench")
    ap.add_argument("--count", type=int, default=default_count())
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--held-out-seed", type=int, default=None)
    ap.add_argument("--keep", type=Path, default=None, help="write the corpus here and keep it")
    ap.add_argument("--show-errors", action="store_true")
    ap.add_argument("--tuned-only", action="store_true",
                    help="draw and read the tuning seed's tuned families only")
    ap.add_argument("--corpus", type=Path, default=None,
                    help="read this corpus (made with --keep) instead of drawing one")
    ap.add_argument("--snapshots", type=Path, default=None,
                    help="with --corpus: keep each reading's words after the OCR here")
    ap.add_argument("--reread", action="store_true",
                    help="with --corpus and --snapshots: run only the steps after the OCR, "
                         "on the stored words")
    args = ap.parse_args(argv)
    if args.corpus:
        return evaluate(args.corpus, args.show_errors, args.seed,
                        Snapshots(args.snapshots, args.reread))
    seeds = [args.seed] if args.tuned_only else [
        args.seed, _held_out_seed(args.seed, args.held_out_seed)]
    extra = ["--seed", str(args.seed), *(["--show-errors"] if args.show_errors else [])]
    if args.keep:
        return run(args.count, seeds, args.keep, extra)
    with tempfile.TemporaryDirectory(prefix="intake-bench-") as tmp:
        return run(args.count, seeds, Path(tmp), extra)


if __name__ == "__main__":
    sys.exit(main())
