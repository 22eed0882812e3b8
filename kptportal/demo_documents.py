"""The demo households' policies, premium invoices and benefit statements (``seed_demo``).

Idempotent.

They print the household's coverages and the premiums ``policies.discounts`` computes for
that month and that household (online discount included, from the month after the switch
to paperless), so the PDFs say what /insurance/ says. Documents and policies meet here, at
the top of the apps. Written in the household's language, see ``documents/demo.py``.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import payout
from accounts.models import Customer, InsuredPerson
from claims import demo as claims_demo
from claims import lifecycle
from core.dates import month_and_year
from documents import benefits, premiums, statement_letters
from documents.demo import (
    PROVIDERS,
    DemoDocument,
    chf,
    demo_households,
    first_year,
    policy_holder,
    seed_households,
    seed_tax_certificates,
    short_date,
)
from documents.models import BenefitStatement, DocumentType, PaidTo
from policies import cost_sharing, discounts
from policies.models import Coverage, Line

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

ISSUED_DAYS_BEFORE = 10  # a month's invoice is issued ten days before the month starts


def premium_invoice(customer: Customer, month: date, today: date | None = None) -> DemoDocument:
    """The premium invoice of ``month``: every coverage, its discount, the amount due.

    Its data say the same, with a payment as of ``today`` (default: the local date).
    """
    statement = discounts.monthly_premiums(customer, month)
    label = month_and_year(month)
    rows = []
    data_lines = []
    for person, lines in statement.by_person():
        for line in lines:
            name = line.product.localized_name(customer.language)
            data_lines.append(premiums.InvoiceLineData(
                person=person, line=line.product.line, label=name, gross=line.gross,
                discount=line.discount))
            rows.append((f"{person.first_name} {person.last_name} – {name}", chf(line.gross)))
            if line.discount:
                rows.append(("    " + _("Rabais online %(rate)s %%") % {"rate": _rate()},
                             "-" + chf(line.discount)))
    rows.append((_("Primes brutes"), chf(statement.monthly_gross)))
    if statement.monthly_discount:
        rows.append((_("Rabais online"), "-" + chf(statement.monthly_discount)))
    rows.append(("**" + _("Montant dû"), chf(statement.monthly_total)))
    due = discounts.last_of_month(month)
    reference = premiums.qr_reference(customer.customer_number, month)
    paid_on, reminded_on = payment_of(customer, month, due, today or timezone.localdate())
    return DemoDocument(
        person=policy_holder(customer), type=DocumentType.PREMIUM_INVOICE,
        issue_date=month - timedelta(days=ISSUED_DAYS_BEFORE),
        title=_("Facture de prime %(month)s") % {"month": label},
        lines=[_("Primes du mois de %(month)s, ménage %(number)s")
               % {"month": label, "number": customer.customer_number}],
        rows=rows,
        footer_lines=[_("Payable jusqu'au %(date)s.")
                      % {"date": short_date(due)},
                      _("Référence QR : %(reference)s")
                      % {"reference": premiums.format_reference(reference)}],
        reference=f"{month:%Y%m}-{customer.customer_number}",
        period=month,
        premium=premiums.InvoiceData(period=month, due_date=due, lines=data_lines,
                                     paid_on=paid_on, reminded_on=reminded_on))


# The second demo household forgot last month's invoice: a reminder went out.
LATE_PAYER = "100200400"
REMINDER_DAYS = 20


def payment_of(customer: Customer, month: date, due: date,
               today: date) -> tuple[date | None, date | None]:
    """(paid on, reminded on) of a demo invoice: paid a few days before its due date, except
    this month's (still open) and, for one household, last month's (reminded if late)."""
    paid = due - timedelta(days=3 + (month.month * 7 + month.year) % 9)
    if customer.customer_number == LATE_PAYER and discounts.next_month(month) == \
            discounts.first_of_month(today):
        reminder = due + timedelta(days=REMINDER_DAYS)
        return None, reminder if reminder <= today else None
    if paid > today or month >= discounts.first_of_month(today):
        return None, None
    return paid, None


def _rate() -> int:
    return int(discounts.DISCOUNT_RATE * 100)


def policy(customer: Customer, person: InsuredPerson, year: int) -> DemoDocument:
    """The policy of ``year`` for one insured person: the coverages running that year."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    coverages = (Coverage.objects.filter(insured_person=person).active_in(first, last)
                 .select_related("product").order_by("product__line", "product__code"))
    rows = []
    for coverage in coverages:
        name = coverage.product.localized_name(customer.language)
        if coverage.franchise is not None:
            name = _("%(product)s, franchise CHF %(amount)s") % {
                "product": name, "amount": coverage.franchise}
        rows.append((name, _("%(amount)s par mois") % {"amount": chf(coverage.monthly_premium)}))
    return DemoDocument(
        person=person, type=DocumentType.POLICY, issue_date=date(year - 1, 11, 15),
        title=_("Police d'assurance %(year)s – %(name)s") % {"year": year,
                                                             "name": person.first_name},
        lines=[_("Personne assurée : %(name)s") % {
                   "name": f"{person.first_name} {person.last_name}"},
               _("N° d'assuré : %(number)s") % {"number": person.insured_number},
               _("Validité : %(first)s – %(last)s") % {"first": short_date(first),
                                                       "last": short_date(last)}],
        rows=rows)


# Dental care and glasses go to the supplementary insurance, three quarters reimbursed.
SUPPLEMENTARY_RATE = Decimal("0.75")
STATEMENT_DAYS_AFTER = 14  # a statement is issued two weeks after the treatment
PAYOUT_DAYS_AFTER = 2
TIERS_PAYANT = {"Pharmacie de la Gare", "Hôpital régional", "Laboratoire Analyse SA"}
DENTIST = gettext_noop("Cabinet dentaire du Centre")
FIVE_CENTIMES = Decimal("0.05")  # providers' invoices are rounded to the 5-centime coin


def benefit_statements(customer: Customer, today: date) -> list[DemoDocument]:
    """A few treatments per person and year, each settled by a statement with the rules of
    ``policies.cost_sharing`` and the franchise of that year, in treatment order. The demo's
    settled claims (``claims.demo``) are among them: their invoice, their statement."""
    rng = random.Random(f"benefits-{customer.customer_number}")
    account_hint = payout.masked_hint(customer)
    claimed = claims_demo.settled_demo_claims(customer)
    plans = []
    for person in customer.insured_persons.all():
        coverages = list(Coverage.objects.filter(insured_person=person)
                         .select_related("product"))
        for year in range(first_year(today), today.year + 1):
            deductible = cost_sharing.chosen_deductible(coverages, year)
            state = cost_sharing.YearState(year=year, deductible=deductible or Decimal(0),
                                           copay_cap=cost_sharing.copay_cap(person.birth_date,
                                                                            year))
            treatments: list[tuple[date, claims_demo.SettledDemoClaim | None]] = [
                (date(year, rng.randint(1, 12), rng.randint(1, 28)), None)
                for _n in range(rng.randint(2, 4))]
            treatments += [(settled.treated, settled) for settled in claimed
                           if settled.claim.insured_person_id == person.pk
                           and settled.treated.year == year]
            # The random draws stay in their order: the claims' treatments change no other.
            treatments.sort(key=lambda treatment: treatment[0])
            number = 0
            for treated, settled in treatments:
                if settled is not None:
                    if deductible is None or settled.claim.amount is None:
                        continue
                    split, state = cost_sharing.settle_basic(state, settled.claim.amount)
                    plans.append(benefit_statement(
                        customer, person, settled.reference, settled.settled_on, treated,
                        settled.claim.provider_name, Line.BASIC, split, state, today,
                        account_hint=account_hint))
                    continue
                provider = rng.choice(PROVIDERS)
                billed = Decimal(rng.randint(800, 18000)) * FIVE_CENTIMES
                dental = number == 1 and rng.random() < 0.4
                reference = f"SIN-{year}-{rng.randint(10000, 99999)}"
                number += 1
                issued = treated + timedelta(days=STATEMENT_DAYS_AFTER)
                if issued > today or (deductible is None and not dental):
                    continue
                if dental:
                    split = cost_sharing.settle_supplementary(billed, rate=SUPPLEMENTARY_RATE)
                    line, provider = Line.SUPPLEMENTARY, DENTIST
                else:
                    split, state = cost_sharing.settle_basic(state, billed)
                    line = Line.BASIC
                plans.append(benefit_statement(customer, person, reference, issued, treated,
                                               _(provider), line, split, state, today,
                                               account_hint=account_hint))
    return plans


def benefit_statement(customer: Customer, person: InsuredPerson, reference: str,
                      issued: date, treated: date, provider: str, line: str,
                      split: cost_sharing.Split, state: cost_sharing.YearState,
                      today: date, *, account_hint: str) -> DemoDocument:
    """One statement: the invoice's split, the payout (to ``account_hint``, the household's
    payout account masked, unless tiers payant), the year so far after it."""
    to_provider = provider in {_(name) for name in TIERS_PAYANT}
    payout_day = issued + timedelta(days=PAYOUT_DAYS_AFTER)
    data = benefits.StatementData(
        lines=[benefits.LineData(treatment_date=treated, provider=provider, line=line,
                                 billed=split.billed, deductible=split.deductible,
                                 copay=split.copay, not_covered=split.not_covered,
                                 reimbursed=split.reimbursed)],
        paid_to=PaidTo.PROVIDER if to_provider else PaidTo.INSURED,
        paid_on=payout_day if payout_day <= today else None,
        account_hint="" if to_provider else account_hint)
    year_so_far = []
    if line == Line.BASIC:
        year_so_far = [
            _("Votre participation en %(year)s, assurance de base :") % {"year": state.year},
            _("franchise %(used)s sur %(chosen)s, quote-part %(copay)s sur %(cap)s.")
            % {"used": chf(state.deductible_used), "chosen": chf(state.deductible),
               "copay": chf(state.copay_used), "cap": chf(state.copay_cap)}]
    letter = statement_letters.statement_letter(person, reference, data,
                                                extra_footer=year_so_far)
    return DemoDocument(
        person=person, type=DocumentType.BENEFIT_STATEMENT, issue_date=issued,
        title=letter.title, lines=letter.lines, rows=letter.rows,
        footer_lines=letter.footer_lines, reference=reference, benefit=data)


def settle_demo_claims() -> int:
    """Link each settled demo claim to its statement (``claims.lifecycle.settle``); returns
    how many were linked now."""
    linked = 0
    for customer in demo_households():
        for settled in claims_demo.settled_demo_claims(customer):
            statement = (BenefitStatement.objects.select_related("document")
                         .filter(customer=customer, document__reference=settled.reference)
                         .first())
            if statement is not None:
                linked += lifecycle.settle(settled.claim, statement=statement, position=0)
    return linked


def plan(customer: Customer, today: date) -> list[DemoDocument]:
    plans = benefit_statements(customer, today)
    for year in range(first_year(today), today.year + 1):
        plans += [policy(customer, person, year) for person in customer.insured_persons.all()]
        for month_number in range(1, 13):
            month = date(year, month_number, 1)
            if month - timedelta(days=ISSUED_DAYS_BEFORE) <= today:
                plans.append(premium_invoice(customer, month, today))
    return plans


def seed(stdout: SupportsWrite[str] | None = None) -> None:
    changed = seed_households(plan)
    linked = settle_demo_claims()
    # The tax certificates sum up the invoices and statements seeded just above.
    certificates = seed_tax_certificates()
    if stdout:
        stdout.write(f"kptportal: {changed} demo policy, premium invoice or benefit statement "
                     f"document(s) created or refreshed, {linked} claim(s) linked to their "
                     f"statement, {certificates} tax certificate(s) issued")
