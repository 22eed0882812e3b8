"""rotate_file_keys: every file ends under the newest key, checked, and the run resumes."""

import base64
import io

import pytest
from django.core.management import CommandError, call_command

from core.file_keys import encrypted_storage
from core.tests.key_ring_support import previous_deployment_gone
from core.tests.legacy_files import writing_the_old_format
from documents.models import Document
from documents.tests.factories import make_document

pytestmark = pytest.mark.django_db

OLD_KEY = base64.b64encode(b"o" * 32).decode()
NEW_KEY = base64.b64encode(b"n" * 32).decode()


def rotate():
    out = io.StringIO()
    call_command("rotate_file_keys", stdout=out)
    return out.getvalue()


@pytest.fixture
def old_documents(settings):
    settings.FILE_ENCRYPTION_KEYS = [OLD_KEY]
    with writing_the_old_format():
        documents = [make_document() for _ in range(3)]
    settings.FILE_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    previous_deployment_gone(encrypted_storage())
    return documents


def test_rotation_re_encrypts_every_file_under_the_newest_key(old_documents, settings):
    output = rotate()
    assert "[3/3]" in output and "3 re-encrypted" in output
    settings.FILE_ENCRYPTION_KEYS = [NEW_KEY]  # the old key can now be retired
    for document in Document.objects.all():
        storage = document.file.storage
        raw = storage.read_encrypted(document.file.name)
        assert not raw.startswith(b"%PDF")
        assert storage.is_under_current_key(document.file.name)
        with storage.open(document.file.name) as handle:
            assert handle.read(5) == b"%PDF-"


def test_files_are_re_encrypted_in_place_and_the_old_ciphertext_is_gone(old_documents):
    storage = old_documents[0].file.storage
    before = {document.file.name: storage.read_encrypted(document.file.name)
              for document in old_documents}
    rotate()
    for name, ciphertext in before.items():
        assert storage.read_encrypted(name) != ciphertext  # same name, new ciphertext
        assert storage.is_under_current_key(name)
    assert sorted(Document.objects.values_list("file", flat=True)) == sorted(before)


def test_rotation_resumes_skipping_files_already_under_the_newest_key(old_documents):
    from documents.key_rotation import rotate_document

    rotate_document(old_documents[0])
    output = rotate()
    assert "2 re-encrypted, 1 already current" in output
    assert "3 already current" in rotate()


def test_a_checksum_mismatch_keeps_the_old_file_and_fails_the_run(old_documents):
    document = old_documents[0]
    Document.objects.filter(pk=document.pk).update(checksum="0" * 64)
    with pytest.raises(CommandError):
        rotate()
    document.refresh_from_db()
    assert document.file.storage.exists(document.file.name)
    assert not document.file.storage.is_under_current_key(document.file.name)
    assert Document.objects.exclude(pk=document.pk).count() == 2


def test_a_malformed_key_is_reported_once_before_any_file(old_documents, settings):
    settings.FILE_ENCRYPTION_KEYS = ["notbase64!!", *settings.FILE_ENCRYPTION_KEYS]
    out = io.StringIO()
    with pytest.raises(CommandError, match="not base64"):
        call_command("rotate_file_keys", stdout=out)
    assert "document" not in out.getvalue()
