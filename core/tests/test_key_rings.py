"""The record of the keys running processes hold, and the rule "a key encrypts only once every
running process holds it"."""

import base64
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from core import key_rings
from core.encrypted_storage import EncryptedStorage
from core.file_crypto import FileKey
from core.key_rings import RingRecord

KEY_A = base64.b64encode(b"A" * 32).decode()
KEY_B = base64.b64encode(b"B" * 32).decode()
A = FileKey(b"A" * 32).id
B = FileKey(b"B" * 32).id
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def ring(keys, minutes_before_noon=0):
    seen = NOON - timedelta(minutes=minutes_before_noon)
    return RingRecord(keys=keys, first_seen=seen, last_seen=seen)


@pytest.fixture
def inner(tmp_path):
    return FileSystemStorage(location=str(tmp_path / "files"))


@pytest.fixture
def storage(tmp_path, settings):
    settings.FILE_ENCRYPTION_KEYS = [KEY_A]
    return EncryptedStorage(options={"location": str(tmp_path / "files")})


def test_a_ring_is_named_by_its_first_key_and_the_set_of_the_others():
    assert key_rings.ring_name(["a", "c", "b"]) == key_rings.ring_name(["a", "b", "c"])
    assert key_rings.ring_name(["b", "a"]) != key_rings.ring_name(["a", "b"])


def test_a_key_may_encrypt_only_when_every_running_ring_holds_it():
    records = [ring([A]), ring([B, A])]
    assert key_rings.unaware(records, B) == [records[0]]
    assert key_rings.first_known_everywhere([B, A], records) == A


def test_rings_not_seen_for_the_window_are_gone():
    records = [ring([A], minutes_before_noon=16), ring([A, B])]
    assert key_rings.unaware(records, B) == []
    assert key_rings.first_known_everywhere([B, A], records) == B


def test_the_window_counts_back_from_the_newest_record_not_from_now():
    """An installation idle overnight: its last rings are still the ones running."""
    records = [ring([A], minutes_before_noon=10), ring([A, B])]
    assert key_rings.unaware(records, B) == [records[0]]  # whatever the time is now


def test_with_no_key_known_everywhere_the_first_one_encrypts():
    assert key_rings.first_known_everywhere([B], [ring([A]), ring([B])]) == B


def test_noting_a_ring_keeps_its_first_sighting_and_every_role(inner):
    key_rings.note_ring(inner, [A, B], role="web", at=NOON)
    key_rings.note_ring(inner, [A, B], role="worker", at=NOON + timedelta(minutes=5))
    [record] = key_rings.read_rings(inner)
    assert record.keys == [A, B] and record.first_seen == NOON
    assert record.last_seen == NOON + timedelta(minutes=5)
    assert set(record.seen_by) == {"web", "worker"}


def test_an_unreadable_record_is_skipped(inner):
    key_rings.note_ring(inner, [A], role="web", at=NOON)
    inner.save(f"{key_rings.RINGS_DIR}/broken.json", ContentFile(b"{not json"))
    assert [record.keys for record in key_rings.read_rings(inner)] == [[A]]


@pytest.mark.parametrize(("argv", "role"), [
    (["/usr/local/bin/gunicorn", "kptportal.wsgi"], "web"),
    (["manage.py", "runserver"], "web"),
    (["/usr/local/bin/celery", "-A", "core", "worker"], "worker"),
    (["manage.py", "rotate_file_keys"], "command rotate_file_keys"),
])
def test_the_record_says_what_kind_of_process_holds_the_keys(argv, role):
    assert key_rings.process_role(argv) == role


def test_the_storage_records_its_keys_once_a_minute_not_at_every_use(storage):
    name = storage.save("f.bin", ContentFile(b"x"))
    with mock.patch.object(key_rings, "note_ring") as note:
        for _ in range(3):
            storage.open(name).close()
            storage.save("g.bin", ContentFile(b"y"))
    assert note.call_count == 0
    assert [record.keys for record in key_rings.read_rings(storage.inner)] == [[A]]


def test_a_new_first_key_waits_for_the_processes_that_lack_it(storage, settings, caplog):
    key_rings.note_ring(storage.inner, [A], role="web")  # a web still on [A]
    settings.FILE_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    name = storage.save("f.bin", ContentFile(b"x"))
    assert storage.key_id_of(name) == A
    assert f"file key {B} is not yet held by every running process" in caplog.text


def test_a_record_that_cannot_be_written_never_keeps_a_customer_from_a_file(storage):
    name = storage.save("f.bin", ContentFile(b"x"))
    storage._noted = None
    refused = mock.patch.object(key_rings, "overwrite", side_effect=PermissionError("read-only"))
    with refused, storage.open(name) as handle:
        assert handle.read() == b"x"
