"""The order of a key change, enforced from the installation's first deployment.

Before: the record of deployed keys was written only by ``rotate_file_keys``; where it had never
run, the deploy check could not refuse a new key made first at once, a web process still on the
old keys then met documents it could not decrypt (a 500 with a traceback), and an unreachable
storage was only a warning. Now every process records the keys it holds, a new key encrypts
only once every running process holds it, the deploy check refuses the wrong order, and a
process that meets a file under a key it lacks answers a clear 503.
"""

import base64
from unittest import mock

import pytest
from django.urls import reverse

from core import key_rings
from core.checks import file_key_checks
from core.file_crypto import FileKey
from core.file_keys import encrypted_storage, write_state
from core.tests.key_ring_support import forget_cached_choice, previous_deployment_gone
from documents.tests.factories import make_document

pytestmark = pytest.mark.django_db

OLD_KEY = base64.b64encode(b"o" * 32).decode()
NEW_KEY = base64.b64encode(b"n" * 32).decode()
OLD_ID = FileKey(b"o" * 32).id
NEW_ID = FileKey(b"n" * 32).id


def problems():
    return [problem.id for problem in file_key_checks(None)]


def web_process_running_with(*ids):
    """A web process of the running deployment, as it records itself (core.key_rings)."""
    key_rings.note_ring(encrypted_storage().inner, list(ids), role="web")


# --- a process that does not hold the key --------------------------------------------------
@pytest.fixture
def document_under_the_new_key(settings, customer):
    settings.FILE_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    document = make_document(insured_person=customer.insured_persons.get(is_policy_holder=True))
    assert encrypted_storage().key_id_of(document.file.name) == NEW_ID
    settings.FILE_ENCRYPTION_KEYS = [OLD_KEY]  # this web process was deployed before NEW
    return document


@pytest.mark.parametrize("view", ["documents:download", "documents:preview"])
def test_a_web_process_without_the_new_key_answers_a_clear_503_not_a_500(
        customer_client, document_under_the_new_key, view, caplog):
    response = customer_client.get(reverse(view, args=[document_under_the_new_key.pk]))
    assert response.status_code == 503
    assert response["Retry-After"] == "120"
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "Fichier momentanément indisponible" in page and "rien n'est perdu" in page
    assert "Traceback" not in page and NEW_ID not in page  # nothing technical for the customer
    assert any(NEW_ID in record.getMessage() for record in caplog.records)  # ops are told


def test_the_clear_error_speaks_the_customers_language(customer_client,
                                                       document_under_the_new_key):
    response = customer_client.get(reverse("documents:download",
                                            args=[document_under_the_new_key.pk]),
                                   HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 503
    assert "Datei vorübergehend nicht verfügbar" in response.content.decode()


# --- the order that prevents it ------------------------------------------------------------
def test_the_documented_order_never_lets_a_process_meet_a_file_under_a_key_it_lacks(settings):
    storage = encrypted_storage()
    # Running: web on [old]. Step 1: deploy old,new (new decrypts only): allowed.
    web_process_running_with(OLD_ID)
    settings.FILE_ENCRYPTION_KEYS = [OLD_KEY, NEW_KEY]
    assert problems() == []
    step1 = make_document()
    assert storage.key_id_of(step1.file.name) == OLD_ID  # readable by the old web too
    # Step 2 too early: the old web was seen within the window, so the check refuses ...
    settings.FILE_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert problems() == ["kptportal.E003"]
    # ... and a process started anyway keeps encrypting under the key everyone holds.
    forget_cached_choice()  # a process started now
    early = make_document()
    assert storage.key_id_of(early.file.name) == OLD_ID
    # Once only processes holding new have been seen for the window: promotion allowed.
    settings.FILE_ENCRYPTION_KEYS = [OLD_KEY, NEW_KEY]
    previous_deployment_gone(storage)
    web_process_running_with(OLD_ID, NEW_ID)  # step 1 deployed everywhere
    settings.FILE_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert problems() == []
    promoted = make_document()
    assert storage.key_id_of(promoted.file.name) == NEW_ID
    # Every running process (old,new or new,old) reads every file.
    for keys in ([OLD_KEY, NEW_KEY], [NEW_KEY, OLD_KEY]):
        settings.FILE_ENCRYPTION_KEYS = keys
        for document in (step1, early, promoted):
            with storage.open(document.file.name) as handle:
                assert handle.read(5) == b"%PDF-"


def test_from_the_first_deployment_processes_record_the_keys_they_hold(settings):
    """No rotate_file_keys ever ran: the first use of the storage is enough."""
    settings.FILE_ENCRYPTION_KEYS = [OLD_KEY]
    make_document()
    [ring] = key_rings.read_rings(encrypted_storage().inner)
    assert ring.keys == [OLD_ID]
    settings.FILE_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]  # promoted without step 1
    assert problems() == ["kptportal.E003"]


def test_the_record_names_key_ids_only_never_a_key(settings):
    settings.FILE_ENCRYPTION_KEYS = [OLD_KEY, NEW_KEY]
    make_document()
    inner = encrypted_storage().inner
    _dirs, files = inner.listdir(key_rings.RINGS_DIR)
    raw = b"".join(inner.open(f"{key_rings.RINGS_DIR}/{name}").read() for name in files)
    assert OLD_ID.encode() in raw and NEW_ID.encode() in raw
    for secret in (b"o" * 32, b"n" * 32):
        assert base64.b64encode(secret) not in raw and secret not in raw


def test_a_first_deployment_of_this_release_with_several_keys_and_no_record_is_refused(
        settings):
    settings.FILE_ENCRYPTION_KEYS = [OLD_KEY]
    assert problems() == []  # a new installation, or the keys unchanged
    settings.FILE_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert problems() == ["kptportal.E003"]  # nobody can say whether NEW was staged


def test_the_record_rotate_file_keys_kept_before_this_release_still_counts(settings):
    settings.FILE_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    seen = {(FileKey(b"o" * 32).legacy_id.hex()): {"encrypting_since": "2025-01-01T00:00"},
            (FileKey(b"n" * 32).legacy_id.hex()): {"decrypt_only_since": "2025-02-01T00:00"}}
    write_state({"keys_seen": seen}, encrypted_storage())
    assert problems() == []
    settings.FILE_ENCRYPTION_KEYS = [base64.b64encode(b"x" * 32).decode(), NEW_KEY]
    assert problems() == ["kptportal.E003"]


def test_an_unreachable_storage_stops_the_deploy(settings):
    settings.FILE_ENCRYPTION_KEYS = [OLD_KEY]
    with mock.patch.object(key_rings, "read_rings", side_effect=ConnectionError("no S3")):
        found = file_key_checks(None)
    assert [problem.id for problem in found] == ["kptportal.E004"]
    assert found[0].is_serious()  # an error: `check --deploy --fail-level ERROR` stops


def test_malformed_keys_stop_the_deploy(settings):
    settings.FILE_ENCRYPTION_KEYS = ["not base64!"]
    assert problems() == ["kptportal.E001"]


def test_the_readiness_probe_keeps_the_record_fresh(settings):
    from core.health import storage_ok

    settings.FILE_ENCRYPTION_KEYS = [OLD_KEY, NEW_KEY]
    assert storage_ok()
    assert [ring.keys for ring in key_rings.read_rings(encrypted_storage().inner)] == [
        [OLD_ID, NEW_ID]]
