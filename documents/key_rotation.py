"""Rewriting every customer file in Tink's format under the first key of FILE_ENCRYPTION_KEYS.

The work is the core's (``core.file_keys``: in place, verified, resumable, over the whole
encrypted storage). The archive adds what only it knows: each document's recorded SHA-256,
checked against the re-encrypted file before it replaces the old one.
"""

from __future__ import annotations

from core.file_keys import RotationFailed, encrypted_storage, rotate_file
from documents.models import Document

ChecksumMismatch = RotationFailed


def rotate_document(document: Document) -> bool:
    """Rewrite one document's file under the first key; False if it already was."""
    return rotate_file(encrypted_storage(), document.file.name, expected_sha256=document.checksum)
