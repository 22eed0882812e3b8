"""The figures of a tax certificate: one household, one calendar year, in CHF.

What the certificate counts, per insured person:

- **Premiums paid in the year**, basic insurance (KVG) and supplementary insurance (VVG)
  apart, after the online discount: the lines of every premium invoice whose payment was
  booked (``PremiumInvoice.paid_on``) in that calendar year, whatever month it bills.
  Rule chosen: *paid in the year*, not *invoiced for the year*. The tax return deducts the
  premiums the taxpayer actually paid in the tax year (the cash principle of the cantonal
  forms and of the insurers' own certificates): December's invoice paid in January counts
  in January's year, an invoice still unpaid counts nowhere yet (a partially paid year
  shows only what was paid), and a year is final once it is over, which lets the
  certificate be issued in January without waiting for late payers.
- **Costs borne in the year**: the deductible (franchise), the co-payment (quote-part) and
  what was not covered, on every benefit statement *issued* in that calendar year
  (``Document.issue_date``). The tax return counts illness costs when they are charged to
  the taxpayer, which is the statement's date; the year of treatment, which the cost
  sharing uses for the deductible (``policies.cost_sharing``), can be the year before (a
  treatment of 28 December settled in January counts in January's year).

Sums are exact (``Decimal``, cents): the invoices' premiums are already rounded to the
5-centime coin, and the cost parts are the statements' own figures, so nothing is rounded
again here. Everything is read in three queries, whatever the household's size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import F, Sum

from accounts.models import InsuredPerson
from core.money import CENT
from documents.models import (
    BenefitLine,
    Document,
    DocumentType,
    PremiumInvoice,
    PremiumInvoiceLine,
    TaxCertificate,
)

if TYPE_CHECKING:
    from accounts.models import Customer

ZERO = Decimal("0.00")
BASIC, SUPPLEMENTARY = "KVG", "VVG"
AMOUNTS = ("basic_premiums", "supplementary_premiums", "deductible", "copay", "not_covered")


@dataclass(frozen=True)
class PersonFigures:
    """One insured person's lines of the certificate."""

    person: InsuredPerson
    basic_premiums: Decimal = ZERO
    supplementary_premiums: Decimal = ZERO
    deductible: Decimal = ZERO
    copay: Decimal = ZERO
    not_covered: Decimal = ZERO

    @property
    def premiums(self) -> Decimal:
        return self.basic_premiums + self.supplementary_premiums

    @property
    def costs(self) -> Decimal:
        """What the person bore themselves on the year's benefit statements."""
        return self.deductible + self.copay + self.not_covered

    def amounts(self) -> tuple[Decimal, ...]:
        return tuple(getattr(self, name) for name in AMOUNTS)


def _total(persons: Iterable[PersonFigures], name: str) -> Decimal:
    return sum((getattr(person, name) for person in persons), ZERO)


@dataclass(frozen=True)
class YearFigures:
    """A household's certificate for one year: a line per person, and the totals."""

    year: int
    persons: list[PersonFigures] = field(default_factory=list)

    @property
    def basic_premiums(self) -> Decimal:
        return _total(self.persons, "basic_premiums")

    @property
    def supplementary_premiums(self) -> Decimal:
        return _total(self.persons, "supplementary_premiums")

    @property
    def premiums(self) -> Decimal:
        return _total(self.persons, "premiums")

    @property
    def deductible(self) -> Decimal:
        return _total(self.persons, "deductible")

    @property
    def copay(self) -> Decimal:
        return _total(self.persons, "copay")

    @property
    def not_covered(self) -> Decimal:
        return _total(self.persons, "not_covered")

    @property
    def costs(self) -> Decimal:
        return _total(self.persons, "costs")

    @property
    def is_empty(self) -> bool:
        """Nothing paid and nothing borne: no certificate for such a year."""
        return not self.persons

    def key(self) -> tuple[tuple[int, tuple[Decimal, ...]], ...]:
        """What two certificates must share to say the same (persons and amounts)."""
        return tuple((figures.person.pk, figures.amounts()) for figures in self.persons)


def _year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _cents(total: Decimal | None) -> Decimal:
    """A database sum back to CHF cents (SQLite adds decimals as floats)."""
    return Decimal(total or 0).quantize(CENT)


def premiums_paid(customer: Customer, year: int) -> dict[int, dict[str, Decimal]]:
    """{person id: {"KVG": net, "VVG": net}} of the invoices paid in ``year``. One query."""
    rows = (PremiumInvoiceLine.objects
            .filter(invoice__customer=customer, invoice__paid_on__range=_year_range(year))
            .values("insured_person_id", "line")
            .annotate(paid=Sum(F("gross") - F("discount")))
            .order_by())
    paid: dict[int, dict[str, Decimal]] = {}
    for row in rows:
        line = BASIC if row["line"] == BASIC else SUPPLEMENTARY
        person = paid.setdefault(row["insured_person_id"], {})
        person[line] = person.get(line, ZERO) + _cents(row["paid"])
    return paid


def costs_borne(customer: Customer, year: int) -> dict[int, tuple[Decimal, Decimal, Decimal]]:
    """{person id: (deductible, co-payment, not covered)} of the statements issued in
    ``year``. One query."""
    rows = (BenefitLine.objects
            .filter(statement__customer=customer,
                    statement__document__issue_date__range=_year_range(year))
            .values("statement__insured_person_id")
            .annotate(deductible=Sum("deductible"), copay=Sum("copay"),
                      not_covered=Sum("not_covered"))
            .order_by())
    return {row["statement__insured_person_id"]: (_cents(row["deductible"]),
                                                  _cents(row["copay"]),
                                                  _cents(row["not_covered"]))
            for row in rows}


def figures_for(customer: Customer, year: int) -> YearFigures:
    """The year's figures from the premium invoices and benefit statements (three queries),
    a line for each insured person with something paid or borne, in household order."""
    paid = premiums_paid(customer, year)
    borne = costs_borne(customer, year)
    persons = InsuredPerson.objects.filter(pk__in=set(paid) | set(borne)).order_by(
        "-is_policy_holder", "birth_date", "id") if paid or borne else []
    lines = []
    for person in persons:
        premiums = paid.get(person.pk, {})
        deductible, copay, not_covered = borne.get(person.pk, (ZERO, ZERO, ZERO))
        lines.append(PersonFigures(
            person=person, basic_premiums=premiums.get(BASIC, ZERO),
            supplementary_premiums=premiums.get(SUPPLEMENTARY, ZERO),
            deductible=deductible, copay=copay, not_covered=not_covered))
    return YearFigures(year=year, persons=lines)


def figures_of(certificate: TaxCertificate) -> YearFigures:
    """The figures a certificate was issued with (its lines, persons prefetched or not)."""
    return YearFigures(year=certificate.year, persons=[
        PersonFigures(person=line.insured_person, basic_premiums=line.basic_premiums,
                      supplementary_premiums=line.supplementary_premiums,
                      deductible=line.deductible, copay=line.copay,
                      not_covered=line.not_covered)
        for line in certificate.lines.all()])


def years_with_data(customer: Customer, today: date) -> list[int]:
    """The past years (newest first) with a premium paid or a benefit statement issued.

    The current year is left out: its certificate would change until 31 December. Years
    whose documents left the archive after their retention have no data left, so they are
    not offered either. Two queries.
    """
    paid = {day.year for day in PremiumInvoice.objects.filter(
        customer=customer, paid_on__isnull=False, paid_on__lt=date(today.year, 1, 1))
        .dates("paid_on", "year")}
    settled = {day.year for day in Document.objects.filter(
        customer=customer, type=DocumentType.BENEFIT_STATEMENT,
        issue_date__lt=date(today.year, 1, 1), benefit_statement__isnull=False)
        .dates("issue_date", "year")}
    return sorted(paid | settled, reverse=True)
