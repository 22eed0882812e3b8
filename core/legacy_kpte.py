"""The portal's first file format ("KPTE"), kept only to read files not yet re-encrypted.

Nothing writes it any more: new files are Tink's streaming AEAD (``core.file_crypto``) and
``rotate_file_keys`` rewrites every old file. Once ``rotate_file_keys --check`` counts no file
in this format, ``FILE_ENCRYPTION_READ_LEGACY=0`` switches this reader off (the deploy check
refuses while the last census still counted one).

AES-256-GCM in 64 KiB segments (the "STREAM" construction)::

    header  = b"KPTE" | version (1) | key id (8) | salt (16) | nonce prefix (7)   = 36 bytes
    segment = AES-GCM(file key, prefix | index (4, big endian) | last (1), plaintext, header)

The file key is HKDF-SHA256(secret, salt, info ``_HKDF_INFO``); the key id is the first 8 bytes
of SHA-256(secret).
"""

from __future__ import annotations

import io
import struct
from typing import IO, TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.file_crypto import DecryptionError, Keyring, PlaintextView

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

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


def file_key(secret: bytes, salt: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_HKDF_INFO).derive(secret)
    return AESGCM(derived)


def nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", index, 1 if last else 0)


def read_exactly(source: IO[Any], size: int) -> bytes:
    """Read ``size`` bytes unless the source ends first (reads may come back short)."""
    parts: list[bytes] = []
    missing = size
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
    """(key id, salt, nonce prefix) of an old-format file's first ``HEADER_SIZE`` bytes."""
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


class DecryptingReader(PlaintextView):
    """A seekable, read-only view of the plaintext of an old-format file, decrypted lazily."""

    def __init__(self, encrypted: IO[Any], keyring: Keyring, name: str = "") -> None:
        super().__init__()
        self._file = encrypted
        self.name_in_storage = name
        encrypted.seek(0)
        self._header = read_exactly(encrypted, HEADER_SIZE)
        kid, salt, self._prefix = parse_header(self._header)
        key = keyring.by_legacy_id(kid, name)
        self.key_id = key.id
        self._aead = file_key(key.secret, salt)
        encrypted.seek(0, io.SEEK_END)
        total = encrypted.tell()
        if total < HEADER_SIZE + TAG_SIZE:
            raise DecryptionError("Encrypted file is truncated.")
        self.size = plaintext_size(total)
        self._segments = max(1, -(-(total - HEADER_SIZE) // SEALED_SEGMENT_SIZE))
        self._position = 0
        self._cached_index = -1
        self._cached = b""

    def _segment(self, index: int) -> bytes:
        if index != self._cached_index:
            self._file.seek(HEADER_SIZE + index * SEALED_SEGMENT_SIZE)
            sealed = read_exactly(self._file, SEALED_SEGMENT_SIZE)
            last = index == self._segments - 1
            try:
                self._cached = self._aead.decrypt(nonce(self._prefix, index, last), sealed,
                                                  self._header)
            except InvalidTag:
                raise DecryptionError(
                    f"Segment {index} of {self.name_in_storage or 'the file'} fails "
                    "authentication (tampered, truncated or wrong key)."
                ) from None
            self._cached_index = index
        return self._cached

    def readinto(self, target: WriteableBuffer) -> int:
        view = memoryview(target).cast("B")
        if self._position >= self.size:
            if self.size == 0:
                self._segment(0)  # an empty file still has its one sealed segment: check it
            return 0
        index, offset = divmod(self._position, SEGMENT_SIZE)
        segment = self._segment(index)
        size = min(len(view), len(segment) - offset)
        view[:size] = segment[offset:offset + size]
        self._position += size
        return size

    def close(self) -> None:
        if not self.closed:
            self._file.close()
        super().close()
