"""The tax certificate's figures: premiums paid in the year, costs borne on the year's
statements, per insured person, with totals. Expected amounts are computed by hand."""

from datetime import date
from decimal import Decimal

import pytest

from accounts.tests.factories import CustomerFactory
from documents.benefits import LineData
from documents.tax_certificate import YearFigures, figures_for, years_with_data
from documents.tests.factories import make_benefit_statement, make_premium_invoice

pytestmark = pytest.mark.django_db
D = Decimal


def kvg(billed, deductible="0", copay="0", not_covered="0", day=date(2025, 2, 1)):
    parts = D(deductible) + D(copay) + D(not_covered)
    return LineData(day, "Cabinet", "KVG", D(billed), deductible=D(deductible), copay=D(copay),
                    not_covered=D(not_covered), reimbursed=D(billed) - parts)


def vvg(billed, not_covered, day=date(2025, 2, 1)):
    return LineData(day, "Dentiste", "VVG", D(billed), not_covered=D(not_covered),
                    reimbursed=D(billed) - D(not_covered))


def amounts(figures: YearFigures) -> dict[str, tuple[Decimal, ...]]:
    return {line.person.first_name: line.amounts() for line in figures.persons}


def test_a_year_without_data_has_no_line_and_zero_totals(customer):
    figures = figures_for(customer, 2025)
    assert figures.is_empty
    assert (figures.premiums, figures.costs) == (D("0.00"), D("0.00"))


def test_basic_and_supplementary_premiums_are_apart_after_the_online_discount(customer):
    holder = customer.policy_holder
    make_premium_invoice(holder, date(2025, 3, 1), paid_on=date(2025, 3, 20),
                         amounts=[("KVG", "412.35", "0"), ("VVG", "40.00", "2.00"),
                                  ("VVG", "25.50", "1.30")])
    figures = figures_for(customer, 2025)
    # KVG 412.35; VVG (40.00 - 2.00) + (25.50 - 1.30) = 38.00 + 24.20 = 62.20.
    assert amounts(figures) == {holder.first_name: (D("412.35"), D("62.20"), D(0), D(0), D(0))}
    assert figures.premiums == D("474.55")


def test_premiums_count_in_the_year_they_were_paid_not_the_month_they_bill(customer):
    holder = customer.policy_holder
    # December 2024 paid late, in January 2025: 2025. January 2026 paid early: 2025.
    make_premium_invoice(holder, date(2024, 12, 1), paid_on=date(2025, 1, 8),
                         amounts=[("KVG", "100.00", "0")])
    make_premium_invoice(holder, date(2026, 1, 1), paid_on=date(2025, 12, 28),
                         amounts=[("KVG", "200.00", "0")])
    make_premium_invoice(holder, date(2024, 11, 1), paid_on=date(2024, 11, 25),
                         amounts=[("KVG", "400.00", "0")])
    assert figures_for(customer, 2025).basic_premiums == D("300.00")
    assert figures_for(customer, 2024).basic_premiums == D("400.00")


def test_a_partially_paid_year_counts_only_the_invoices_paid(customer):
    holder = customer.policy_holder
    for month, paid_on in ((1, date(2025, 1, 25)), (2, date(2025, 2, 24)), (3, None),
                           (4, None)):
        make_premium_invoice(holder, date(2025, month, 1), paid_on=paid_on,
                             amounts=[("KVG", "350.00", "0"), ("VVG", "60.00", "3.00")])
    figures = figures_for(customer, 2025)
    # Two months paid of four: KVG 2 × 350.00, VVG 2 × 57.00.
    assert (figures.basic_premiums, figures.supplementary_premiums) == (D("700.00"),
                                                                        D("114.00"))


def test_costs_count_in_the_year_the_statement_was_issued(customer):
    holder = customer.policy_holder
    # Treated in December 2024, settled in January 2025: a cost of 2025.
    make_benefit_statement(holder, date(2025, 1, 12),
                           [kvg("250.00", deductible="250.00", day=date(2024, 12, 28))])
    make_benefit_statement(holder, date(2024, 12, 10),
                           [kvg("90.00", deductible="90.00", day=date(2024, 11, 30))])
    assert figures_for(customer, 2025).deductible == D("250.00")
    assert figures_for(customer, 2024).deductible == D("90.00")


def test_two_persons_get_their_own_lines_and_the_totals_add_them_up(customer):
    holder = customer.policy_holder  # born before the child: listed first
    child = customer.insured_persons.exclude(pk=holder.pk).get()
    for month, paid_on in ((1, date(2025, 1, 20)), (2, date(2025, 2, 18)), (3, None)):
        make_premium_invoice(holder, date(2025, month, 1), paid_on=paid_on, amounts=[
            ("KVG", "400.00", "0", holder), ("VVG", "50.00", "2.50", holder),
            ("KVG", "100.00", "0", child), ("VVG", "20.00", "1.00", child)])
    make_benefit_statement(holder, date(2025, 3, 1), [kvg("500.00", deductible="300.00",
                                                          copay="20.00")])
    make_benefit_statement(holder, date(2025, 6, 1), [vvg("200.00", not_covered="50.00")])
    make_benefit_statement(child, date(2025, 7, 1), [kvg("120.00", copay="12.00"),
                                                     kvg("80.00", not_covered="80.00")])
    figures = figures_for(customer, 2025)
    assert [line.person for line in figures.persons] == [holder, child]
    assert amounts(figures) == {
        # premiums: 2 × 400.00 | 2 × 47.50; costs: 300.00 | 20.00 | 50.00
        holder.first_name: (D("800.00"), D("95.00"), D("300.00"), D("20.00"), D("50.00")),
        # premiums: 2 × 100.00 | 2 × 19.00; costs: 0 | 12.00 | 80.00
        child.first_name: (D("200.00"), D("38.00"), D("0.00"), D("12.00"), D("80.00")),
    }
    assert (figures.basic_premiums, figures.supplementary_premiums, figures.premiums) == (
        D("1000.00"), D("133.00"), D("1133.00"))
    assert (figures.deductible, figures.copay, figures.not_covered, figures.costs) == (
        D("300.00"), D("32.00"), D("130.00"), D("462.00"))
    assert (figures.persons[0].costs, figures.persons[1].costs) == (D("370.00"), D("92.00"))


def test_a_person_with_costs_and_no_premiums_has_a_line(customer):
    child = customer.insured_persons.exclude(pk=customer.policy_holder.pk).get()
    make_benefit_statement(child, date(2025, 5, 5), [kvg("40.00", copay="4.00")])
    figures = figures_for(customer, 2025)
    assert amounts(figures) == {child.first_name: (D(0), D(0), D(0), D("4.00"), D(0))}


def test_another_households_premiums_and_costs_are_not_counted(customer):
    stranger = CustomerFactory().policy_holder
    make_premium_invoice(stranger, date(2025, 1, 1), paid_on=date(2025, 1, 10))
    make_benefit_statement(stranger, date(2025, 2, 1), [kvg("99.00", deductible="99.00")])
    assert figures_for(customer, 2025).is_empty


def test_years_with_data_are_the_past_years_with_a_payment_or_a_statement(customer):
    holder = customer.policy_holder
    make_premium_invoice(holder, date(2023, 5, 1), paid_on=date(2023, 5, 20))
    make_premium_invoice(holder, date(2024, 5, 1))  # unpaid: no data for 2024
    make_benefit_statement(holder, date(2021, 8, 1), [kvg("10.00", deductible="10.00")])
    make_premium_invoice(holder, date(2026, 1, 1), paid_on=date(2026, 1, 20))  # not over
    assert years_with_data(customer, date(2026, 6, 1)) == [2023, 2021]
