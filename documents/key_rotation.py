"""Re-encrypting the archive under the newest key (the first of FILE_ENCRYPTION_KEYS).

Resumable: a file already under the newest key (its header says so) is left alone. Each
file is written anew, read back and checked against the document's SHA-256 before the row
points to it and the old file is deleted; a crash in between leaves at worst an orphan.
"""

from __future__ import annotations

import hashlib

from django.core.files.base import File

from documents.models import Document, document_upload_to
from documents.previews import preview_name

CHUNK = 64 * 1024


class ChecksumMismatch(Exception):
    pass


def _sha256(storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name) as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def rotate_document(document: Document) -> bool:
    """Re-encrypt one document's file under the newest key; False if it already was."""
    storage, old_name = document.file.storage, document.file.name
    if storage.is_under_current_key(old_name):
        return False
    with storage.open(old_name) as plaintext:
        new_name = storage.save(document_upload_to(document, old_name), File(plaintext.file))
    if _sha256(storage, new_name) != document.checksum:
        storage.delete(new_name)
        raise ChecksumMismatch(f"document {document.pk}: checksum differs after re-encryption; "
                               "the old file is kept")
    Document.objects.filter(pk=document.pk, file=old_name).update(file=new_name)
    document.file.name = new_name
    storage.delete(old_name)
    old_preview = preview_name(Document(file=old_name))
    if storage.exists(old_preview):
        storage.delete(old_preview)  # re-rendered (under the new key) when next shown
    return True
