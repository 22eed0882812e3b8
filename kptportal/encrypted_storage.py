"""Customer files encrypted at rest, on top of whatever storage holds the bytes.

``EncryptedStorage`` wraps the configured backend (``FileSystemStorage`` in development,
django-storages' ``S3Storage`` in production) and encrypts every file with AES-256-GCM under
the keys in ``settings.FILE_ENCRYPTION_KEYS`` (base64, 32 bytes each): the first encrypts,
all decrypt, so keys can be rotated (``manage.py rotate_file_keys``).

It streams. A file is cut into 64 KiB segments, each sealed on its own (the "STREAM"
construction): the nonce is a random per-file prefix, the segment's index and a flag
marking the last segment, and every segment authenticates the header. Reordered, dropped,
truncated or appended segments fail authentication, and neither encryption nor decryption
ever holds more than a segment or two in memory. ``open()`` returns a seekable,
read-only file that decrypts lazily, segment by segment.

File layout::

    header  = b"KPTE" | version (1) | key id (8) | salt (16) | nonce prefix (7)   = 36 bytes
    segment = AES-GCM(file key, prefix | index (4, big endian) | last (1), plaintext, header)
              = up to 64 KiB ciphertext + 16-byte tag; the last segment may be empty

The file key is HKDF-SHA256(master key, salt), so nonces never repeat across files even
with one master key. The key id is the first 8 bytes of SHA-256 of the master key: the
header says which key a file needs, and whether it is already under the newest one.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import struct
from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import File
from django.core.files.storage import Storage
from django.utils.deconstruct import deconstructible
from django.utils.module_loading import import_string

MAGIC = b"KPTE"
VERSION = 1
KEY_ID_SIZE = 8
SALT_SIZE = 16
PREFIX_SIZE = 7
HEADER_SIZE = len(MAGIC) + 1 + KEY_ID_SIZE + SALT_SIZE + PREFIX_SIZE
SEGMENT_SIZE = 64 * 1024
TAG_SIZE = 16
SEALED_SEGMENT_SIZE = SEGMENT_SIZE + TAG_SIZE
_HKDF_INFO = b"kptportal file encryption v1"


class DecryptionError(ValueError):
    """The file is not ours, was tampered with, or needs a key we don't have."""


def _decode_key(raw: str) -> bytes:
    try:
        key = base64.b64decode(raw.strip(), validate=True)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("FILE_ENCRYPTION_KEYS holds a key that is not base64.") from exc
    if len(key) != 32:
        raise ImproperlyConfigured("Each FILE_ENCRYPTION_KEYS key must decode to 32 bytes.")
    return key


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(key).digest()[:KEY_ID_SIZE]


class Keyring:
    """The master keys: the first encrypts, all decrypt, looked up by key id."""

    def __init__(self, raw_keys: Iterable[str]):
        keys = [_decode_key(raw) for raw in raw_keys if raw.strip()]
        if not keys:
            raise ImproperlyConfigured("FILE_ENCRYPTION_KEYS is empty: no key to encrypt with.")
        self.current = keys[0]
        self.current_id = key_id(keys[0])
        self.by_id = {key_id(key): key for key in keys}

    @classmethod
    def from_settings(cls) -> Keyring:
        return cls(settings.FILE_ENCRYPTION_KEYS)

    def get(self, kid: bytes) -> bytes:
        try:
            return self.by_id[kid]
        except KeyError:
            raise DecryptionError(
                f"The file needs key {kid.hex()}, which is not in FILE_ENCRYPTION_KEYS."
            ) from None


def _file_key(master: bytes, salt: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_HKDF_INFO).derive(master)
    return AESGCM(derived)


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", index, 1 if last else 0)


def _read_exactly(source, size: int) -> bytes:
    """Read ``size`` bytes unless the source ends first (reads may come back short)."""
    parts, missing = [], size
    while missing > 0:
        chunk = source.read(missing)
        if not chunk:
            break
        if isinstance(chunk, str):
            chunk = chunk.encode()
        parts.append(chunk)
        missing -= len(chunk)
    return b"".join(parts)


def parse_header(header: bytes) -> tuple[bytes, bytes, bytes]:
    """(key id, salt, nonce prefix) of an encrypted file's first ``HEADER_SIZE`` bytes."""
    if len(header) != HEADER_SIZE or header[:4] != MAGIC:
        raise DecryptionError("Not an encrypted portal file (bad header).")
    if header[4] != VERSION:
        raise DecryptionError(f"Unknown encrypted file version {header[4]}.")
    start = 5
    kid = header[start:start + KEY_ID_SIZE]
    salt = header[start + KEY_ID_SIZE:start + KEY_ID_SIZE + SALT_SIZE]
    prefix = header[start + KEY_ID_SIZE + SALT_SIZE:]
    return kid, salt, prefix


def plaintext_size(ciphertext_size: int) -> int:
    body = ciphertext_size - HEADER_SIZE
    segments = max(1, -(-body // SEALED_SEGMENT_SIZE))
    return body - segments * TAG_SIZE


class EncryptingReader(io.RawIOBase):
    """Reads a plaintext source and yields the encrypted file, one segment at a time."""

    def __init__(self, source, keyring: Keyring):
        super().__init__()
        self._source = source
        salt = os.urandom(SALT_SIZE)
        self._prefix = os.urandom(PREFIX_SIZE)
        self._header = (MAGIC + bytes([VERSION]) + keyring.current_id + salt + self._prefix)
        self._aead = _file_key(keyring.current, salt)
        self._index = 0
        self._pending = _read_exactly(source, SEGMENT_SIZE)
        self._buffer = bytearray(self._header)
        self._done = False

    def readable(self) -> bool:
        return True

    def _seal_next(self) -> None:
        current = self._pending
        self._pending = _read_exactly(self._source, SEGMENT_SIZE) if current else b""
        last = not self._pending
        nonce = _nonce(self._prefix, self._index, last)
        self._buffer += self._aead.encrypt(nonce, current, self._header)
        self._index += 1
        self._done = last

    def readinto(self, target) -> int:
        while not self._buffer and not self._done:
            self._seal_next()
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        del self._buffer[:size]
        return size


class DecryptingReader(io.RawIOBase):
    """A seekable, read-only view of the plaintext of an encrypted file, decrypted lazily."""

    def __init__(self, encrypted, keyring: Keyring, name: str = ""):
        super().__init__()
        self._file = encrypted
        self.name_in_storage = name
        encrypted.seek(0)
        self._header = _read_exactly(encrypted, HEADER_SIZE)
        kid, salt, self._prefix = parse_header(self._header)
        self.key_id = kid
        self._aead = _file_key(keyring.get(kid), salt)
        encrypted.seek(0, io.SEEK_END)
        total = encrypted.tell()
        if total < HEADER_SIZE + TAG_SIZE:
            raise DecryptionError("Encrypted file is truncated.")
        self.size = plaintext_size(total)
        self._segments = max(1, -(-(total - HEADER_SIZE) // SEALED_SEGMENT_SIZE))
        self._position = 0
        self._cached_index = -1
        self._cached = b""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        position = base + offset
        if position < 0:
            raise ValueError("negative seek position")
        self._position = position
        return position

    def _segment(self, index: int) -> bytes:
        if index != self._cached_index:
            self._file.seek(HEADER_SIZE + index * SEALED_SEGMENT_SIZE)
            sealed = _read_exactly(self._file, SEALED_SEGMENT_SIZE)
            last = index == self._segments - 1
            try:
                self._cached = self._aead.decrypt(_nonce(self._prefix, index, last), sealed,
                                                  self._header)
            except InvalidTag:
                raise DecryptionError(
                    f"Segment {index} of {self.name_in_storage or 'the file'} fails "
                    "authentication (tampered, truncated or wrong key)."
                ) from None
            self._cached_index = index
        return self._cached

    def readinto(self, target) -> int:
        if self._position >= self.size:
            return 0
        index, offset = divmod(self._position, SEGMENT_SIZE)
        segment = self._segment(index)
        size = min(len(target), len(segment) - offset)
        target[:size] = segment[offset:offset + size]
        self._position += size
        return size

    def close(self) -> None:
        if not self.closed:
            self._file.close()
        super().close()


@deconstructible
class EncryptedStorage(Storage):
    """A Storage that encrypts on save and decrypts on open, around an inner backend.

    ``OPTIONS``: ``backend`` (dotted path of the inner storage class) and ``options``
    (its keyword arguments). Keys come from ``settings.FILE_ENCRYPTION_KEYS`` at each use,
    so tests and rotations see the current keys.
    """

    def __init__(self, backend: str = "django.core.files.storage.FileSystemStorage",
                 options: dict | None = None):
        self.backend = backend
        self.options = options or {}
        self.inner = import_string(backend)(**self.options)

    @property
    def keyring(self) -> Keyring:
        return Keyring.from_settings()

    # --- writing and reading ---------------------------------------------------------
    def _save(self, name, content):
        if hasattr(content, "seek"):
            content.seek(0)
        reader = io.BufferedReader(EncryptingReader(content, self.keyring), SEGMENT_SIZE)
        return self.inner._save(name, File(reader, name=name))

    def _open(self, name, mode="rb"):
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("Encrypted files are written with save(), not opened for writing.")
        encrypted = self.inner.open(name, "rb")
        try:
            raw = DecryptingReader(encrypted, self.keyring, name)
        except Exception:
            encrypted.close()
            raise
        return File(io.BufferedReader(raw, SEGMENT_SIZE), name=name)

    def key_id_of(self, name: str) -> bytes:
        """The id of the key a stored file is encrypted under (reads only its header)."""
        with self.inner.open(name, "rb") as encrypted:
            kid, _salt, _prefix = parse_header(_read_exactly(encrypted, HEADER_SIZE))
        return kid

    def is_under_current_key(self, name: str) -> bool:
        return self.key_id_of(name) == self.keyring.current_id

    def read_encrypted(self, name: str) -> bytes:
        """The raw bytes as stored (for tests and audits): never plaintext."""
        with self.inner.open(name, "rb") as encrypted:
            return encrypted.read()

    # --- everything else is the inner backend's business ----------------------------
    def delete(self, name):
        return self.inner.delete(name)

    def exists(self, name):
        return self.inner.exists(name)

    def listdir(self, path):
        return self.inner.listdir(path)

    def size(self, name):
        """Plaintext size, computed from the stored size without decrypting."""
        return plaintext_size(self.inner.size(name))

    def get_available_name(self, name, max_length=None):
        return self.inner.get_available_name(name, max_length=max_length)

    def get_valid_name(self, name):
        return self.inner.get_valid_name(name)

    def generate_filename(self, filename):
        return self.inner.generate_filename(filename)

    def get_accessed_time(self, name):
        return self.inner.get_accessed_time(name)

    def get_created_time(self, name):
        return self.inner.get_created_time(name)

    def get_modified_time(self, name):
        return self.inner.get_modified_time(name)

    def url(self, name):
        raise NotImplementedError(
            "Encrypted customer files have no public URL; serve them through an audited view."
        )

    def path(self, name):
        raise NotImplementedError("Encrypted files have no usable local path; use open().")
