"""Advisors search documents in the admin and open files only through the audited view."""

from datetime import date

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from documents.tests.factories import DocumentFactory, make_document

pytestmark = pytest.mark.django_db


def test_advisor_sees_and_searches_documents(advisor_client, customer):
    holder = customer.insured_persons.first()
    DocumentFactory(insured_person=holder, title="Police 2024")
    DocumentFactory(insured_person=holder, title="Décompte 123")
    response = advisor_client.get(reverse("admin:documents_document_changelist"),
                                  {"q": "Police"})
    assert response.status_code == 200
    assert [doc.title for doc in response.context["cl"].result_list] == ["Police 2024"]


def test_changelist_queries_do_not_grow_with_documents(
        advisor_client, customer, django_assert_max_num_queries):
    holder = customer.insured_persons.first()
    for day in range(1, 21):
        DocumentFactory(insured_person=holder, issue_date=date(2024, 1, day))
    with django_assert_max_num_queries(14):
        response = advisor_client.get(reverse("admin:documents_document_changelist"))
    assert len(response.context["cl"].result_list) == 20


def test_change_page_shows_file_fields_read_only(advisor_client, customer):
    document = make_document(insured_person=customer.insured_persons.first())
    response = advisor_client.get(reverse("admin:documents_document_change",
                                          args=[document.pk]))
    assert response.status_code == 200
    form_fields = response.context["adminform"].form.fields
    for name in ("checksum", "size", "retain_until", "open_link"):
        assert name not in form_fields
    assert "Ouvrir (journalisé)" in response.content.decode()


def test_advisor_opens_a_file_through_the_audited_view(advisor_client, advisor, customer):
    document = make_document(insured_person=customer.insured_persons.first())
    response = advisor_client.get(reverse("admin:documents_document_file", args=[document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives
    event = AuditEvent.objects.get(kind="documents.viewed")
    assert event.actor == advisor and event.user == customer.account
    assert event.customer == customer and event.detail["via"] == "admin"


def test_customers_cannot_use_the_admin_file_view(customer_client, customer):
    document = make_document(insured_person=customer.insured_persons.first())
    response = customer_client.get(reverse("admin:documents_document_file",
                                           args=[document.pk]))
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(kind="documents.viewed").exists()
