"""The encrypted storage on Tink's streaming AEAD: round trips, streaming, tampering, keys,
the old format read only, S3 (moto server)."""

import base64
import hashlib
import io
import os
import tracemalloc

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile, File

from core.encrypted_storage import LEGACY, TINK, EncryptedStorage
from core.file_crypto import (
    ENVELOPE_SIZE,
    SEGMENT_SIZE,
    TINK_HEADER_SIZE,
    DecryptionError,
    FileKey,
    Keyring,
    KeyUnavailable,
)
from core.tests.key_ring_support import previous_deployment_gone
from core.tests.legacy_files import save_legacy

KEY_A = base64.b64encode(b"A" * 32).decode()
KEY_B = base64.b64encode(b"B" * 32).decode()
ID_A = FileKey(b"A" * 32).id
ID_B = FileKey(b"B" * 32).id
# Plaintext bytes in the first segment (Tink's header shares it) and in each later one.
FIRST = SEGMENT_SIZE - TINK_HEADER_SIZE - 16
OTHER = SEGMENT_SIZE - 16


@pytest.fixture
def storage(tmp_path, settings):
    settings.FILE_ENCRYPTION_KEYS = [KEY_A]
    return EncryptedStorage(backend="django.core.files.storage.FileSystemStorage",
                            options={"location": str(tmp_path / "enc")})


def read_back(storage, name) -> bytes:
    with storage.open(name) as handle:
        return handle.read()


@pytest.mark.parametrize("size", [0, 1, FIRST - 1, FIRST, FIRST + 1, FIRST + OTHER,
                                  FIRST + OTHER + 17])
def test_round_trip_keeps_every_byte_at_segment_edges(storage, size):
    data = os.urandom(size)
    name = storage.save("f.bin", ContentFile(data))
    assert read_back(storage, name) == data
    assert storage.size(name) == size


def test_stored_bytes_are_the_envelope_and_tink_ciphertext_never_the_plaintext(storage):
    pdf = b"%PDF-1.4\n" + b"secret diagnosis " * 100
    name = storage.save("letter.pdf", ContentFile(pdf))
    raw = storage.read_encrypted(name)
    assert raw[:4] == b"KPT2" and raw[4:8] == FileKey(b"A" * 32).tink_id.to_bytes(4, "big")
    assert raw[ENVELOPE_SIZE] == TINK_HEADER_SIZE  # Tink's header starts with its length
    assert b"secret diagnosis" not in raw and b"%PDF" not in raw


def test_the_header_names_the_key_the_file_needs(storage):
    name = storage.save("f.bin", ContentFile(b"x"))
    assert storage.format_of(name) == (TINK, ID_A)
    assert storage.key_id_of(name) == ID_A
    assert hashlib.sha256(b"A" * 32).hexdigest()[:8] == ID_A


def test_same_content_encrypts_differently_each_time(storage):
    first = storage.save("a.bin", ContentFile(b"same"))
    second = storage.save("b.bin", ContentFile(b"same"))
    assert storage.read_encrypted(first) != storage.read_encrypted(second)


def test_open_seeks_forward_and_back_across_segments(storage):
    data = os.urandom(FIRST + 2 * OTHER + 100)
    name = storage.save("f.bin", ContentFile(data))
    with storage.open(name) as handle:
        handle.seek(FIRST + OTHER - 10)
        assert handle.read(20) == data[FIRST + OTHER - 10:FIRST + OTHER + 10]
        handle.seek(-5, io.SEEK_END)
        assert handle.read() == data[-5:]
        handle.seek(3)  # behind what was decrypted: a new Tink stream from the start
        assert handle.read(4) == data[3:7]


def test_seeking_to_the_end_gives_the_size_without_reading(storage):
    name = storage.save("f.bin", ContentFile(b"x" * 5000))
    with storage.open(name) as handle:
        assert handle.seek(0, io.SEEK_END) == 5000
        handle.seek(0)
        assert handle.read() == b"x" * 5000


def _tampered(storage, name, change):
    path = storage.inner.path(name)
    with open(path, "rb") as handle:
        raw = bytearray(handle.read())
    with open(path, "wb") as handle:
        handle.write(change(raw))


def _flip(position):
    def change(raw):
        raw[position] ^= 1
        return raw
    return change


@pytest.mark.parametrize("position", [
    ENVELOPE_SIZE + 5,  # Tink's salt
    ENVELOPE_SIZE + TINK_HEADER_SIZE + 100,  # the first segment's ciphertext
    -1,  # the last tag
], ids=["salt", "ciphertext", "tag"])
def test_a_flipped_byte_is_detected(storage, position):
    name = storage.save("f.bin", ContentFile(os.urandom(1000)))
    _tampered(storage, name, _flip(position))
    with pytest.raises(DecryptionError):
        read_back(storage, name)


def test_a_key_id_changed_to_another_configured_key_fails_authentication(storage, settings):
    name = storage.save("f.bin", ContentFile(b"under A"))
    settings.FILE_ENCRYPTION_KEYS = [KEY_A, KEY_B]
    other = FileKey(b"B" * 32).tink_id.to_bytes(4, "big")
    _tampered(storage, name, lambda raw: raw[:4] + other + raw[8:])
    with pytest.raises(DecryptionError) as caught:
        read_back(storage, name)
    assert not isinstance(caught.value, KeyUnavailable)  # the wrong key is tried, and refused


TWO = FIRST + OTHER + 10  # three segments: the last one is short


def test_truncation_at_a_segment_boundary_is_detected(storage):
    name = storage.save("f.bin", ContentFile(os.urandom(TWO)))
    _tampered(storage, name, lambda raw: raw[:ENVELOPE_SIZE + 2 * SEGMENT_SIZE])
    with pytest.raises(DecryptionError):
        read_back(storage, name)


def test_truncation_inside_the_last_segment_is_detected(storage):
    name = storage.save("f.bin", ContentFile(os.urandom(5000)))
    _tampered(storage, name, lambda raw: raw[:-7])
    with pytest.raises(DecryptionError):
        read_back(storage, name)


def test_reordered_segments_are_detected(storage):
    name = storage.save("f.bin", ContentFile(os.urandom(TWO)))
    start = ENVELOPE_SIZE + SEGMENT_SIZE

    def swap(raw):
        second, third = raw[start:start + SEGMENT_SIZE], raw[start + SEGMENT_SIZE:]
        return raw[:start] + third + second

    _tampered(storage, name, swap)
    with pytest.raises(DecryptionError):
        read_back(storage, name)


def test_a_segment_appended_from_another_file_is_detected(storage):
    name = storage.save("f.bin", ContentFile(os.urandom(FIRST + 10)))
    other = storage.save("g.bin", ContentFile(os.urandom(FIRST + 10)))
    tail = storage.read_encrypted(other)[ENVELOPE_SIZE + SEGMENT_SIZE:]
    _tampered(storage, name, lambda raw: raw + tail)
    with pytest.raises(DecryptionError):
        read_back(storage, name)


def test_several_keys_the_primary_encrypts_and_every_key_decrypts(storage, settings):
    name = storage.save("f.bin", ContentFile(b"under A"))
    settings.FILE_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    assert read_back(storage, name) == b"under A"
    assert not storage.is_under_current_key(name)
    previous_deployment_gone(storage)
    newer = storage.save("g.bin", ContentFile(b"under B"))
    assert storage.key_id_of(newer) == ID_B and storage.is_under_current_key(newer)
    keyset = Keyring(settings.FILE_ENCRYPTION_KEYS).keyset().keyset_info()
    assert keyset.primary_key_id == FileKey(b"B" * 32).tink_id
    assert sorted(key.key_id for key in keyset.key_info) == sorted(
        [FileKey(b"A" * 32).tink_id, FileKey(b"B" * 32).tink_id])


def test_a_file_whose_key_was_removed_is_refused_naming_the_key(storage, settings):
    name = storage.save("f.bin", ContentFile(b"under A"))
    settings.FILE_ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(KeyUnavailable, match=f"needs key {ID_A}, which is not in") as caught:
        storage.open(name)
    assert caught.value.key_id == ID_A


def test_keys_must_be_32_bytes_of_base64():
    with pytest.raises(ImproperlyConfigured):
        Keyring([base64.b64encode(b"short").decode()])
    with pytest.raises(ImproperlyConfigured):
        Keyring(["not base64!"])
    with pytest.raises(ImproperlyConfigured):
        Keyring([])


def test_the_same_secrets_always_give_the_same_tink_keys():
    """Every process derives the keyset from the configured secrets: all must agree."""
    first = Keyring([KEY_A, KEY_B]).keyset().keyset_info()
    second = Keyring([KEY_A, KEY_B]).keyset().keyset_info()
    assert first == second
    storage_a = Keyring([KEY_A])
    data = io.BytesIO()
    from core.file_crypto import DecryptingReader, EncryptingReader

    data.write(EncryptingReader(io.BytesIO(b"hello"), storage_a, storage_a.primary).read())
    data.seek(0)
    assert DecryptingReader(data, Keyring([KEY_B, KEY_A])).read() == b"hello"


def test_storage_has_no_public_url_or_path(storage):
    name = storage.save("f.bin", ContentFile(b"x"))
    with pytest.raises(NotImplementedError):
        storage.url(name)
    with pytest.raises(NotImplementedError):
        storage.path(name)


def test_twenty_megabytes_stream_through_with_little_memory(storage, tmp_path):
    source = tmp_path / "big.bin"
    block = os.urandom(1024 * 1024)
    digest = hashlib.sha256()
    with open(source, "wb") as handle:
        for _ in range(20):
            handle.write(block)
            digest.update(block)
    tracemalloc.start()
    with open(source, "rb") as handle:
        name = storage.save("big.bin", File(handle))
    check = hashlib.sha256()
    with storage.open(name) as handle:
        while chunk := handle.read(64 * 1024):
            check.update(chunk)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert check.hexdigest() == digest.hexdigest()
    # One 1 MiB segment in Tink's hands plus our 64 KiB buffers: never the 20 MB file.
    assert peak < 2 * 1024 * 1024, f"peak {peak} bytes: the file was held in memory"


def test_default_private_storage_setting_is_the_encrypted_layer(settings):
    from core.storage import private_storage

    assert settings.STORAGES["private"]["BACKEND"] == "core.encrypted_storage.EncryptedStorage"
    assert isinstance(private_storage(), EncryptedStorage)


# --- the old format: read only ------------------------------------------------------------
def test_an_old_format_file_is_still_read_across_its_segments(storage):
    data = os.urandom(3 * 64 * 1024 + 17)
    name = save_legacy(storage, "old.pdf", ContentFile(data))
    assert storage.read_encrypted(name)[:4] == b"KPTE"
    assert read_back(storage, name) == data
    assert storage.size(name) == len(data)
    assert storage.format_of(name) == (LEGACY, ID_A)
    assert not storage.is_under_current_key(name)


def test_an_old_format_file_with_a_flipped_byte_is_refused(storage):
    name = save_legacy(storage, "old.pdf", ContentFile(os.urandom(1000)))
    _tampered(storage, name, _flip(40))
    with pytest.raises(DecryptionError):
        read_back(storage, name)


def test_the_old_format_reader_can_be_switched_off(storage, settings):
    name = save_legacy(storage, "old.pdf", ContentFile(b"old"))
    settings.FILE_ENCRYPTION_READ_LEGACY = False
    with pytest.raises(DecryptionError, match="FILE_ENCRYPTION_READ_LEGACY=0"):
        storage.open(name)


def test_new_files_are_never_written_in_the_old_format(storage):
    name = storage.save("new.pdf", ContentFile(b"new"))
    assert storage.format_of(name)[0] == TINK


# --- S3 through a real HTTP endpoint: moto's server, not a mock of boto3 ------------------
@pytest.fixture(scope="module")
def s3_endpoint():
    pytest.importorskip("moto.server")
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_storage(s3_endpoint, settings):
    import boto3

    settings.FILE_ENCRYPTION_KEYS = [KEY_A]
    bucket = f"kpt-test-{os.urandom(4).hex()}"
    credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-central-2",
                 **credentials).create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-2"})
    storage = EncryptedStorage(backend="storages.backends.s3.S3Storage", options={
        "bucket_name": bucket, "endpoint_url": s3_endpoint, "region_name": "eu-central-2",
        "access_key": "testing", "secret_key": "testing", "default_acl": "private",
        "file_overwrite": False, "max_memory_size": 1024 * 1024,
    })
    return storage, bucket, boto3.client("s3", endpoint_url=s3_endpoint,
                                         region_name="eu-central-2", **credentials)


def test_s3_round_trip_stores_only_ciphertext(s3_storage):
    storage, bucket, client = s3_storage
    data = b"%PDF-1.4\n" + os.urandom(FIRST + 123)
    name = storage.save("documents/2025/03/letter.pdf", ContentFile(data))
    raw = client.get_object(Bucket=bucket, Key=name)["Body"].read()
    assert raw.startswith(b"KPT2") and b"%PDF" not in raw
    assert read_back(storage, name) == data
    assert storage.exists(name)
    assert storage.size(name) == len(data)
    assert storage.format_of(name) == (TINK, ID_A)  # a ranged read of the header
    storage.delete(name)
    assert not storage.exists(name)


def test_s3_old_format_files_stay_readable(s3_storage):
    storage, _bucket, _client = s3_storage
    data = os.urandom(70_000)
    name = save_legacy(storage, "claims/old.jpg", ContentFile(data))
    assert storage.format_of(name) == (LEGACY, ID_A)
    assert read_back(storage, name) == data


@pytest.mark.parametrize("write", ["tink", "old format"])
def test_an_empty_file_is_authenticated_too(storage, write):
    """An empty plaintext still has a sealed segment: a forged one is refused, not read as
    an empty file."""
    save = storage.save if write == "tink" else (lambda n, c: save_legacy(storage, n, c))
    name = save("empty.bin", ContentFile(b""))
    assert read_back(storage, name) == b""
    _tampered(storage, name, _flip(-1))
    with pytest.raises(DecryptionError):
        read_back(storage, name)
