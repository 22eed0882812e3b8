"""The keys and the file format of customer files at rest: Tink's streaming AEAD.

Construction: Tink's ``AES256_GCM_HKDF_1MB`` streaming AEAD (Google's Tink library, the
"online authenticated encryption" of Hoang, Reyhanitabar, Rogaway and Vizár): for each file a
fresh random 32-byte salt and 7-byte nonce prefix; the file key is HKDF-SHA256(key, salt,
associated data); the plaintext is cut into 1 MiB ciphertext segments, each sealed with
AES-256-GCM under a nonce made of the prefix, the segment's index and a last-segment flag.
Reordered, dropped, truncated or appended segments and a changed header all fail.

Why 1 MiB and not 4 KiB segments: files are read whole (downloads, exports, the intake,
previews that read the document once and cache the image); Tink's Python API decrypts
sequentially (no random access), so small segments would buy nothing but 256 times as many
segment operations and 0.4 % of tags instead of 0.0015 %. A 1 MiB segment is the most that a
reader or writer holds at a time (in Tink's C++ buffers).

Our envelope in front of Tink's ciphertext says which key a file needs::

    b"KPT2" | key id (4 bytes, big endian)  | Tink ciphertext (header 40 bytes, segments)

The 8 envelope bytes are Tink's associated data: a changed key id fails authentication.

Keys: ``settings.FILE_ENCRYPTION_KEYS`` stays what it was, base64 secrets of 32 bytes, the
first encrypts and all decrypt. Each secret is turned deterministically into one Tink key:
key material HKDF-SHA256(secret, info=``_TINK_INFO``) (never the secret itself, so the same
secret serves the old format without its bytes meeting two constructions), key id the first
4 bytes of SHA-256(secret): the same 8 hex digits that start the id the old format wrote in its
headers, so an operator recognises a key in both. All configured keys form one Tink keyset
whose primary is the encrypting key.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, cast

import tink
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.exceptions import ImproperlyConfigured
from tink import secret_key_access, streaming_aead
from tink.proto import aes_gcm_hkdf_streaming_pb2, tink_pb2

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

streaming_aead.register()

TEMPLATE = streaming_aead.streaming_aead_key_templates.AES256_GCM_HKDF_1MB
_PARAMS = aes_gcm_hkdf_streaming_pb2.AesGcmHkdfStreamingKeyFormat.FromString(
    TEMPLATE.value).params
SEGMENT_SIZE = _PARAMS.ciphertext_segment_size  # 1 MiB of ciphertext per segment
TAG_SIZE = 16
TINK_HEADER_SIZE = 1 + _PARAMS.derived_key_size + 7  # length byte, salt, nonce prefix
MAGIC = b"KPT2"
KEY_ID_SIZE = 4
ENVELOPE_SIZE = len(MAGIC) + KEY_ID_SIZE
CHUNK = 64 * 1024
_TINK_INFO = b"kptportal file key: tink AES256_GCM_HKDF_1MB"
_TYPE_URL = TEMPLATE.type_url


class DecryptionError(ValueError):
    """The file is not ours, was tampered with, or needs a key we don't have."""


class KeyUnavailable(DecryptionError):
    """The file is intact as far as we know, but needs a key this process does not hold."""

    def __init__(self, key_id: str, name: str = "") -> None:
        super().__init__(f"{name or 'The file'} needs key {key_id}, which is not in "
                         "FILE_ENCRYPTION_KEYS.")
        self.key_id = key_id
        self.name = name


def _decode_secret(raw: str) -> bytes:
    try:
        secret = base64.b64decode(raw.strip(), validate=True)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("FILE_ENCRYPTION_KEYS holds a key that is not base64.") from exc
    if len(secret) != 32:
        raise ImproperlyConfigured("Each FILE_ENCRYPTION_KEYS key must decode to 32 bytes.")
    return secret


@dataclass(frozen=True)
class FileKey:
    """One configured secret, as the old format (``legacy_id``) and Tink (``tink_id``) know it."""

    secret: bytes = field(repr=False)

    @property
    def legacy_id(self) -> bytes:
        return hashlib.sha256(self.secret).digest()[:8]

    @property
    def tink_id(self) -> int:
        return int.from_bytes(self.legacy_id[:KEY_ID_SIZE], "big")

    @property
    def id(self) -> str:
        """How files, the census and the operator name this key: 8 hex digits."""
        return f"{self.tink_id:08x}"

    def tink_key(self) -> tink_pb2.Keyset.Key:
        material = HKDF(algorithm=hashes.SHA256(), length=_PARAMS.derived_key_size,
                        salt=None, info=_TINK_INFO).derive(self.secret)
        key = aes_gcm_hkdf_streaming_pb2.AesGcmHkdfStreamingKey(
            version=0, params=_PARAMS, key_value=material)
        return tink_pb2.Keyset.Key(
            key_data=tink_pb2.KeyData(type_url=_TYPE_URL, value=key.SerializeToString(),
                                      key_material_type=tink_pb2.KeyData.SYMMETRIC),
            status=tink_pb2.ENABLED, key_id=self.tink_id, output_prefix_type=tink_pb2.RAW)


def keyset_handle(keys: Iterable[FileKey], primary: FileKey) -> tink.KeysetHandle:
    """A Tink keyset of ``keys`` whose primary (the key that encrypts) is ``primary``."""
    keyset = tink_pb2.Keyset(primary_key_id=primary.tink_id,
                             key=[key.tink_key() for key in keys])
    return tink.proto_keyset_format.parse(keyset.SerializeToString(), secret_key_access.TOKEN)


class Keyring:
    """The configured keys: the first is the primary (it encrypts), all decrypt."""

    def __init__(self, raw_keys: Iterable[str]) -> None:
        secrets = [_decode_secret(raw) for raw in raw_keys if raw.strip()]
        if not secrets:
            raise ImproperlyConfigured("FILE_ENCRYPTION_KEYS is empty: no key to encrypt with.")
        self.keys: list[FileKey] = []
        for secret in secrets:
            key = FileKey(secret)
            if any(known.id == key.id for known in self.keys):
                if key in self.keys:
                    continue  # the same key listed twice
                raise ImproperlyConfigured(f"Two FILE_ENCRYPTION_KEYS share the key id {key.id}: "
                                           "generate another key.")
            self.keys.append(key)
        self.primary = self.keys[0]
        self._primitives: dict[str, streaming_aead.StreamingAead] = {}

    @classmethod
    def from_settings(cls) -> Keyring:
        from django.conf import settings

        return cls(settings.FILE_ENCRYPTION_KEYS)

    @property
    def ids(self) -> list[str]:
        """The keys' ids, the primary first."""
        return [key.id for key in self.keys]

    def get(self, key_id: str, name: str = "") -> FileKey:
        for key in self.keys:
            if key.id == key_id:
                return key
        raise KeyUnavailable(key_id, name)

    def by_legacy_id(self, legacy_id: bytes, name: str = "") -> FileKey:
        for key in self.keys:
            if key.legacy_id == legacy_id:
                return key
        raise KeyUnavailable(legacy_id[:KEY_ID_SIZE].hex(), name)

    def keyset(self, primary: FileKey | None = None) -> tink.KeysetHandle:
        """Every configured key in one Tink keyset; the primary encrypts."""
        return keyset_handle(self.keys, primary or self.primary)

    def primitive(self, key: FileKey) -> streaming_aead.StreamingAead:
        """Tink's streaming AEAD of the keyset whose primary is ``key``.

        Encrypting uses ``key``. Decrypting is only ever asked of the key a file's envelope
        names (a keyset of that key alone), so a wrong or missing key is said, not guessed.
        """
        if key.id not in self._primitives:
            self._primitives[key.id] = keyset_handle([key], key).primitive(
                streaming_aead.StreamingAead)
        return self._primitives[key.id]


def envelope(key: FileKey) -> bytes:
    return MAGIC + key.tink_id.to_bytes(KEY_ID_SIZE, "big")


def envelope_key_id(head: bytes) -> str | None:
    """The key id of a Tink-format file's first bytes; None if they are not our envelope."""
    if len(head) < ENVELOPE_SIZE or head[:len(MAGIC)] != MAGIC:
        return None
    return head[len(MAGIC):ENVELOPE_SIZE].hex()


def plaintext_size(stored_size: int) -> int:
    """The plaintext size of a Tink-format file, from its stored size (no decryption)."""
    body = stored_size - ENVELOPE_SIZE
    segments = max(1, -(-body // SEGMENT_SIZE))
    return max(0, body - TINK_HEADER_SIZE - segments * TAG_SIZE)


class _Sink(io.RawIOBase):
    """Where Tink writes ciphertext (in 128 KiB pieces); the encrypting reader drains it."""

    def __init__(self) -> None:
        super().__init__()
        self.pieces: deque[bytes] = deque()
        self.offset = 0  # bytes of the first piece already handed out

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.pieces.append(bytes(data))
        return len(data)

    def close(self) -> None:  # Tink closes its destination at the end: keep what it holds
        self.flush()

    def drain_into(self, view: memoryview) -> int:
        piece = self.pieces[0]
        size = min(len(view), len(piece) - self.offset)
        view[:size] = piece[self.offset:self.offset + size]
        self.offset += size
        if self.offset == len(piece):
            self.pieces.popleft()
            self.offset = 0
        return size


class EncryptingReader(io.RawIOBase):
    """Reads a plaintext source and yields the stored file (envelope + Tink ciphertext).

    Tink's encrypting stream is written to; a storage backend reads. This turns one into the
    other, pulling 64 KiB of plaintext at a time: at most a segment's ciphertext is held.
    """

    def __init__(self, source: IO[Any], keyring: Keyring, key: FileKey) -> None:
        super().__init__()
        self._source = source
        self._sink = _Sink()
        head = envelope(key)
        self._sink.write(head)
        self._stream = keyring.primitive(key).new_encrypting_stream(self._sink, head)
        self._done = False

    def readable(self) -> bool:
        return True

    def _encrypt_more(self) -> None:
        chunk = self._source.read(CHUNK)
        if isinstance(chunk, str):
            chunk = chunk.encode()
        if chunk:
            self._stream.write(chunk)
        else:
            self._stream.close()  # seals the last segment
            self._done = True

    def readinto(self, target: WriteableBuffer) -> int:
        view = memoryview(target).cast("B")
        while not self._sink.pieces and not self._done:
            self._encrypt_more()
        if not self._sink.pieces or not len(view):
            return 0
        return self._sink.drain_into(view)


class _Borrowed(io.RawIOBase):
    """The stored file as Tink reads it, from just after the envelope; Tink may not close it
    (a backward seek starts a new Tink stream on the same file)."""

    def __init__(self, stored: IO[bytes]) -> None:
        super().__init__()
        self._stored = stored

    def readable(self) -> bool:
        return True

    def readinto(self, target: WriteableBuffer) -> int:
        view = memoryview(target).cast("B")
        data = self._stored.read(len(view))
        view[:len(data)] = data
        return len(data)

    def close(self) -> None:
        super().close()


class PlaintextView(io.RawIOBase):
    """A read-only view of ``size`` plaintext bytes in which a seek only moves the position;
    each format's reader decrypts in ``readinto``."""

    size: int
    _position: int

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position


class DecryptingReader(PlaintextView):
    """A seekable, read-only view of a Tink-format file's plaintext, decrypted lazily.

    Reading forward streams through Tink (one segment at a time, each authenticated). A seek
    only moves the position: the size is known from the stored size, so seeking to the end
    (Django's ``FileResponse`` does, for Content-Length) decrypts nothing. A read behind what
    was already decrypted starts a new Tink stream from the file's start: correct, but slow
    for readers that jump around a large file, which is why callers read files whole.
    """

    def __init__(self, stored: IO[bytes], keyring: Keyring, name: str = "",
                 stored_size: int | None = None) -> None:
        super().__init__()
        self._stored = stored
        self.name_in_storage = name
        stored.seek(0)
        head = stored.read(ENVELOPE_SIZE)
        key_id = envelope_key_id(head)
        if key_id is None:
            raise DecryptionError(f"{name or 'The file'} is not a Tink-format portal file.")
        self.key_id = key_id
        self._envelope = head
        self._primitive = keyring.primitive(keyring.get(key_id, name))
        if stored_size is None:
            stored.seek(0, io.SEEK_END)
            stored_size = stored.tell()
        if stored_size < ENVELOPE_SIZE + TINK_HEADER_SIZE + TAG_SIZE:
            raise DecryptionError(f"{name or 'The file'} is truncated.")
        self.size = plaintext_size(stored_size)
        self._position = 0
        self._stream: IO[bytes] | None = None
        self._stream_position = 0
        self._end_verified = False

    def _fail(self, exc: Exception) -> DecryptionError:
        return DecryptionError(
            f"{self.name_in_storage or 'The file'} fails authentication (tampered, truncated, "
            f"reordered or not ours): {exc}")

    def _read_stream(self, size: int) -> bytes:
        if self._stream is None:
            self._stored.seek(ENVELOPE_SIZE)
            self._stream = cast(IO[bytes], self._primitive.new_decrypting_stream(
                _Borrowed(self._stored), self._envelope))
            self._stream_position = 0
        try:
            data = self._stream.read(size)
        except tink.TinkError as exc:
            raise self._fail(exc) from None
        self._stream_position += len(data)
        return data

    def _restart(self) -> None:
        if self._stream is not None:
            self._stream.close()
        self._stream = None
        self._stream_position = 0

    def _advance_to(self, target: int) -> None:
        if target < self._stream_position:
            self._restart()
        while self._stream_position < target:  # skip forward, authenticating
            if not self._read_stream(min(SEGMENT_SIZE, target - self._stream_position)):
                raise self._fail(EOFError("the file ends early"))

    def _verify_end(self) -> None:
        """Before saying "end of file", let Tink authenticate the last segment (an empty file
        has one too; an appended segment fails here)."""
        if self._end_verified:
            return
        self._advance_to(self.size)
        if self._read_stream(1):
            raise self._fail(ValueError("data after the last segment"))
        self._end_verified = True

    def readinto(self, target: WriteableBuffer) -> int:
        view = memoryview(target).cast("B")
        if not len(view):
            return 0
        if self._position >= self.size:
            self._verify_end()
            return 0
        self._advance_to(self._position)
        data = self._read_stream(len(view))
        if not data:
            raise self._fail(EOFError("the file ends early"))
        view[:len(data)] = data
        self._position += len(data)
        if self._position >= self.size:
            self._verify_end()
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._restart()
            self._stored.close()
        super().close()

