"""How long documents are kept, and the one way to delete them: after ``retain_until``.

Swiss insurers keep correspondence at least ten years. Every deletion path (model
``delete()``, queryset ``delete()``, the admin) asks ``ensure_deletable`` first and refuses
with ``RetentionError``; only ``purge_expired`` (``manage.py purge_expired_documents``)
deletes, past retention, and writes ``document_purged`` to the audit log for each document.
"""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

RETENTION_YEARS = 10


class RetentionError(Exception):
    """Deleting this document now would break the legal retention period."""


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 1 March, never earlier
        return day.replace(year=day.year + years, month=3, day=1)


def minimum_retain_until(issue_date: date) -> date:
    return add_years(issue_date, RETENTION_YEARS)


def today() -> date:
    return timezone.localdate()


def ensure_deletable(documents, *, on: date | None = None) -> None:
    """Raise ``RetentionError`` if any of ``documents`` is still within retention."""
    on = on or today()
    blocked = [doc for doc in documents if doc.retain_until > on]
    if blocked:
        first = blocked[0]
        raise RetentionError(
            f"Refused: {len(blocked)} document(s) are kept until at least "
            f"{first.retain_until:%d.%m.%Y} (document {first.pk}); nothing is deleted "
            "before retain_until. Use purge_expired_documents after that date."
        )


def expired_documents(*, on: date | None = None):
    from documents.models import Document

    return (Document.objects.filter(retain_until__lt=on or today())
            .select_related("customer", "insured_person").order_by("retain_until", "pk"))


def purge_expired(*, on: date | None = None, dry_run: bool = False, stdout=None) -> list[int]:
    """Delete (file and row) each document past retention, with an audit record each."""
    from accounts.audit import record

    on = on or today()
    purged = []
    for doc in expired_documents(on=on).iterator():
        line = (f"{doc.pk}\t{doc.customer.customer_number}\t{doc.issue_date:%d.%m.%Y}\t"
                f"retain until {doc.retain_until:%d.%m.%Y}\t{doc.title}")
        if dry_run:
            if stdout:
                stdout.write(f"would purge {line}")
            purged.append(doc.pk)
            continue
        with transaction.atomic():
            name, storage = doc.file.name, doc.file.storage
            doc_id = doc.pk
            record("document_purged", customer=doc.customer, document=doc_id,
                   type=doc.type, issue_date=doc.issue_date.isoformat(),
                   retain_until=doc.retain_until.isoformat(), checksum=doc.checksum)
            doc.delete(on=on)
            from documents.previews import preview_name

            preview = preview_name(doc)
            transaction.on_commit(lambda n=name, p=preview, s=storage: (_delete_file(s, n),
                                                                       _delete_file(s, p)))
        purged.append(doc_id)
        if stdout:
            stdout.write(f"purged {line}")
    return purged


def _delete_file(storage, name: str) -> None:
    try:
        storage.delete(name)
    except Exception:  # the row is gone; a leftover encrypted file is logged, not fatal
        logger.exception("Could not delete the file %s of a purged document", name)
