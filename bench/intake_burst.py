"""A burst of claim uploads through the ``ocr`` Celery worker, while the web pages are timed.

``python -m bench.intake_burst [--claims 20] [--max-seconds 240] [--file F ...]``: stores
``--claims`` claims (the corpus samples of claims/tests/corpus/sample, or the ``--file``s,
cycled) for a bench household through ``claims.services.create_claim``, which queues them on
Redis (db 5); then starts one Celery worker on the ``ocr`` queue (one process: one core) and,
at the same time, the interleaved pages-vs-/healthz measurement of bench.pages. Reports pages
read per minute per core, the worker's peak memory, and each page's ratio to /healthz during
the burst.

The worker's memory is sampled from /proc every 0.2 s over its process tree (the Celery
main process, its pool child, the Tesseract it runs): VmRSS summed, which counts twice the
pages the forked child shares with its parent, and PSS summed (smaps_rollup), which counts
each page once: what the worker really holds.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.environment import ROOT, portal_env
from bench.server import setup_django

SAMPLES = ROOT / "claims" / "tests" / "corpus" / "sample"


def _uploads(files: list[Path] | None = None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.uploads import validate_upload

    uploads = []
    for path in files or sorted(SAMPLES.iterdir()):
        if path.suffix.lower() in {".pdf", ".jpg", ".jpeg", ".png"}:
            uploads.append((path.name, validate_upload(SimpleUploadedFile(path.name,
                                                                          path.read_bytes()))))
    return uploads


def _kib(text: str, key: str) -> int:
    return int(next(line.split()[1] for line in text.splitlines() if line.startswith(key)))


def _tree_memory(pid: int) -> list[dict]:
    """The worker's process tree from /proc: each process's role (``parent``: the Celery
    main process; ``child``: a pool process; ``tesseract``), its resident memory (VmRSS,
    KiB) and its proportional share (Pss, KiB: a page shared by n processes counts 1/n in
    each, so the sum over the tree is what the tree really holds; VmRSS summed counts the
    pages a forked child still shares with its parent twice)."""
    out, pending = [], [(pid, "parent")]
    while pending:
        current, role = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            rss = _kib(status, "VmRSS:")
            try:
                pss = _kib(Path(f"/proc/{current}/smaps_rollup").read_text(), "Pss:")
            except (OSError, StopIteration):
                pss = rss
            name = Path(f"/proc/{current}/comm").read_text().strip()
            out.append({"pid": current, "role": "tesseract" if "tesseract" in name else role,
                        "rss_kib": rss, "pss_kib": pss})
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [(int(p), "child") for p in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return out


class Peaks:
    """The largest sums seen over the worker's tree, and per role the largest process."""

    def __init__(self) -> None:
        self.rss_kib = self.pss_kib = 0
        self.role_rss_kib: dict[str, int] = {}
        self.tesseracts = 0
        self.child_rss_kib = 0  # the pool child's, at the last sample

    def sample(self, pid: int) -> None:
        tree = _tree_memory(pid)
        self.child_rss_kib = max((p["rss_kib"] for p in tree if p["role"] == "child"),
                                 default=self.child_rss_kib)
        self.rss_kib = max(self.rss_kib, sum(p["rss_kib"] for p in tree))
        self.pss_kib = max(self.pss_kib, sum(p["pss_kib"] for p in tree))
        for p in tree:
            self.role_rss_kib[p["role"]] = max(self.role_rss_kib.get(p["role"], 0), p["rss_kib"])
        self.tesseracts = max(self.tesseracts, sum(p["role"] == "tesseract" for p in tree))


def measure(*, claims: int, max_seconds: float, files: list[Path] | None = None) -> dict:
    setup_django()
    from django.db import transaction

    from accounts.models import Customer
    from bench import pages
    from claims.models import Claim, ClaimPage, ClaimStatus
    from claims.services import create_claim

    household = (Customer.objects.filter(customer_number__startswith="B")
                 .order_by("pk").first())
    if household is None:
        raise RuntimeError("no bench household: run manage.py bench_loaddata first")
    person = household.insured_persons.first()
    if person is None:
        raise RuntimeError(f"bench household {household.customer_number} has no insured person")
    uploads = _uploads(files)
    ids = []
    for index in range(claims):
        with transaction.atomic():
            claim = create_claim(customer=household, insured_person=person,
                                 kind="doctor_invoice", uploads=[uploads[index % len(uploads)]])
        ids.append(claim.pk)
    page_total = sum(ClaimPage.objects.filter(claim_id__in=ids)
                     .values_list("page_count", flat=True))
    web: dict = {}
    burst_over = threading.Event()

    def time_pages():  # until the last claim is read: the pages are timed during the burst
        web.update(pages.measure(rounds=1000, customers=5, workers=2, max_seconds=max_seconds,
                                 stop=burst_over))

    worker = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "celery"), "-A", "kptportal", "worker", "-Q", "ocr",
         "--concurrency", "1", "--loglevel", "WARNING", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=portal_env(), start_new_session=True, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    started = time.monotonic()
    peaks = Peaks()
    web_thread = threading.Thread(target=time_pages)
    web_thread.start()
    pending = set(ids)
    try:
        while pending and time.monotonic() - started < max_seconds:
            peaks.sample(worker.pid)
            done = Claim.objects.filter(pk__in=pending).exclude(
                status__in=[ClaimStatus.RECEIVED, ClaimStatus.PROCESSING])
            pending -= set(done.values_list("pk", flat=True))
            time.sleep(0.2)
        seconds = time.monotonic() - started
    finally:
        burst_over.set()
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        web_thread.join()
    read = page_total if not pending else sum(
        ClaimPage.objects.filter(claim_id__in=set(ids) - pending)
        .values_list("page_count", flat=True))
    return {"claims": claims, "claims_done": claims - len(pending), "pages": read,
            "seconds": seconds, "pages_per_minute_per_core": read / seconds * 60,
            "peak_rss_mib": peaks.rss_kib / 1024, "peak_pss_mib": peaks.pss_kib / 1024,
            "peak_rss_mib_by_role": {role: kib / 1024 for role, kib in peaks.role_rss_kib.items()},
            "tesseracts_at_once": peaks.tesseracts,
            "child_rss_mib_at_end": peaks.child_rss_kib / 1024, "web": web}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=24)
    parser.add_argument("--max-seconds", type=float, default=240)
    parser.add_argument("--file", type=Path, action="append", dest="files",
                        help="upload this file (PDF, JPEG, PNG; repeatable) instead of the "
                             "corpus samples, e.g. a scanned PDF of many pages")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    result = measure(claims=args.claims, max_seconds=args.max_seconds, files=args.files)
    print(f"\nIntake burst: {result['claims_done']}/{result['claims']} claims, "
          f"{result['pages']} pages in {result['seconds']:.0f} s (worker start included): "
          f"{result['pages_per_minute_per_core']:.1f} pages/minute per core, worker peak RSS "
          f"{result['peak_rss_mib']:.0f} MiB (VmRSS summed over its processes), peak PSS "
          f"{result['peak_pss_mib']:.0f} MiB (shared pages counted once)")
    roles = result["peak_rss_mib_by_role"]
    print("  largest process per role (VmRSS): " + ", ".join(
        f"{role} {mib:.0f} MiB" for role, mib in sorted(roles.items()))
        + f"; at most {result['tesseracts_at_once']} tesseract at once; the child "
        f"{result['child_rss_mib_at_end']:.0f} MiB after its last claim")
    for page, row in result["web"].get("pages", {}).items():
        print(f"  during the burst {page:12} {row['median_ms']:6.1f} ms  {row['ratio']:.2f}×")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(result, out, indent=2)
    return 0 if result["claims_done"] == result["claims"] else 1


if __name__ == "__main__":
    sys.exit(main())
