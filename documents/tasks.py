import dataclasses
from pathlib import Path
from typing import Any

from celery import shared_task
from celery.schedules import crontab
from django.utils import timezone

from core.celery import RETRY_OPTIONS, AwaitedTask, app
from core.outbox import enqueue
from documents.importing import import_rows, read_manifest
from documents.tax_certificate_issuing import ISSUE_DAY, batches_due, issue_requested
from documents.tax_certificate_issuing import issue_batch as issue_tax_certificates_of


# import_documents waits for each chunk's result (core.outbox.submit).
@shared_task(acks_late=True, base=AwaitedTask)
def import_chunk(directory: str, first_line: int, last_line: int) -> dict[str, Any]:
    """Import the manifest rows whose line numbers lie in [first_line, last_line].

    Safe to run twice: rows already imported are skipped (same checksum and household).
    """
    rows = [(line, row) for line, row in read_manifest(Path(directory))
            if first_line <= line <= last_line]
    return import_rows(Path(directory), rows).as_dict()


# --- Tax certificates -----------------------------------------------------------------------

# Households per batch task: each certificate is a PDF, an encrypted file and a few rows
# (about 0.1 s, ``python -m bench.tax_certificates``), so a batch (~20 s) stays far below
# the task's time limit and 50,000 households are never loaded at once.
TAX_CERTIFICATE_BATCH = 200


@shared_task(**RETRY_OPTIONS)
def issue_tax_certificate(customer_id: int, year: int, requested: bool = False) -> bool:
    """One household's certificate of ``year`` (asked for in the portal when ``requested``:
    the customer is told once it is there). Safe to run twice: an existing one is kept."""
    return issue_requested(customer_id, year) if requested else bool(
        issue_tax_certificates_of([customer_id], year).issued)


@shared_task(**RETRY_OPTIONS)
def issue_tax_certificate_batch(customer_ids: list[int], year: int) -> dict[str, int]:
    return dataclasses.asdict(issue_tax_certificates_of(customer_ids, year))


@shared_task
def issue_tax_certificates(year: int | None = None) -> int:
    """The past year's certificates of every household that has none yet, queued in batches
    (beat, every day of January from the 10th: a missed day or a household whose data came
    late is caught the next day). Returns the number of batches queued."""
    year = year or timezone.localdate().year - 1
    queued = 0
    for ids in batches_due(year, TAX_CERTIFICATE_BATCH):
        enqueue(issue_tax_certificate_batch, ids, year)
        queued += 1
    return queued


app.conf.beat_schedule["documents.issue_tax_certificates"] = {
    "task": "documents.tasks.issue_tax_certificates",
    "schedule": crontab(minute=30, hour=2, day_of_month=f"{ISSUE_DAY}-31", month_of_year=1),
}
