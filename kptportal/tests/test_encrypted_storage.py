"""The encrypted storage: round trips, streaming segments, tampering, keys, S3 (moto server)."""

import base64
import hashlib
import io
import os
import tracemalloc

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile, File

from kptportal.encrypted_storage import (
    HEADER_SIZE,
    SEALED_SEGMENT_SIZE,
    SEGMENT_SIZE,
    DecryptionError,
    EncryptedStorage,
    Keyring,
)

KEY_A = base64.b64encode(b"A" * 32).decode()
KEY_B = base64.b64encode(b"B" * 32).decode()


@pytest.fixture
def storage(tmp_path, settings):
    settings.FILE_ENCRYPTION_KEYS = [KEY_A]
    return EncryptedStorage(backend="django.core.files.storage.FileSystemStorage",
                            options={"location": str(tmp_path / "enc")})


def read_back(storage, name) -> bytes:
    with storage.open(name) as handle:
        return handle.read()


@pytest.mark.parametrize("size", [0, 1, SEGMENT_SIZE - 1, SEGMENT_SIZE, SEGMENT_SIZE + 1,
                                  3 * SEGMENT_SIZE + 17])
def test_round_trip_keeps_every_byte_at_segment_edges(storage, size):
    data = os.urandom(size)
    name = storage.save("f.bin", ContentFile(data))
    assert read_back(storage, name) == data
    assert storage.size(name) == size


def test_stored_bytes_are_not_the_plaintext(storage):
    pdf = b"%PDF-1.4\n" + b"secret diagnosis " * 100
    name = storage.save("letter.pdf", ContentFile(pdf))
    raw = storage.read_encrypted(name)
    assert not raw.startswith(b"%PDF")
    assert b"secret diagnosis" not in raw
    assert raw.startswith(b"KPTE")


def test_same_content_encrypts_differently_each_time(storage):
    first = storage.save("a.bin", ContentFile(b"same"))
    second = storage.save("b.bin", ContentFile(b"same"))
    assert storage.read_encrypted(first) != storage.read_encrypted(second)


def test_open_seeks_and_reads_ranges_lazily(storage):
    data = os.urandom(3 * SEGMENT_SIZE + 100)
    name = storage.save("f.bin", ContentFile(data))
    with storage.open(name) as handle:
        handle.seek(2 * SEGMENT_SIZE - 10)
        assert handle.read(20) == data[2 * SEGMENT_SIZE - 10:2 * SEGMENT_SIZE + 10]
        handle.seek(-5, io.SEEK_END)
        assert handle.read() == data[-5:]


def _tampered(storage, name, change):
    path = storage.inner.path(name)
    with open(path, "rb") as handle:
        raw = bytearray(handle.read())
    raw = change(raw)
    with open(path, "wb") as handle:
        handle.write(raw)


def test_flipped_byte_is_detected(storage):
    name = storage.save("f.bin", ContentFile(os.urandom(1000)))

    def flip(raw):
        raw[HEADER_SIZE + 5] ^= 1
        return raw

    _tampered(storage, name, flip)
    with pytest.raises(DecryptionError):
        read_back(storage, name)


def test_truncation_at_a_segment_boundary_is_detected(storage):
    name = storage.save("f.bin", ContentFile(os.urandom(2 * SEGMENT_SIZE + 10)))
    _tampered(storage, name, lambda raw: raw[:HEADER_SIZE + 2 * SEALED_SEGMENT_SIZE])
    with pytest.raises(DecryptionError):
        read_back(storage, name)


def test_reordered_segments_are_detected(storage):
    name = storage.save("f.bin", ContentFile(os.urandom(2 * SEGMENT_SIZE + 10)))

    def swap(raw):
        first = raw[HEADER_SIZE:HEADER_SIZE + SEALED_SEGMENT_SIZE]
        second = raw[HEADER_SIZE + SEALED_SEGMENT_SIZE:HEADER_SIZE + 2 * SEALED_SEGMENT_SIZE]
        return raw[:HEADER_SIZE] + second + first + raw[HEADER_SIZE + 2 * SEALED_SEGMENT_SIZE:]

    _tampered(storage, name, swap)
    with pytest.raises(DecryptionError):
        read_back(storage, name)


def test_old_key_still_decrypts_after_a_new_key_is_put_first(storage, settings):
    name = storage.save("f.bin", ContentFile(b"under A"))
    settings.FILE_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    assert read_back(storage, name) == b"under A"
    assert not storage.is_under_current_key(name)
    newer = storage.save("g.bin", ContentFile(b"under B"))
    assert storage.is_under_current_key(newer)


def test_a_file_whose_key_was_removed_is_refused_clearly(storage, settings):
    name = storage.save("f.bin", ContentFile(b"under A"))
    settings.FILE_ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(DecryptionError, match="not in FILE_ENCRYPTION_KEYS"):
        read_back(storage, name)


def test_keys_must_be_32_bytes_of_base64():
    with pytest.raises(ImproperlyConfigured):
        Keyring([base64.b64encode(b"short").decode()])
    with pytest.raises(ImproperlyConfigured):
        Keyring([])


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
        while chunk := handle.read(SEGMENT_SIZE):
            check.update(chunk)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert check.hexdigest() == digest.hexdigest()
    assert peak < 2 * 1024 * 1024, f"peak {peak} bytes: the file was held in memory"


def test_default_private_storage_setting_is_the_encrypted_layer(settings):
    from kptportal.storage import private_storage

    assert settings.STORAGES["private"]["BACKEND"] == "kptportal.encrypted_storage.EncryptedStorage"
    assert isinstance(private_storage(), EncryptedStorage)


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
    data = b"%PDF-1.4\n" + os.urandom(2 * SEGMENT_SIZE + 123)
    name = storage.save("documents/2025/03/letter.pdf", ContentFile(data))
    raw = client.get_object(Bucket=bucket, Key=name)["Body"].read()
    assert raw.startswith(b"KPTE") and b"%PDF" not in raw
    assert read_back(storage, name) == data
    assert storage.exists(name)
    assert storage.size(name) == len(data)
    storage.delete(name)
    assert not storage.exists(name)
