"""A burst of claim uploads through the ``ocr`` Celery worker, while the web pages are timed.

``python -m bench.intake_burst [--claims 20] [--max-seconds 240]``: stores ``--claims`` claims
(the corpus samples of claims/tests/corpus/sample, cycled) for a bench household through
``claims.services.create_claim``, which queues them on Redis (db 5); then starts one Celery
worker on the ``ocr`` queue (one process: one core) and, at the same time, the interleaved
pages-vs-/healthz measurement of bench.pages. Reports pages read per minute per core, the
worker's peak resident memory, and each page's ratio to /healthz during the burst.
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


def _uploads():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.uploads import validate_upload

    uploads = []
    for path in sorted(SAMPLES.iterdir()):
        if path.suffix.lower() in {".pdf", ".jpg", ".jpeg", ".png"}:
            uploads.append((path.name, validate_upload(SimpleUploadedFile(path.name,
                                                                          path.read_bytes()))))
    return uploads


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and its children (KiB), from /proc."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines()
                              if line.startswith("VmRSS:")))
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(p) for p in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


def measure(*, claims: int, max_seconds: float) -> dict:
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
    uploads = _uploads()
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
    peak_kib = 0
    web_thread = threading.Thread(target=time_pages)
    web_thread.start()
    pending = set(ids)
    try:
        while pending and time.monotonic() - started < max_seconds:
            peak_kib = max(peak_kib, _tree_rss_kib(worker.pid))
            done = Claim.objects.filter(pk__in=pending).exclude(
                status__in=[ClaimStatus.RECEIVED, ClaimStatus.PROCESSING])
            pending -= set(done.values_list("pk", flat=True))
            time.sleep(0.5)
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
            "peak_rss_mib": peak_kib / 1024, "web": web}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=24)
    parser.add_argument("--max-seconds", type=float, default=240)
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    result = measure(claims=args.claims, max_seconds=args.max_seconds)
    print(f"\nIntake burst: {result['claims_done']}/{result['claims']} claims, "
          f"{result['pages']} pages in {result['seconds']:.0f} s (worker start included): "
          f"{result['pages_per_minute_per_core']:.1f} pages/minute per core, worker peak RSS "
          f"{result['peak_rss_mib']:.0f} MiB")
    for page, row in result["web"].get("pages", {}).items():
        print(f"  during the burst {page:12} {row['median_ms']:6.1f} ms  {row['ratio']:.2f}×")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(result, out, indent=2)
    return 0 if result["claims_done"] == result["claims"] else 1


if __name__ == "__main__":
    sys.exit(main())
