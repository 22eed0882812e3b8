"""Nothing deletes a document before retain_until; the purge command does, afterwards."""

from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from documents.models import Document
from documents.retention import RetentionError, minimum_retain_until
from documents.tests.factories import make_document

pytestmark = pytest.mark.django_db

# Two years old: well within its ten years whatever the day the suite runs.
RECENT = date(timezone.localdate().year - 2, 5, 1)
KEPT_UNTIL = f"jusqu'au 01.05.{RECENT.year + 10}"
OLD = date(2005, 5, 1)


def test_retain_until_is_at_least_ten_years_after_issue():
    document = make_document(issue_date=date(2024, 2, 29))
    assert document.retain_until == date(2034, 3, 1)


def test_a_shorter_retain_until_is_raised_to_ten_years():
    document = make_document(issue_date=RECENT)
    document.retain_until = date(2025, 1, 1)
    document.save()
    assert document.retain_until == minimum_retain_until(RECENT)


def test_model_delete_refuses_within_retention():
    document = make_document(issue_date=RECENT)
    with pytest.raises(RetentionError, match=KEPT_UNTIL):
        document.delete()
    assert Document.objects.filter(pk=document.pk).exists()


def test_queryset_delete_refuses_within_retention():
    make_document(issue_date=OLD)
    make_document(issue_date=RECENT)
    with pytest.raises(RetentionError):
        Document.objects.all().delete()
    assert Document.objects.count() == 2


def test_queryset_delete_of_expired_documents_only_is_allowed():
    make_document(issue_date=OLD)
    Document.objects.filter(issue_date=OLD).delete()
    assert not Document.objects.exists()


def test_queryset_update_cannot_shorten_retention():
    document = make_document(issue_date=RECENT)
    with pytest.raises(RetentionError):
        Document.objects.filter(pk=document.pk).update(retain_until=date(2020, 1, 1))
    document.refresh_from_db()
    assert document.retain_until == minimum_retain_until(RECENT)


def test_deleting_the_insured_person_is_refused_while_documents_exist():
    from django.db.models import ProtectedError

    document = make_document(issue_date=RECENT)
    with pytest.raises(ProtectedError):
        document.insured_person.delete()


@pytest.fixture
def superuser_client(client, advisor):
    from conftest import log_in_verified

    advisor.is_superuser = True
    advisor.save()
    return log_in_verified(client, advisor)


def test_admin_has_no_delete_page_even_for_a_superuser(superuser_client):
    document = make_document(issue_date=RECENT)
    url = reverse("admin:documents_document_delete", args=[document.pk])
    assert superuser_client.post(url, {"post": "yes"}).status_code == 403
    assert Document.objects.filter(pk=document.pk).exists()


def test_admin_bulk_delete_action_is_not_offered(superuser_client):
    document = make_document(issue_date=RECENT)
    response = superuser_client.post(reverse("admin:documents_document_changelist"), {
        "action": "delete_selected", "_selected_action": [document.pk], "post": "yes"})
    assert Document.objects.filter(pk=document.pk).exists()
    assert response.status_code in (200, 302)


def test_admin_delete_queryset_refuses_within_retention(rf, advisor):
    from django.contrib import admin as django_admin
    from django.contrib.messages.storage.fallback import FallbackStorage

    document = make_document(issue_date=RECENT)
    model_admin = django_admin.site._registry[Document]
    request = rf.post("/")
    request.user = advisor
    request.session = {}
    request._messages = FallbackStorage(request)
    model_admin.delete_queryset(request, Document.objects.filter(pk=document.pk))
    assert Document.objects.filter(pk=document.pk).exists()
    assert KEPT_UNTIL in str(list(request._messages)[0])


def test_purge_dry_run_lists_without_deleting(capsys):
    old = make_document(issue_date=OLD, title="ancienne police")
    make_document(issue_date=RECENT)
    call_command("purge_expired_documents", "--dry-run")
    out = capsys.readouterr().out
    assert "would purge" in out and "ancienne police" in out
    assert Document.objects.filter(pk=old.pk).exists()
    assert not AuditEvent.objects.filter(kind="documents.purged").exists()


def test_purge_deletes_expired_file_and_row_with_an_audit_record(
        capsys, django_capture_on_commit_callbacks):
    old = make_document(issue_date=OLD)
    kept = make_document(issue_date=RECENT)
    storage, name = old.file.storage, old.file.name
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_expired_documents")
    assert list(Document.objects.all()) == [kept]
    assert not storage.exists(name)
    event = AuditEvent.objects.get(kind="documents.purged")
    assert event.detail["document"] == old.pk and event.customer == old.customer

