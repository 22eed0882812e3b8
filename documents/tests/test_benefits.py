"""Benefit statements as data: parts that add up, the year's sums, the statement page."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from documents import benefits
from documents.models import BenefitStatement, DocumentType, PaidTo
from documents.tests.factories import make_document

pytestmark = pytest.mark.django_db
D = Decimal


def statement_of(person, lines, **extra):
    document = make_document(insured_person=person, type=DocumentType.BENEFIT_STATEMENT,
                             reference="SIN-2026-1")
    return benefits.record_statement(document, benefits.StatementData(lines=lines, **extra))


def kvg(day, billed, deductible="0", copay="0", not_covered="0", reimbursed=None):
    parts = [D(deductible), D(copay), D(not_covered)]
    rest = D(billed) - sum(parts)
    return benefits.LineData(treatment_date=day, provider="Cabinet", line="KVG",
                             billed=D(billed), deductible=parts[0], copay=parts[1],
                             not_covered=parts[2],
                             reimbursed=rest if reimbursed is None else D(reimbursed))


@pytest.mark.parametrize("line", [
    kvg(date(2026, 3, 1), "100.00", deductible="50.00", reimbursed="60.00"),  # 110 ≠ 100
    kvg(date(2026, 3, 1), "100.00", deductible="-10.00"),
    benefits.LineData(date(2026, 3, 1), "Dent", "VVG", D("100.00"), copay=D("10.00"),
                      reimbursed=D("90.00")),
    benefits.LineData(date(2026, 3, 1), "x", "XYZ", D("1.00"), reimbursed=D("1.00")),
    kvg(date(2026, 3, 1), "100.02"),  # an invoice's total is rounded to 5 centimes
])
def test_inconsistent_statements_are_refused(customer, line):
    with pytest.raises(benefits.InvalidStatement):
        statement_of(customer.policy_holder, [line])
    assert not BenefitStatement.objects.exists()


def test_parts_may_keep_their_centimes_when_they_add_up_to_a_rounded_total(customer):
    statement = statement_of(customer.policy_holder, [
        kvg(date(2026, 3, 1), "100.05", deductible="12.37", not_covered="3.21")])
    assert [line.reimbursed for line in statement.lines.all()] == [D("84.47")]


def test_the_years_sums_count_kvg_parts_by_treatment_year(customer, other_customer):
    holder = customer.policy_holder
    statement_of(holder, [kvg(date(2026, 1, 10), "400.00", deductible="300.00", copay="10.00"),
                          kvg(date(2025, 12, 30), "100.00", deductible="100.00")])
    statement_of(holder, [benefits.LineData(date(2026, 2, 1), "Dent", "VVG", D("200.00"),
                                            not_covered=D("50.00"), reimbursed=D("150.00"))])
    statement_of(other_customer.policy_holder, [kvg(date(2026, 1, 2), "999.00",
                                                    deductible="300.00")])
    assert benefits.year_totals(customer, 2026) == {
        holder.pk: (D("300.00"), D("10.00"), D("240.00"))}
    assert benefits.year_totals(customer, 2025) == {holder.pk: (D("100.00"), D(0), D(0))}


def test_recording_again_replaces_the_lines(customer):
    statement = statement_of(customer.policy_holder, [kvg(date(2026, 1, 1), "50.00")])
    again = benefits.record_statement(statement.document, benefits.StatementData(
        lines=[kvg(date(2026, 1, 1), "80.00", copay="8.00")], paid_on=date(2026, 1, 20)))
    assert again.pk == statement.pk and [line.billed for line in again.lines.all()] == [
        D("80.00")]


def test_the_statement_page_shows_parts_payout_and_masked_account(customer, customer_client):
    statement = statement_of(
        customer.policy_holder,
        [kvg(date(2026, 3, 2), "250.00", deductible="200.00", copay="5.00")],
        paid_on=date(2026, 3, 20), paid_to=PaidTo.INSURED, account_hint="CH•• •••• 1234")
    page = customer_client.get(reverse("documents:detail", args=[statement.document_id])).text
    assert "CHF 45.00" in page and "−CHF 200.00" in page and "−CHF 5.00" in page
    assert "Versé le 20.03.2026 sur votre compte CH•• •••• 1234" in page
    assert "02.03.2026" in page


def test_tiers_payant_says_the_provider_was_paid(customer, customer_client):
    statement = statement_of(customer.policy_holder, [kvg(date(2026, 3, 2), "90.00")],
                             paid_on=date(2026, 3, 20), paid_to=PaidTo.PROVIDER)
    page = customer_client.get(reverse("documents:detail", args=[statement.document_id])).text
    assert "directement au fournisseur de prestations" in page


@pytest.mark.parametrize(("paid_on", "said"), [
    (date(2026, 3, 20), "Versé le 20.03.2026 sur votre compte de versement."),
    (None, "Sera versé sur votre compte de versement."),
])
def test_without_an_account_hint_the_payout_names_no_empty_account(customer, customer_client,
                                                                   paid_on, said):
    statement = statement_of(customer.policy_holder, [kvg(date(2026, 3, 2), "90.00")],
                             paid_on=paid_on, paid_to=PaidTo.INSURED)
    page = customer_client.get(reverse("documents:detail", args=[statement.document_id])).text
    assert said in page
    assert "compte ." not in page and "compte  ." not in page
