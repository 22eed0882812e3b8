"""The household's archive pages: who sees what, filters, pages, queries, headers, audit."""

from datetime import date

import pytest
from django.urls import reverse

from accounts.tests.factories import InsuredPersonFactory
from audit.models import AuditEvent
from documents.models import DocumentRead, DocumentType
from documents.tests.factories import DocumentFactory, make_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder(customer):
    return customer.insured_persons.get(is_policy_holder=True)


@pytest.fixture
def kid(customer):
    return customer.insured_persons.get(is_policy_holder=False)


@pytest.fixture
def invoice(holder):
    return make_document(insured_person=holder, type=DocumentType.PREMIUM_INVOICE,
                         issue_date=date(2025, 3, 1), title="Facture de prime mars 2025")


def titles(response):
    return [doc.title for doc in response.context["documents"]]


def test_list_shows_the_households_documents_newest_first(customer_client, holder, kid):
    DocumentFactory(insured_person=holder, issue_date=date(2020, 1, 1), title="old")
    DocumentFactory(insured_person=kid, issue_date=date(2025, 1, 1), title="new")
    DocumentFactory(insured_person=holder, issue_date=date(2023, 1, 1), title="mid")
    response = customer_client.get(reverse("documents:list"))
    assert response.status_code == 200
    assert titles(response) == ["new", "mid", "old"]
    assert "01.01.2025" in response.content.decode()


def test_list_never_shows_another_households_documents(customer_client, holder, other_customer):
    DocumentFactory(insured_person=holder, title="ours")
    DocumentFactory(insured_person=other_customer.insured_persons.first(), title="theirs")
    assert titles(customer_client.get(reverse("documents:list"))) == ["ours"]


def test_list_needs_a_logged_in_customer(client):
    response = client.get(reverse("documents:list"))
    assert response.status_code == 302
    assert "/login" in response["Location"] or "login" in response["Location"]


def test_advisor_is_not_a_household(advisor_client):
    assert advisor_client.get(reverse("documents:list")).status_code == 403


@pytest.mark.parametrize("params, expected", [
    ({"type": "benefit_statement"}, ["statement"]),
    ({"year": "2023"}, ["policy 2023"]),
    ({"q": "POLICY"}, ["policy 2024", "policy 2023"]),
])
def test_filters_narrow_the_list(customer_client, holder, params, expected):
    DocumentFactory(insured_person=holder, type=DocumentType.POLICY,
                    issue_date=date(2024, 1, 1), title="policy 2024")
    DocumentFactory(insured_person=holder, type=DocumentType.POLICY,
                    issue_date=date(2023, 1, 1), title="policy 2023")
    DocumentFactory(insured_person=holder, type=DocumentType.BENEFIT_STATEMENT,
                    issue_date=date(2024, 6, 1), title="statement")
    assert titles(customer_client.get(reverse("documents:list"), params)) == expected


def test_filter_by_insured_person(customer_client, holder, kid):
    DocumentFactory(insured_person=holder, title="holder's")
    DocumentFactory(insured_person=kid, title="kid's")
    response = customer_client.get(reverse("documents:list"), {"person": kid.pk})
    assert titles(response) == ["kid's"]


def test_filter_on_another_households_person_answers_404(customer_client, other_customer):
    other_person = other_customer.insured_persons.first()
    response = customer_client.get(reverse("documents:list"), {"person": other_person.pk})
    assert response.status_code == 404


def test_bad_filter_value_answers_with_a_message_not_an_error(customer_client, holder):
    DocumentFactory(insured_person=holder)
    response = customer_client.get(reverse("documents:list"), {"type": "nonsense"})
    assert response.status_code == 200
    assert response.context["form"].errors["type"]
    assert "field__error" in response.content.decode()


def test_list_is_paginated_by_25(customer_client, holder):
    for day in range(1, 28):
        DocumentFactory(insured_person=holder, issue_date=date(2024, 1, day), title=f"d{day}")
    first = customer_client.get(reverse("documents:list"))
    second = customer_client.get(reverse("documents:list"), {"page": 2})
    assert len(first.context["documents"]) == 25
    assert titles(second) == ["d2", "d1"]


def test_the_count_is_the_whole_lists_with_or_without_filters(customer_client, holder):
    for year in (2022, 2023, 2023, 2024):
        DocumentFactory(insured_person=holder, issue_date=date(year, 3, 1))
    unfiltered = customer_client.get(reverse("documents:list"))
    second_page = customer_client.get(reverse("documents:list"), {"page": 2})
    one_year = customer_client.get(reverse("documents:list"), {"year": 2023})
    assert unfiltered.context["page"].paginator.count == 4
    assert second_page.context["page"].paginator.count == 4
    assert one_year.context["page"].paginator.count == 2
    assert [year for year, _name in unfiltered.context["form"].fields["year"].choices][1:] == [
        2024, 2023, 2022]


def test_pagination_keeps_the_filters(customer_client, holder):
    for day in range(1, 28):
        DocumentFactory(insured_person=holder, issue_date=date(2024, 1, day), title=f"d{day}",
                        type=DocumentType.PREMIUM_INVOICE)
    response = customer_client.get(reverse("documents:list"), {"type": "premium_invoice"})
    assert "type=premium_invoice&amp;page=2" in response.content.decode()


def test_list_queries_do_not_grow_with_the_number_of_documents(
        customer_client, holder, kid, django_assert_max_num_queries):
    for day in range(1, 29):
        DocumentFactory(insured_person=holder if day % 2 else kid,
                        issue_date=date(2000 + day % 20, 1, day))
    with django_assert_max_num_queries(12) as few:
        customer_client.get(reverse("documents:list"), {"q": "Document", "page": 2})
    for day in range(1, 29):
        DocumentFactory(insured_person=kid, issue_date=date(2010, 2, day))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = customer_client.get(reverse("documents:list"), {"q": "Document"})
    assert len(response.context["documents"]) == 25


def test_unread_documents_are_marked_new_until_opened(customer_client, invoice):
    listing = customer_client.get(reverse("documents:list"))
    assert listing.context["documents"][0].is_new
    assert "Nouveau" in listing.content.decode()
    customer_client.get(reverse("documents:detail", args=[invoice.pk]))
    assert not customer_client.get(reverse("documents:list")).context["documents"][0].is_new


def test_read_marks_are_per_account(customer_client, invoice, customer):
    customer_client.get(reverse("documents:detail", args=[invoice.pk]))
    assert DocumentRead.objects.filter(document=invoice, user=customer.account).count() == 1


def test_detail_shows_the_document_and_is_audited(customer_client, invoice, customer):
    response = customer_client.get(reverse("documents:detail", args=[invoice.pk]))
    assert response.status_code == 200
    assert "Facture de prime mars 2025" in response.content.decode()
    assert "01.03.2025" in response.content.decode()
    event = AuditEvent.objects.get(kind="documents.viewed")
    assert event.customer == customer and event.user == customer.account
    assert event.detail["document"] == invoice.pk


def test_download_streams_the_decrypted_pdf_as_an_attachment(customer_client, invoice, holder):
    response = customer_client.get(reverse("documents:download", args=[invoice.pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF")
    assert len(body) == invoice.size == int(response["Content-Length"])
    expected = f"2025-03_Facture-de-prime_{holder.first_name}-{holder.last_name}.pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{expected}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Type"] == "application/pdf"


def test_download_name_uses_rfc5987_for_accents(customer_client, customer):
    person = InsuredPersonFactory(customer=customer, first_name="Léo", last_name="Müller")
    document = make_document(insured_person=person, type=DocumentType.BENEFIT_STATEMENT,
                             issue_date=date(2024, 11, 5))
    response = customer_client.get(reverse("documents:download", args=[document.pk]))
    assert ("filename*=utf-8''2024-11_D%C3%A9compte-de-prestations_L%C3%A9o-M%C3%BCller.pdf"
            in response["Content-Disposition"])


def test_download_is_audited_and_marks_read(customer_client, invoice, customer):
    customer_client.get(reverse("documents:download", args=[invoice.pk]))
    event = AuditEvent.objects.get(kind="documents.downloaded")
    assert event.detail["document"] == invoice.pk and event.user == customer.account
    assert DocumentRead.objects.filter(document=invoice, user=customer.account).exists()


def test_preview_is_a_png_of_the_first_page(customer_client, invoice):
    response = customer_client.get(reverse("documents:preview", args=[invoice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    assert response["Cache-Control"] == "private, no-store"


def test_preview_is_cached_encrypted(customer_client, invoice):
    from documents.previews import preview_name

    customer_client.get(reverse("documents:preview", args=[invoice.pk]))
    storage = invoice.file.storage
    assert storage.exists(preview_name(invoice))
    assert not storage.read_encrypted(preview_name(invoice)).startswith(b"\x89PNG")
    again = customer_client.get(reverse("documents:preview", args=[invoice.pk]))
    assert again.content.startswith(b"\x89PNG")


@pytest.mark.parametrize("name", ["documents:detail", "documents:preview", "documents:download"])
def test_another_household_gets_404(other_client, invoice, name):
    assert other_client.get(reverse(name, args=[invoice.pk])).status_code == 404


@pytest.mark.parametrize("name", ["documents:detail", "documents:preview", "documents:download"])
def test_another_households_404_is_not_audited_as_access(other_client, invoice, name):
    other_client.get(reverse(name, args=[invoice.pk]))
    assert not AuditEvent.objects.filter(kind__startswith="document_").exists()


def test_file_on_disk_is_not_a_pdf(invoice):
    raw = invoice.file.storage.read_encrypted(invoice.file.name)
    assert not raw.startswith(b"%PDF")
    with invoice.file.storage.open(invoice.file.name) as handle:
        assert handle.read(5) == b"%PDF-"


def test_preview_of_an_unreadable_pdf_answers_404_not_500(customer_client, holder):
    broken = DocumentFactory(insured_person=holder, content=b"%PDF-1.4 not really a pdf")
    response = customer_client.get(reverse("documents:preview", args=[broken.pk]))
    assert response.status_code == 404


def test_a_listed_premium_invoice_shows_whether_it_is_paid(customer_client, holder):
    from documents.tests.factories import make_premium_invoice

    make_premium_invoice(holder, date(2025, 3, 1), paid_on=date(2025, 3, 20))
    make_premium_invoice(holder, date(2025, 4, 1))  # never paid: overdue by now
    DocumentFactory(insured_person=holder, type=DocumentType.POLICY, title="Police 2025")
    response = customer_client.get(reverse("documents:list"))
    rows = {row.title: row.premium_status for row in response.context["rows"]}
    assert sorted(str(status) for status in rows.values() if status) == ["overdue", "paid"]
    assert rows["Police 2025"] is None
    page = response.content.decode()
    assert "premium-status--paid" in page and "premium-status--overdue" in page


def test_each_row_opens_its_document_and_downloads_it_with_a_named_icon(customer_client,
                                                                       invoice):
    page = customer_client.get(reverse("documents:list")).content.decode()
    assert f'href="{reverse("documents:detail", args=[invoice.pk])}"' in page
    assert f'href="{reverse("documents:download", args=[invoice.pk])}"' in page
    assert "Télécharger</span>" not in page  # the icon's name is the title too
    assert f"Télécharger {invoice.title}" in page
