"""Putting a file into the archive: checksum, encrypted file, row, notification."""

from __future__ import annotations

import hashlib
import mimetypes
from datetime import date
from typing import IO

from django.core.files.base import File
from django.db import IntegrityError, transaction

from accounts.models import InsuredPerson
from documents.models import Document
from notifications.activity import notify_new_activity

CHUNK = 64 * 1024


def checksum_and_size(source: IO[bytes]) -> tuple[str, int]:
    """SHA-256 (hex) and length of a file-like object, read in chunks, rewound after."""
    digest, size = hashlib.sha256(), 0
    source.seek(0)
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    source.seek(0)
    return digest.hexdigest(), size


def store_document(
    *,
    insured_person: InsuredPerson,
    type: str,
    issue_date: date,
    title: str,
    source: IO[bytes],
    file_name: str,
    reference: str = "",
    period: date | None = None,
    checksum: str | None = None,
    size: int | None = None,
    notify: bool = True,
) -> tuple[Document, bool]:
    """Archive ``source`` (a binary file-like object) for ``insured_person``.

    Returns ``(document, created)``: a file the household already has (same SHA-256) is
    not stored twice. Call inside a transaction; the customer is notified after commit.
    """
    if checksum is None or size is None:
        checksum, size = checksum_and_size(source)
    customer_id = insured_person.customer_id
    existing = Document.objects.filter(customer_id=customer_id, checksum=checksum).first()
    if existing is not None:
        return existing, False
    content_type = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
    document = Document(
        insured_person=insured_person, type=type, issue_date=issue_date, title=title,
        reference=reference, period=period, original_name=file_name[:200],
        content_type=content_type, size=size, checksum=checksum,
    )
    document.file.save(file_name, File(source, name=file_name), save=False)
    stored_name, storage = document.file.name, document.file.storage
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:
        storage.delete(stored_name)  # a parallel run stored the same file first
        return Document.objects.get(customer_id=customer_id, checksum=checksum), False
    if notify:
        notify_new_activity(insured_person.customer, reason="document")
    return document, True

