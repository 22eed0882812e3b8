"""Deleting documents past retention: the one path that deletes, each deletion in the audit log."""

from __future__ import annotations

import logging
from datetime import date
from functools import partial
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet

from audit.log import record
from documents import events
from documents.models import Document
from documents.previews import preview_name
from documents.retention import today

if TYPE_CHECKING:
    from _typeshed import SupportsWrite
    from django.core.files.storage import Storage

logger = logging.getLogger(__name__)


def expired_documents(*, on: date | None = None) -> QuerySet[Document]:
    return (Document.objects.filter(retain_until__lt=on or today())
            .select_related("customer", "insured_person").order_by("retain_until", "pk"))


def purge_expired(*, on: date | None = None, dry_run: bool = False,
                  stdout: SupportsWrite[str] | None = None) -> list[int]:
    """Delete (file and row) each document past retention, with an audit record each."""
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
            record(events.PURGED, customer=doc.customer, document=doc_id,
                   type=doc.type, issue_date=doc.issue_date.isoformat(),
                   retain_until=doc.retain_until.isoformat(), checksum=doc.checksum)
            doc.delete(on=on)
            preview = preview_name(doc)
            transaction.on_commit(partial(_delete_files, storage, name, preview))
        purged.append(doc_id)
        if stdout:
            stdout.write(f"purged {line}")
    return purged


def _delete_files(storage: Storage, *names: str) -> None:
    for name in names:
        _delete_file(storage, name)


def _delete_file(storage: Storage, name: str) -> None:
    try:
        storage.delete(name)
    except Exception:  # the row is gone; a leftover encrypted file is logged, not fatal
        logger.exception("Could not delete the file %s of a purged document", name)
