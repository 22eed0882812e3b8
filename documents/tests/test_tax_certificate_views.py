"""The tax certificates in the archive: the page of years, the request, the detail page,
the search and the type filter."""

from datetime import date

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from conftest import log_in_verified
from core import outbox, sms
from core.buckets import Bucket
from core.models import DeferredTask
from documents import events, tax_certificate_requests
from documents.models import DocumentType, TaxCertificate
from documents.tax_certificate_issuing import issue
from documents.tests.factories import make_premium_invoice
from documents.tests.test_tax_certificate_issuing import with_a_year_of_data

pytestmark = pytest.mark.django_db
PAGE = reverse("documents:tax_certificates")


def paid_in(customer, *years):
    for year in years:
        make_premium_invoice(customer.policy_holder, date(year, 5, 1),
                             paid_on=date(year, 5, 20))


def test_the_page_lists_the_past_years_with_data_and_links_the_certificates(customer,
                                                                            customer_client):
    paid_in(customer, 2023, 2024)
    certificate = issue(customer, 2024).certificate
    page = customer_client.get(PAGE)
    assert page.status_code == 200
    assert [year for year, _certificate, _pending in page.context["rows"]] == [2024, 2023]
    assert reverse("documents:detail", args=[certificate.document_id]) in page.text
    assert page.text.count('name="year"') == 1  # only 2023 still to prepare


def test_a_household_without_data_is_told_so(customer_client):
    page = customer_client.get(PAGE)
    assert "pas encore d'attestation fiscale" in page.text


def test_asking_for_an_existing_certificate_goes_straight_to_it(customer, customer_client):
    paid_in(customer, 2024)
    certificate = issue(customer, 2024).certificate
    response = customer_client.post(PAGE, {"year": 2024})
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:detail", args=[certificate.document_id])
    assert not AuditEvent.objects.filter(kind=events.TAX_CERTIFICATE_REQUESTED).exists()


def test_a_request_answers_at_once_and_queues_the_certificate(customer, customer_client,
                                                              monkeypatch):
    monkeypatch.setattr(outbox, "_eager", lambda: False)  # a real broker: the task waits
    paid_in(customer, 2024)
    response = customer_client.post(PAGE, {"year": 2024}, follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    assert "Nous préparons votre attestation fiscale 2024" in response.text
    assert "En préparation" in response.text
    task = DeferredTask.objects.get()
    assert (task.task_name, task.args) == ("documents.tasks.issue_tax_certificate",
                                           [customer.pk, 2024, True])
    assert not TaxCertificate.objects.exists()
    event = AuditEvent.objects.get(kind=events.TAX_CERTIFICATE_REQUESTED)
    assert (event.customer, event.user, event.detail) == (customer, customer.account,
                                                          {"year": 2024})
    customer_client.post(PAGE, {"year": 2024})  # a second click while it is prepared
    assert DeferredTask.objects.count() == 1


def test_the_requested_certificate_is_issued_and_the_customer_told(customer, customer_client):
    paid_in(customer, 2024)
    customer_client.post(PAGE, {"year": 2024})  # the task runs here (eager)
    certificate = TaxCertificate.objects.get(customer=customer, year=2024)
    assert certificate.document.type == DocumentType.TAX_CERTIFICATE
    assert [message.to for message in sms.outbox] == [customer.account.mobile_phone]
    assert "En préparation" not in customer_client.get(PAGE).text


def test_the_requested_certificate_is_told_even_after_a_document_today(customer,
                                                                       customer_client):
    """The daily limit of document notifications does not swallow a promised message."""
    paid_in(customer, 2023, 2024)
    issue(customer, 2023)  # a new document: a notification, and the daily limit starts
    cache.delete(f"notify:{customer.pk}")  # an hour later
    sms.outbox.clear()
    customer_client.post(PAGE, {"year": 2024})
    assert len(sms.outbox) == 1


# This year (not over yet), a year before the household's first paid premium, not a year.
@pytest.mark.parametrize("year", [str(timezone.localdate().year), "2019", "deux-mille", ""])
def test_a_year_that_cannot_be_asked_for_is_answered_with_a_message(customer, customer_client,
                                                                    year):
    paid_in(customer, 2024)
    response = customer_client.post(PAGE, {"year": year})
    assert response.status_code == 400
    assert 'class="form-error"' in response.text
    assert not TaxCertificate.objects.exists()


def test_requests_are_limited_per_household(customer, customer_client, other_customer,
                                            monkeypatch):
    monkeypatch.setattr(tax_certificate_requests, "REQUESTS_PER_DAY",
                        Bucket("tax-certificate-request", capacity=2, period_seconds=86400))
    monkeypatch.setattr(outbox, "_eager", lambda: False)
    paid_in(customer, 2021, 2022, 2023)
    paid_in(other_customer, 2023)
    assert customer_client.post(PAGE, {"year": 2021}).status_code == 302
    assert customer_client.post(PAGE, {"year": 2022}).status_code == 302
    refused = customer_client.post(PAGE, {"year": 2023})
    assert refused.status_code == 429 and "Réessayez demain" in refused.text
    other = log_in_verified(Client(), other_customer.account)
    assert other.post(PAGE, {"year": 2023}).status_code == 302


def test_another_households_years_and_certificates_are_not_shown(customer, other_customer):
    paid_in(customer, 2022)
    issue(customer, 2022)
    other = log_in_verified(Client(), other_customer.account)
    assert other.get(PAGE).context["rows"] == []


def test_the_detail_page_shows_the_figures_and_points_a_replaced_version_to_the_new(
        customer, customer_client):
    with_a_year_of_data(customer)
    first = issue(customer, 2025).certificate
    invoice = customer.premium_invoices.get(period=date(2025, 3, 1))
    invoice.paid_on = date(2025, 12, 30)
    invoice.save()
    second = issue(customer, 2025, regenerate=True).certificate
    old_page = customer_client.get(reverse("documents:detail", args=[first.document_id]))
    assert "CHF 3&#x27;133.00" in old_page.text or "CHF 3'133.00" in old_page.text
    assert reverse("documents:detail", args=[second.document_id]) in old_page.text
    new_page = customer_client.get(reverse("documents:detail", args=[second.document_id]))
    assert "Remplacée" not in new_page.text and "Version 2" in new_page.text


def test_searching_the_type_in_any_language_finds_the_certificates(customer, customer_client):
    customer.language = "de"
    customer.save()
    paid_in(customer, 2024)
    certificate = issue(customer, 2024).certificate
    for query in ("attestation fiscale", "Steuerbescheinigung", "ATTESTAZIONE", "tax cert"):
        listed = customer_client.get(reverse("documents:list"), {"q": query})
        assert [doc.pk for doc in listed.context["documents"]] == [certificate.document_id]
    listed = customer_client.get(reverse("documents:list"), {"q": "fa"})  # too short a type
    assert certificate.document_id not in [doc.pk for doc in listed.context["documents"]]


def test_the_type_filter_lists_the_certificates(customer, customer_client):
    paid_in(customer, 2024)
    certificate = issue(customer, 2024).certificate
    listed = customer_client.get(reverse("documents:list"),
                                 {"type": DocumentType.TAX_CERTIFICATE})
    assert [doc.pk for doc in listed.context["documents"]] == [certificate.document_id]
    assert "doc-type--tax_certificate" in listed.text
