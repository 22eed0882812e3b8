"""Moving every kind of encrypted file to Tink's format, key rotation, and the refusal to drop
a key (or the old format) still in use.

The installation as it was: ten years of files in the old format (KPTE) under the old key.
``rotate_file_keys`` rewrites every kind of file (documents, previews, claim pages,
attachments, exports, shared uploads, letters) in Tink's format under the new key; then the
old key is dropped and every file still opens.
"""

import base64
import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from claims.tests.factories import ClaimFactory
from core import key_rings
from core.encrypted_storage import LEGACY, TINK, DecryptionError, KeyUnavailable
from core.file_crypto import FileKey
from core.file_keys import (
    ROTATING_SUFFIX,
    census,
    encrypted_storage,
    read_state,
    recover_unfinished,
    rotate_file,
)
from core.models import SharedUpload
from core.tests.key_ring_support import previous_deployment_gone
from core.tests.legacy_files import writing_the_old_format
from documents.models import Document
from documents.previews import preview_name, preview_png
from documents.tests.factories import make_document
from exports.models import DataExport
from messaging.models import Attachment
from messaging.tests.factories import MessageFactory, ThreadFactory

pytestmark = pytest.mark.django_db

OLD_KEY = base64.b64encode(b"o" * 32).decode()
NEW_KEY = base64.b64encode(b"n" * 32).decode()
OLD_ID = FileKey(b"o" * 32).id
NEW_ID = FileKey(b"n" * 32).id
KINDS = {"documents", "previews", "claims", "messages", "exports", "shared", "letters"}


def run(*args):
    out = io.StringIO()
    call_command("rotate_file_keys", *args, stdout=out)
    return out.getvalue()


def every_kind():
    """One stored file of each kind, as the portal stores them, with its plaintext."""
    document = make_document()
    preview_png(document)  # the cached, encrypted preview
    claim = ClaimFactory()
    page = claim.pages.get()
    thread = ThreadFactory(customer=claim.customer)
    attachment = Attachment(message=MessageFactory(thread=thread), filename="a.pdf",
                            content_type="application/pdf", size=4)
    attachment.file.save("a.pdf", ContentFile(b"%PDF attachment"), save=True)
    export = DataExport(customer=claim.customer, status=DataExport.Status.READY)
    export.file.save("x.zip", ContentFile(b"PK export"), save=True)
    shared = SharedUpload(session_key="s" * 32, name="p.jpg", content_type="image/jpeg",
                          size=3, expires_at=timezone.now() + timedelta(minutes=30))
    shared.file.save("p.jpg", ContentFile(b"JPG"), save=True)
    letter = encrypted_storage().save("letters/activation.pdf", ContentFile(b"%PDF letter"))
    files = [document.file, page.file, attachment.file, export.file, shared.file]
    names = [f.name for f in files] + [letter, preview_name(document)]
    storage = encrypted_storage()
    contents = {}
    for name in names:
        with storage.open(name) as handle:
            contents[name] = handle.read()
    return contents


@pytest.fixture
def old_files(settings):
    """Every kind of file as the portal stored it before Tink: the old format, the old key;
    then the new key deployed everywhere and made first."""
    settings.FILE_ENCRYPTION_KEYS = [OLD_KEY]
    with writing_the_old_format():
        contents = every_kind()
    settings.FILE_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    previous_deployment_gone(encrypted_storage())
    return contents


def test_the_fixture_holds_every_kind_in_the_old_format(old_files):
    storage = encrypted_storage()
    assert {name.split("/")[0] for name in old_files} == KINDS
    assert all(storage.format_of(name) == (LEGACY, OLD_ID) for name in old_files)


def test_every_kind_opens_in_tinks_format_after_rotation_and_dropping_the_old_key(
        old_files, settings):
    output = run()
    assert "0 failed" in output and "Verified" in output
    settings.FILE_ENCRYPTION_KEYS = [NEW_KEY]  # the old key dropped
    settings.FILE_ENCRYPTION_READ_LEGACY = False  # and the old format's reader
    storage = encrypted_storage()
    for name, plaintext in old_files.items():
        assert storage.format_of(name) == (TINK, NEW_ID), name
        with storage.open(name) as handle:
            assert handle.read() == plaintext, name
    assert "Every file is in Tink's format under the first key" in run("--check")


def test_the_rotation_reports_its_progress_file_by_file(old_files):
    output = run()
    assert "[1/1] document" in output  # the archive, counted
    assert "[6/6] " in output  # then every other file, counted
    assert "7 re-encrypted, 0 already current, 0 failed." in output


def test_old_format_files_under_the_first_key_are_rewritten_too(settings):
    """Nothing to rotate, only the format to leave: the same key, Tink afterwards."""
    settings.FILE_ENCRYPTION_KEYS = [OLD_KEY]
    with writing_the_old_format():
        contents = every_kind()
    run()
    storage = encrypted_storage()
    for name, plaintext in contents.items():
        assert storage.format_of(name) == (TINK, OLD_ID)
        with storage.open(name) as handle:
            assert handle.read() == plaintext


def test_without_the_rotation_dropping_the_old_key_loses_claim_pages(old_files, settings):
    """The failure the order prevents: the fixture's files are unreadable without their key."""
    settings.FILE_ENCRYPTION_KEYS = [NEW_KEY]
    storage = encrypted_storage()
    claim_page = next(name for name in old_files if name.startswith("claims/"))
    with pytest.raises(KeyUnavailable):
        storage.open(claim_page).read()


def test_check_counts_per_kind_the_files_in_the_old_format(old_files):
    with pytest.raises(CommandError, match="do not remove any key yet"):
        call_command("rotate_file_keys", "--check", stdout=(out := io.StringIO()))
    text = out.getvalue()
    assert "kind" in text and "old format" in text
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines()
            if line.split() and line.split()[0] in KINDS}
    assert set(rows) == KINDS
    assert all(row == ["1", "0", "1", "0", "0"] for row in rows.values()), rows
    assert read_state()["census"]["by_kind"]["claims"]["old_format"] == 1


def test_check_counts_files_under_a_key_other_than_the_first(old_files, settings):
    run()  # every file under NEW now
    settings.FILE_ENCRYPTION_KEYS = [OLD_KEY, NEW_KEY]  # as if NEW were demoted again
    previous_deployment_gone(encrypted_storage())
    with pytest.raises(CommandError):
        call_command("rotate_file_keys", "--check", stdout=(out := io.StringIO()))
    text = out.getvalue()
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines()
            if line.split() and line.split()[0] in KINDS}
    assert all(row == ["1", "0", "0", "1", "0"] for row in rows.values()), rows
    assert f"key 2 ({NEW_ID}, decrypts only): 7 file(s) – still in use" in text


def test_check_refuses_while_a_file_needs_the_old_key_and_names_it(old_files):
    with pytest.raises(CommandError, match="do not remove any key yet"):
        call_command("rotate_file_keys", "--check", stdout=(out := io.StringIO()))
    text = out.getvalue()
    assert "still in use: keep this key" in text
    assert "old format (KPTE): 7 file(s) – keep FILE_ENCRYPTION_READ_LEGACY on" in text
    for name in old_files:
        assert name in text  # every file that needs it is named


def test_check_names_files_whose_key_was_already_removed(old_files, settings):
    settings.FILE_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(CommandError):
        call_command("rotate_file_keys", "--check", stdout=(out := io.StringIO()))
    assert f"key {OLD_ID} is NOT configured, yet 7 file(s) need it" in out.getvalue()


def test_the_deploy_check_refuses_a_dropped_key_that_files_still_need(old_files, settings):
    from core.checks import file_key_checks

    with pytest.raises(CommandError):
        run("--check")  # records the census: 7 files under the old key
    settings.FILE_ENCRYPTION_KEYS = [NEW_KEY]
    assert "kptportal.E002" in [problem.id for problem in file_key_checks(None)]
    settings.FILE_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    run()
    settings.FILE_ENCRYPTION_KEYS = [NEW_KEY]
    assert file_key_checks(None) == []


def test_the_deploy_check_refuses_to_switch_off_the_old_format_while_files_need_it(
        old_files, settings):
    from core.checks import file_key_checks

    settings.FILE_ENCRYPTION_READ_LEGACY = False
    assert "kptportal.E005" in [p.id for p in file_key_checks(None)]  # no census yet
    settings.FILE_ENCRYPTION_READ_LEGACY = True
    with pytest.raises(CommandError):
        run("--check")
    settings.FILE_ENCRYPTION_READ_LEGACY = False
    problems = [p for p in file_key_checks(None) if p.id == "kptportal.E005"]
    assert problems and "7 file(s) were in the old format" in problems[0].msg
    settings.FILE_ENCRYPTION_READ_LEGACY = True
    run()
    settings.FILE_ENCRYPTION_READ_LEGACY = False
    assert file_key_checks(None) == []


def test_the_rotation_refuses_while_a_process_without_the_new_key_is_running(
        old_files, settings):
    storage = encrypted_storage()
    key_rings.note_ring(storage.inner, [OLD_ID], role="web")  # a web on [old]
    with pytest.raises(CommandError, match=f"Key {NEW_ID} is not yet held by every running "
                                           r"process: \[" + OLD_ID):
        run()
    assert all(storage.format_of(name)[0] == LEGACY for name in old_files)  # nothing touched


def test_an_interrupted_rotation_resumes_and_loses_nothing(old_files):
    storage = encrypted_storage()
    names = sorted(old_files)
    rotate_file(storage, names[0])
    # A crash after writing the copy, before replacing: the copy is discarded, the original
    # (old format, old key) kept and rotated on the next run.
    with storage.open(names[1]) as handle:
        storage.inner.save(names[1] + ROTATING_SUFFIX, ContentFile(b"half-written"))
        assert handle.read() == old_files[names[1]]
    output = run()
    assert "1 unfinished copy(ies)" in output
    assert "6 re-encrypted, 1 already current" in output
    for name, plaintext in old_files.items():
        with storage.open(name) as handle:
            assert handle.read() == plaintext
    assert not any(name.endswith(ROTATING_SUFFIX) for names_ in census(storage).by_key.values()
                   for name in names_)


def test_a_crash_inside_a_non_atomic_replace_is_finished_from_the_verified_copy(old_files):
    storage = encrypted_storage()
    name = sorted(old_files)[0]
    # The copy written (Tink, new key), the original already gone: as on an object store
    # that died between the two steps.
    with storage.open(name) as handle:
        written = storage.save(name + ROTATING_SUFFIX, ContentFile(handle.read()))
    storage.inner.delete(name)
    assert recover_unfinished(storage) == 1
    assert not storage.exists(written)
    with storage.open(name) as handle:
        assert handle.read() == old_files[name]


def test_a_document_whose_content_differs_from_its_checksum_is_kept_as_it_was(old_files):
    document = Document.objects.get()
    Document.objects.filter(pk=document.pk).update(checksum="0" * 64)
    with pytest.raises(CommandError, match="could not be re-encrypted"):
        run()
    storage = encrypted_storage()
    assert storage.format_of(document.file.name) == (LEGACY, OLD_ID)
    assert [n for n in storage.inner.listdir("documents")[1]] == []  # no stray copy at top
    others = [name for name in old_files if name != document.file.name]
    assert all(storage.is_under_current_key(name) for name in others)


def test_an_unreadable_file_is_named_and_fails_the_rotation(old_files):
    storage = encrypted_storage()
    storage.inner.save("letters/stray.txt", ContentFile(b"plain text, not ours"))
    with pytest.raises(CommandError):
        call_command("rotate_file_keys", "--check", stdout=(out := io.StringIO()))
    assert "letters/stray.txt (" in out.getvalue()
    with pytest.raises(CommandError, match="could not be re-encrypted"):
        call_command("rotate_file_keys", stdout=(out := io.StringIO()))
    assert "letters/stray.txt: FAILED" in out.getvalue()


def test_the_census_reads_headers_only_and_names_the_format(old_files):
    result = census(encrypted_storage())
    assert len(result.legacy) == 7 and set(result.by_key) == {OLD_ID}
    with pytest.raises(DecryptionError):
        from core.encrypted_storage import stored_format

        stored_format(b"%PDF-1.7 not ours", "x.pdf")
