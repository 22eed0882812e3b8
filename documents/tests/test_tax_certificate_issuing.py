"""Issuing tax certificates: once per household and year, versions after a correction, the
PDF in the household's language saying what the portal says, the yearly run in batches."""

import html
import re
from datetime import date
from decimal import Decimal

import pypdfium2
import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import CustomerFactory
from audit.models import AuditEvent
from conftest import log_in_verified
from core import sms
from core.money import format_chf
from documents import events
from documents.models import Document, DocumentType, TaxCertificate
from documents.tasks import issue_tax_certificates
from documents.tax_certificate import figures_for, figures_of
from documents.tax_certificate_issuing import (
    NoDataForYear,
    YearNotOver,
    batches_due,
    issue,
)
from documents.tests.factories import make_benefit_statement, make_premium_invoice
from documents.tests.test_tax_certificate import kvg, vvg

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = date(2026, 1, 12)


def with_a_year_of_data(customer, year=2025):
    """Two persons: premiums paid in two months of three, three statements."""
    holder = customer.policy_holder
    child = customer.insured_persons.exclude(pk=holder.pk).get()
    for month, paid_on in ((1, date(year, 1, 20)), (2, date(year, 2, 18)), (3, None)):
        make_premium_invoice(holder, date(year, month, 1), paid_on=paid_on, amounts=[
            ("KVG", "1400.00", "0", holder), ("VVG", "50.00", "2.50", holder),
            ("KVG", "100.00", "0", child), ("VVG", "20.00", "1.00", child)])
    make_benefit_statement(holder, date(year, 3, 1), [kvg("500.00", deductible="300.00",
                                                          copay="20.00")])
    make_benefit_statement(holder, date(year, 6, 1), [vvg("200.00", not_covered="50.00")])
    make_benefit_statement(child, date(year, 7, 1), [kvg("120.00", copay="12.00")])
    return customer


def pdf_text(document: Document) -> str:
    with document.file.storage.open(document.file.name, "rb") as handle:
        pdf = pypdfium2.PdfDocument(handle.read())
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def pdf_rows(text: str) -> list[list[str]]:
    """The table rows of the PDF: a label, then amounts ("1'234.50")."""
    rows = []
    for line in text.splitlines():
        match = re.fullmatch(r"(.+?)((?: -?[\d']+\.\d{2})+)", line.strip())
        if match:
            rows.append([match[1], *match[2].split()])
    return rows


def test_issuing_twice_keeps_one_certificate(customer):
    with_a_year_of_data(customer)
    first = issue(customer, 2025, today=TODAY)
    second = issue(customer, 2025, today=TODAY)
    assert first.created and not second.created
    assert second.certificate == first.certificate
    assert Document.objects.filter(customer=customer,
                                   type=DocumentType.TAX_CERTIFICATE).count() == 1


def test_the_certificate_keeps_its_document_ten_years(customer):
    with_a_year_of_data(customer)
    document = issue(customer, 2025, today=TODAY).certificate.document
    assert document.retain_until >= date(2036, 1, 12)


def test_regenerating_unchanged_figures_creates_nothing(customer):
    with_a_year_of_data(customer)
    first = issue(customer, 2025, today=TODAY)
    again = issue(customer, 2025, today=TODAY, regenerate=True)
    assert not again.created and again.certificate == first.certificate


def test_a_correction_adds_a_version_and_keeps_the_one_sent(customer):
    with_a_year_of_data(customer)
    first = issue(customer, 2025, today=TODAY).certificate
    # A late payment of March, booked in the core system after the certificate was sent.
    invoice = customer.premium_invoices.get(period=date(2025, 3, 1))
    invoice.paid_on = date(2025, 12, 30)
    invoice.save()
    second = issue(customer, 2025, today=date(2026, 2, 3), regenerate=True).certificate
    assert (first.version, second.version) == (1, 2)
    assert second.document.title == "Attestation fiscale 2025 (version 2)"
    assert figures_of(second).basic_premiums == figures_of(first).basic_premiums + D("1500.00")
    first.refresh_from_db()  # still there, figures unchanged: what the customer received
    assert first.document.title == "Attestation fiscale 2025"
    assert "Cette version remplace l'attestation du 12.01.2026." in pdf_text(second.document)


def test_a_year_not_over_or_without_data_gets_no_certificate(customer):
    with_a_year_of_data(customer, year=2024)
    with pytest.raises(YearNotOver):
        issue(customer, 2026, today=TODAY)
    with pytest.raises(NoDataForYear):
        issue(customer, 2023, today=TODAY)
    assert not TaxCertificate.objects.exists()


def test_issuing_is_audited(customer):
    with_a_year_of_data(customer)
    certificate = issue(customer, 2025, today=TODAY).certificate
    event = AuditEvent.objects.get(kind=events.TAX_CERTIFICATE_ISSUED)
    assert (event.customer, event.detail) == (customer, {
        "document": certificate.document_id, "year": 2025, "version": 1})


def test_the_pdf_says_what_the_portal_shows(customer):
    with_a_year_of_data(customer)
    certificate = issue(customer, 2025, today=TODAY).certificate
    portal = figures_of(certificate)
    assert portal == figures_for(customer, 2025)  # the data page's figures are the year's

    def plain(amount):
        return format_chf(amount, currency="").strip()

    expected = [[f"{line.person.first_name} {line.person.last_name}", plain(line.basic_premiums),
                 plain(line.supplementary_premiums), plain(line.premiums)]
                for line in portal.persons]
    expected.append(["Total du ménage", plain(portal.basic_premiums),
                     plain(portal.supplementary_premiums), plain(portal.premiums)])
    expected += [[f"{line.person.first_name} {line.person.last_name}", plain(line.deductible),
                  plain(line.copay), plain(line.not_covered), plain(line.costs)]
                 for line in portal.persons]
    expected.append(["Total du ménage", plain(portal.deductible), plain(portal.copay),
                     plain(portal.not_covered), plain(portal.costs)])
    assert pdf_rows(pdf_text(certificate.document)) == expected
    assert expected[2][1:] == ["3'000.00", "133.00", "3'133.00"]  # 2 × (1400 + 100) etc.

    page = html.unescape(log_in_verified(Client(), customer.account).get(
        reverse("documents:detail", args=[certificate.document_id])).content.decode())
    for amount in (portal.basic_premiums, portal.supplementary_premiums, portal.premiums,
                   portal.deductible, portal.copay, portal.not_covered, portal.costs,
                   *[line.premiums for line in portal.persons],
                   *[line.costs for line in portal.persons]):
        assert format_chf(amount) in page


def test_the_pdf_and_title_are_in_the_households_language(customer):
    customer.language = "de"
    customer.save()
    with_a_year_of_data(customer)
    document = issue(customer, 2025, today=TODAY).certificate.document
    text = pdf_text(document)
    assert document.title == "Steuerbescheinigung 2025"
    assert "Grundversicherung" in text and "Steuererklärung" in text
    assert "Primes" not in text


def test_a_new_certificate_tells_the_customer_without_content(customer):
    with_a_year_of_data(customer)
    issue(customer, 2025, today=TODAY)
    (message,) = sms.outbox
    assert "2025" not in message.text and "CHF" not in message.text


def test_the_yearly_run_issues_for_each_household_with_data_once(customer, other_customer):
    with_a_year_of_data(customer)
    make_premium_invoice(other_customer.policy_holder, date(2025, 4, 1),
                         paid_on=date(2025, 4, 20))
    without_data = CustomerFactory()
    issue_tax_certificates(2025)
    issue_tax_certificates(2025)  # a second January day: nothing new
    assert sorted(TaxCertificate.objects.values_list("customer_id", "year", "version")) == [
        (customer.pk, 2025, 1), (other_customer.pk, 2025, 1)]
    assert not TaxCertificate.objects.filter(customer=without_data).exists()


def test_the_yearly_run_takes_the_households_in_bounded_batches():
    households = [CustomerFactory() for _ in range(5)]
    for household in households:
        make_premium_invoice(household.policy_holder, date(2025, 6, 1),
                             paid_on=date(2025, 6, 25))
    batches = list(batches_due(2025, size=2))
    assert [len(batch) for batch in batches] == [2, 2, 1]
    assert sorted(pk for batch in batches for pk in batch) == sorted(h.pk for h in households)


def test_the_yearly_run_is_planned_every_day_of_january_from_the_tenth():
    from core.celery import app

    entry = app.conf.beat_schedule["documents.issue_tax_certificates"]
    schedule = entry["schedule"]
    assert entry["task"] == "documents.tasks.issue_tax_certificates"
    assert schedule.month_of_year == {1}
    assert schedule.day_of_month == set(range(10, 32))


def test_operations_regenerate_one_household_after_a_correction(customer):
    from io import StringIO

    from django.core.management import call_command

    with_a_year_of_data(customer)
    issue(customer, 2025)
    out = StringIO()
    call_command("issue_tax_certificates", year=2025, customer=customer.customer_number,
                 regenerate=True, stdout=out)
    assert "version 1 unchanged, kept" in out.getvalue()
    invoice = customer.premium_invoices.get(period=date(2025, 3, 1))
    invoice.paid_on = date(2025, 12, 30)
    invoice.save()
    call_command("issue_tax_certificates", year=2025, customer=customer.customer_number,
                 regenerate=True, stdout=out)
    assert "version 2 issued" in out.getvalue()
    assert TaxCertificate.objects.filter(customer=customer, year=2025).count() == 2
