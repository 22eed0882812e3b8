"""Customer files encrypted at rest, on top of whatever storage holds the bytes.

``EncryptedStorage`` wraps the configured backend (``FileSystemStorage`` in development,
django-storages' ``S3Storage`` in production). It writes every file with Tink's streaming AEAD
(``AES256_GCM_HKDF_1MB``, see ``core.file_crypto`` for the construction, the envelope and the
keys) under the encrypting key of ``settings.FILE_ENCRYPTION_KEYS``, and reads both that
format and the portal's first one ("KPTE", ``core.legacy_kpte``, read only) until
``rotate_file_keys`` has rewritten every old file.

The encrypting key is the first configured one as soon as every running process holds it
(``core.key_rings``); until then the newest key that all of them hold.

It streams: neither writing nor reading holds more than a segment or two in memory.
``open()`` returns a seekable, read-only file that decrypts lazily.
"""

from __future__ import annotations

import io
import logging
import os
import time
from datetime import datetime
from typing import IO, Any, NoReturn

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import Storage
from django.utils.deconstruct import deconstructible
from django.utils.module_loading import import_string

from core import file_crypto, key_rings, legacy_kpte
from core.file_crypto import DecryptionError, FileKey, Keyring, KeyUnavailable

logger = logging.getLogger(__name__)

TINK = "tink"
LEGACY = "kpte"
HEAD_SIZE = max(file_crypto.ENVELOPE_SIZE, legacy_kpte.HEADER_SIZE)

__all__ = ["DecryptionError", "EncryptedStorage", "KeyUnavailable", "Keyring", "read_head",
           "stored_format"]


def read_head(inner: Storage, name: str, size: int = HEAD_SIZE) -> bytes:
    """The first ``size`` stored bytes of a file; on S3 one ranged GET, not a download."""
    bucket = getattr(inner, "bucket", None)
    if bucket is not None and hasattr(inner, "_normalize_name"):
        from botocore.exceptions import ClientError
        from storages.utils import clean_name

        key = inner._normalize_name(clean_name(name))
        try:
            body: bytes = bucket.Object(key).get(Range=f"bytes=0-{size - 1}")["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                raise FileNotFoundError(name) from None
            raise
        return body
    with inner.open(name, "rb") as handle:
        return legacy_kpte.read_exactly(handle, size)


def stored_format(head: bytes, name: str = "") -> tuple[str, str]:
    """(format, key id) of a stored file's first bytes, from its header alone."""
    key_id = file_crypto.envelope_key_id(head)
    if key_id is not None:
        return TINK, key_id
    if head[:len(legacy_kpte.MAGIC)] == legacy_kpte.MAGIC:
        legacy_id, _salt, _prefix = legacy_kpte.parse_header(head[:legacy_kpte.HEADER_SIZE])
        return LEGACY, legacy_id[:file_crypto.KEY_ID_SIZE].hex()
    raise DecryptionError(f"{name or 'The file'} is not an encrypted portal file (bad header).")


@deconstructible
class EncryptedStorage(Storage):
    """A Storage that encrypts on save and decrypts on open, around an inner backend.

    ``OPTIONS``: ``backend`` (dotted path of the inner storage class) and ``options``
    (its keyword arguments). Keys come from ``settings.FILE_ENCRYPTION_KEYS`` at each use,
    so tests and rotations see the current keys.
    """

    def __init__(self, backend: str = "django.core.files.storage.FileSystemStorage",
                 options: dict[str, Any] | None = None) -> None:
        self.backend = backend
        self.options = options or {}
        self.inner: Storage = import_string(backend)(**self.options)
        self._noted: tuple[tuple[str, ...], float] | None = None
        self._decided: tuple[tuple[str, ...], float, str] | None = None

    @property
    def keyring(self) -> Keyring:
        return Keyring.from_settings()

    # --- which key encrypts ----------------------------------------------------------
    def note_in_use(self, keyring: Keyring | None = None) -> None:
        """Record (at most once a minute) that this process holds its keys (``key_rings``)."""
        ids = tuple((keyring or self.keyring).ids)
        now = time.monotonic()
        if self._noted and self._noted[0] == ids and \
                now - self._noted[1] < key_rings.HEARTBEAT.total_seconds():
            return
        key_rings.note_ring(self.inner, ids)
        self._noted = (ids, now)

    def encrypting_key(self, keyring: Keyring | None = None) -> FileKey:
        """The first configured key that every running process holds (re-read each minute)."""
        keyring = keyring or self.keyring
        ids = tuple(keyring.ids)
        self.note_in_use(keyring)
        now = time.monotonic()
        if not (self._decided and self._decided[0] == ids
                and now - self._decided[1] < key_rings.HEARTBEAT.total_seconds()):
            records = key_rings.read_rings(self.inner)
            chosen = key_rings.first_known_everywhere(ids, records)
            if chosen != keyring.primary.id and (not self._decided
                                                 or self._decided[2] != chosen):
                logger.warning(
                    "file key %s is not yet held by every running process (%s): new files are "
                    "encrypted under key %s until they are gone", keyring.primary.id,
                    "; ".join(r.describe() for r in key_rings.unaware(records, ids[0])), chosen)
            self._decided = (ids, now, chosen)
        return keyring.get(self._decided[2])

    def primary_is_known_everywhere(self, keyring: Keyring | None = None) -> bool:
        keyring = keyring or self.keyring
        self._decided = None
        return self.encrypting_key(keyring).id == keyring.primary.id

    # --- writing and reading ---------------------------------------------------------
    def _save(self, name: str, content: IO[Any]) -> str:
        if hasattr(content, "seek"):
            content.seek(0)
        keyring = self.keyring
        encrypting = file_crypto.EncryptingReader(content, keyring, self.encrypting_key(keyring))
        reader = io.BufferedReader(encrypting, file_crypto.CHUNK)
        # Every storage implements _save (Django's contract); the stubs list only the public API.
        return self.inner._save(name, File(reader, name=name))  # type: ignore[attr-defined]

    def _open(self, name: str, mode: str = "rb") -> File[bytes]:
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("Encrypted files are written with save(), not opened for writing.")
        keyring = self.keyring
        try:
            self.note_in_use(keyring)
        except Exception:  # bookkeeping must never keep a customer from a file
            logger.warning("could not record the file keys this process holds", exc_info=True)
        encrypted = self.inner.open(name, "rb")
        raw: io.RawIOBase
        try:
            head = legacy_kpte.read_exactly(encrypted, len(file_crypto.MAGIC))
            if head == file_crypto.MAGIC:
                raw = file_crypto.DecryptingReader(encrypted, keyring, name)
            elif head == legacy_kpte.MAGIC:
                if not settings.FILE_ENCRYPTION_READ_LEGACY:
                    raise DecryptionError(
                        f"{name} is in the old file format, whose reader is switched off "
                        "(FILE_ENCRYPTION_READ_LEGACY=0): switch it on and run rotate_file_keys.")
                raw = legacy_kpte.DecryptingReader(encrypted, keyring, name)
            else:
                raise DecryptionError(f"{name} is not an encrypted portal file (bad header).")
        except Exception:
            encrypted.close()
            raise
        return File(io.BufferedReader(raw, file_crypto.CHUNK), name=name)

    def format_of(self, name: str) -> tuple[str, str]:
        """(``"tink"`` or ``"kpte"``, key id) of a stored file, from its header alone."""
        return stored_format(read_head(self.inner, name), name)

    def key_id_of(self, name: str) -> str:
        """The id of the key a stored file is encrypted under (reads only its header)."""
        return self.format_of(name)[1]

    def is_under_current_key(self, name: str) -> bool:
        """In the current format under the first configured key: nothing left to rotate."""
        return self.format_of(name) == (TINK, self.keyring.primary.id)

    def read_encrypted(self, name: str) -> bytes:
        """The raw bytes as stored (for tests and audits): never plaintext."""
        with self.inner.open(name, "rb") as encrypted:
            return encrypted.read()

    # --- everything else is the inner backend's business ----------------------------
    def delete(self, name: str) -> None:
        return self.inner.delete(name)

    def exists(self, name: str) -> bool:
        return self.inner.exists(name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return self.inner.listdir(path)

    def size(self, name: str) -> int:
        """Plaintext size, computed from the header and the stored size without decrypting."""
        stored = self.inner.size(name)
        if self.format_of(name)[0] == LEGACY:
            return legacy_kpte.plaintext_size(stored)
        return file_crypto.plaintext_size(stored)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return self.inner.get_available_name(name, max_length=max_length)

    def get_valid_name(self, name: str) -> str:
        return self.inner.get_valid_name(name)

    def generate_filename(self, filename: str | os.PathLike[str]) -> str:
        return self.inner.generate_filename(filename)

    def get_accessed_time(self, name: str) -> datetime:
        return self.inner.get_accessed_time(name)

    def get_created_time(self, name: str) -> datetime:
        return self.inner.get_created_time(name)

    def get_modified_time(self, name: str) -> datetime:
        return self.inner.get_modified_time(name)

    def url(self, name: str | None) -> NoReturn:
        raise NotImplementedError(
            "Encrypted customer files have no public URL; serve them through an audited view."
        )

    def path(self, name: str) -> NoReturn:
        raise NotImplementedError("Encrypted files have no usable local path; use open().")
