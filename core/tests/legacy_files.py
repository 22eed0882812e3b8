"""Writing files in the portal's first format ("KPTE"), for tests only.

The portal no longer writes this format; ten years of files were written in it, so the tests
of the reader and of the migration make such files exactly as the old code did (this is the
old writer, unchanged).
"""

import io
import os
from contextlib import contextmanager
from unittest import mock

from django.core.files.base import File

from core import legacy_kpte
from core.file_crypto import Keyring


class LegacyEncryptingReader(io.RawIOBase):
    def __init__(self, source, keyring: Keyring) -> None:
        super().__init__()
        self._source = source
        salt = os.urandom(legacy_kpte.SALT_SIZE)
        self._prefix = os.urandom(legacy_kpte.PREFIX_SIZE)
        self._header = (legacy_kpte.MAGIC + bytes([legacy_kpte.VERSION])
                        + keyring.primary.legacy_id + salt + self._prefix)
        self._aead = legacy_kpte.file_key(keyring.primary.secret, salt)
        self._index = 0
        self._pending = legacy_kpte.read_exactly(source, legacy_kpte.SEGMENT_SIZE)
        self._buffer = bytearray(self._header)
        self._done = False

    def readable(self) -> bool:
        return True

    def _seal_next(self) -> None:
        current = self._pending
        self._pending = (legacy_kpte.read_exactly(self._source, legacy_kpte.SEGMENT_SIZE)
                         if current else b"")
        last = not self._pending
        nonce = legacy_kpte.nonce(self._prefix, self._index, last)
        self._buffer += self._aead.encrypt(nonce, current, self._header)
        self._index += 1
        self._done = last

    def readinto(self, target) -> int:
        view = memoryview(target).cast("B")
        while not self._buffer and not self._done:
            self._seal_next()
        size = min(len(view), len(self._buffer))
        view[:size] = self._buffer[:size]
        del self._buffer[:size]
        return size


def save_legacy(storage, name: str, content) -> str:
    """Store ``content`` as the old code did: KPTE under the first configured key."""
    if hasattr(content, "seek"):
        content.seek(0)
    reader = io.BufferedReader(LegacyEncryptingReader(content, storage.keyring),
                               legacy_kpte.SEGMENT_SIZE)
    return storage.inner._save(name, File(reader, name=name))


@contextmanager
def writing_the_old_format():
    """Every ``EncryptedStorage`` writes KPTE files, as the portal did before Tink."""
    from core.encrypted_storage import EncryptedStorage

    def _save(self, name, content):
        return save_legacy(self, name, content)

    with mock.patch.object(EncryptedStorage, "_save", _save):
        yield
