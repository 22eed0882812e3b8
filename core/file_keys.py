"""Key rotation, format migration and key census over every encrypted customer file.

Every customer file (archive documents and their previews, claim pages, message attachments,
data exports, files shared from a phone, letters) lives in ``STORAGES["private"]``, the
``EncryptedStorage``. Rotation therefore walks that storage, not one model's rows: nothing
stored there can be forgotten.

A file is *current* when it is in Tink's format under the first configured key. Rotation
rewrites every other file, whether in the old format (KPTE) or under an older key,
**in place, under the same name**, so no row and no derived name (a preview follows its
document's name) has to change:

1. decrypt the old file completely (each segment authenticated), hashing the plaintext;
2. write it encrypted under the first key next to it (``<name>.rotating``);
3. decrypt that copy completely and compare the hash (and the caller's expected SHA-256,
   e.g. a document's checksum); on any difference the copy is deleted, the old file stays;
4. replace the old file by the copy: ``os.replace`` on a local folder (atomic), a PUT over
   the same key on S3 (atomic per object).

Resumable: a current file is skipped (its header says so) and a ``.rotating`` copy left by a
crash is finished or discarded on the next run.

The census (``census()``) reads only the header of each file (a ranged read on S3) and says,
per kind of file (the first folder of its name), which format and key each file needs:
``rotate_file_keys --check`` uses it to refuse the removal of a key, or of the old format's
reader, still in use. The last census is kept in ``_ops/file-keys.json`` in the inner storage
(key ids and counts, never a key), read by the deploy check (``core.checks``).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.files.base import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils import timezone

from core import key_rings
from core.encrypted_storage import (
    LEGACY,
    TINK,
    DecryptionError,
    EncryptedStorage,
    Keyring,
    read_head,
    stored_format,
)

ROTATING_SUFFIX = ".rotating"
STATE_NAME = "_ops/file-keys.json"
_OPS_PREFIX = "_ops/"
CHUNK = 64 * 1024


class RotationFailed(Exception):
    """The re-encrypted copy does not hold the same bytes: the old file is kept."""


def encrypted_storage() -> EncryptedStorage:
    storage = storages["private"]
    if not isinstance(storage, EncryptedStorage):
        raise TypeError("STORAGES['private'] is not the encrypted storage.")
    return storage


def _join(path: str, name: str) -> str:
    return f"{path}/{name}" if path else name


def walk(inner: Storage, path: str = "") -> Iterator[str]:
    """Every stored name under ``path`` (sorted, depth first), without the portal's own
    bookkeeping (``_ops/``) and without unfinished rotation copies."""
    try:
        directories, files = inner.listdir(path)
    except FileNotFoundError:
        return
    for name in sorted(files):
        full = _join(path, name)
        if not full.endswith(ROTATING_SUFFIX) and not full.startswith(_OPS_PREFIX):
            yield full
    for directory in sorted(directories):
        full = _join(path, directory)
        if not (full + "/").startswith(_OPS_PREFIX):
            yield from walk(inner, full)


def _unfinished(inner: Storage, path: str = "") -> Iterator[str]:
    try:
        directories, files = inner.listdir(path)
    except FileNotFoundError:
        return
    for name in files:
        if name.endswith(ROTATING_SUFFIX):
            yield _join(path, name)
    for directory in directories:
        yield from _unfinished(inner, _join(path, directory))


def _sha256(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def plaintext_sha256(storage: EncryptedStorage, name: str) -> str:
    """Decrypts the whole file (every segment authenticated) and hashes it."""
    with storage.open(name) as handle:
        return _sha256(handle)


def _replace(inner: Storage, copy: str, name: str) -> None:
    if isinstance(inner, FileSystemStorage):
        os.replace(inner.path(copy), inner.path(name))
        return
    # Object stores (S3) overwrite a key in one PUT: readers see the old or the new object.
    with inner.open(copy, "rb") as source:
        inner._save(name, File(source, name=name))  # type: ignore[attr-defined]
    inner.delete(copy)


def recover_unfinished(storage: EncryptedStorage) -> int:
    """Finish or discard the ``.rotating`` copies a crashed run left behind."""
    inner = storage.inner
    handled = 0
    for copy in list(_unfinished(inner)):
        name = copy[: -len(ROTATING_SUFFIX)]
        if inner.exists(name):
            inner.delete(copy)  # crashed before the replace: the original is intact
        else:  # crashed inside a non-atomic replace: the copy is the file (verified first)
            plaintext_sha256(storage, copy)
            _replace(inner, copy, name)
        handled += 1
    return handled


def rotate_file(storage: EncryptedStorage, name: str, expected_sha256: str | None = None) -> bool:
    """Rewrite one stored file in Tink's format under the first key, in place; False if it
    already was.

    Raises ``RotationFailed`` (old file kept) when the copy's plaintext differs from the
    original's or from ``expected_sha256``, or when the copy is not under the first key;
    ``DecryptionError`` when the original cannot be read with the configured keys;
    ``FileNotFoundError`` when it was deleted meanwhile.
    """
    inner = storage.inner
    if storage.is_under_current_key(name):
        return False
    copy = name + ROTATING_SUFFIX
    if inner.exists(copy):
        inner.delete(copy)
    digest = hashlib.sha256()
    with storage.open(name) as plaintext:
        hashing = _HashingReader(plaintext, digest)
        written = storage._save(copy, File(hashing, name=copy))  # type: ignore[arg-type]
    try:
        original = digest.hexdigest()
        if expected_sha256 is not None and original != expected_sha256:
            raise RotationFailed(f"{name}: its content does not match the recorded checksum")
        if plaintext_sha256(storage, written) != original:
            raise RotationFailed(f"{name}: the re-encrypted copy differs from the original")
        if not storage.is_under_current_key(written):
            raise RotationFailed(f"{name}: the copy is not under the first key (a process "
                                 "without it is running)")
    except Exception:
        inner.delete(written)
        raise
    if not inner.exists(name):  # deleted by the portal while we copied it: stay deleted
        inner.delete(written)
        raise FileNotFoundError(name)
    _replace(inner, written, name)
    return True


class _HashingReader(io.RawIOBase):
    """Passes a plaintext stream through while hashing it (one read of the original)."""

    def __init__(self, source: IO[bytes], digest: Any) -> None:
        super().__init__()
        self._source = source
        self._digest = digest
        self._read = 0

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if offset == 0 and whence == io.SEEK_SET and self._read == 0:
            return 0  # the storage rewinds before writing: nothing was read yet
        raise io.UnsupportedOperation("a hashing stream only reads forward")

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        chunk = self._source.read(-1 if size is None else size)
        self._digest.update(chunk)
        self._read += len(chunk)
        return chunk

    def readinto(self, target: Any) -> int:  # pragma: no cover - read() is what callers use
        chunk = self.read(len(target))
        target[: len(chunk)] = chunk
        return len(chunk)


# --- census -----------------------------------------------------------------------------

def kind_of(name: str) -> str:
    """The kind of a stored file, as the operator reads it: the first folder of its name
    (documents, previews, claims, messages, exports, shared, letters)."""
    return name.split("/", 1)[0] if "/" in name else "(top)"


@dataclass(frozen=True)
class StoredFile:
    name: str
    format: str  # TINK or LEGACY
    key_id: str

    @property
    def kind(self) -> str:
        return kind_of(self.name)


@dataclass
class Census:
    """Which format and key each stored file needs, read from the headers only."""

    files: list[StoredFile] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (name, why)

    @property
    def total(self) -> int:
        return len(self.files) + len(self.unreadable)

    @property
    def by_key(self) -> dict[str, list[str]]:
        """Key id -> the names of the files that need it (either format)."""
        result: dict[str, list[str]] = {}
        for stored in self.files:
            result.setdefault(stored.key_id, []).append(stored.name)
        return result

    @property
    def legacy(self) -> list[str]:
        return [stored.name for stored in self.files if stored.format == LEGACY]

    def not_current(self, primary: str) -> list[StoredFile]:
        return [f for f in self.files if (f.format, f.key_id) != (TINK, primary)]

    def by_kind(self, primary: str) -> dict[str, dict[str, int]]:
        """Per kind: files, current (Tink, first key), old format, Tink under another key."""
        table: dict[str, dict[str, int]] = {}
        for stored in self.files:
            row = table.setdefault(stored.kind, {"files": 0, "current": 0, "old_format": 0,
                                                 "other_key": 0, "unreadable": 0})
            row["files"] += 1
            if stored.format == LEGACY:
                row["old_format"] += 1
            elif stored.key_id == primary:
                row["current"] += 1
            else:
                row["other_key"] += 1
        for name, _why in self.unreadable:
            row = table.setdefault(kind_of(name), {"files": 0, "current": 0, "old_format": 0,
                                                   "other_key": 0, "unreadable": 0})
            row["files"] += 1
            row["unreadable"] += 1
        return dict(sorted(table.items()))


def census(storage: EncryptedStorage) -> Census:
    result = Census()
    inner = storage.inner
    for name in walk(inner):
        try:
            file_format, key_id = stored_format(read_head(inner, name), name)
        except DecryptionError as exc:
            result.unreadable.append((name, str(exc)))
            continue
        except FileNotFoundError:
            continue
        result.files.append(StoredFile(name, file_format, key_id))
    return result


def configured_key_ids(keyring: Keyring | None = None) -> list[str]:
    """The configured keys' ids (8 hex digits), the encrypting one first."""
    return (keyring or Keyring.from_settings()).ids


# --- the shared record of the last census -------------------------------------------------

def read_state(storage: EncryptedStorage | None = None) -> dict[str, Any]:
    inner = (storage or encrypted_storage()).inner
    try:
        with inner.open(STATE_NAME, "rb") as handle:
            state: dict[str, Any] = json.loads(handle.read().decode())
    except (FileNotFoundError, ValueError):
        return {}
    return state


def write_state(state: dict[str, Any], storage: EncryptedStorage | None = None) -> None:
    inner = (storage or encrypted_storage()).inner
    key_rings.overwrite(inner, STATE_NAME,
                        json.dumps(state, indent=1, sort_keys=True).encode())


def record_census(result: Census, storage: EncryptedStorage | None = None,
                  keyring: Keyring | None = None) -> None:
    primary = (keyring or Keyring.from_settings()).primary.id
    state = read_state(storage)
    state["census"] = {
        "at": timezone.now().isoformat(),
        "files_by_key": {kid: len(names) for kid, names in result.by_key.items()},
        "old_format": len(result.legacy),
        "by_kind": result.by_kind(primary),
        "unreadable": len(result.unreadable),
    }
    write_state(state, storage)
