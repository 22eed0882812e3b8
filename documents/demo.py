"""Ten years of fictitious documents for each demo household (``seed_demo``). Idempotent.

Here: a cost guarantee. The policies, the premium invoices and the benefit statements print
the household's coverages, premiums and cost sharing, so they are made where policies and
documents meet (``kptportal/demo_documents.py``), with the helpers below.

Each document is written in the household's correspondence language (``Customer.language``),
title included: the title is part of the letter as it was sent, like the titles the core
system's import brings, so it is stored as generated rather than translated when shown.
Running the seed again refreshes a demo document whose content changed (same row, new file),
so an older demo database says what the portal says too.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Customer, InsuredPerson
from core.money import format_chf
from documents import benefits, premiums, tax_certificate, tax_certificate_issuing
from documents.models import Document, DocumentRead, DocumentType
from documents.pdfs import letter_pdf
from documents.storing import store_document

if TYPE_CHECKING:
    from collections.abc import Callable

    from _typeshed import SupportsWrite

    # What a planner makes for one household on a given day (see ``seed_households``).
    Planner = Callable[[Customer, date], list["DemoDocument"]]

DEMO_CUSTOMERS = ["100200300", "100200400"]
YEARS = 10
# Fictitious providers, translated like any text of the letter.
PROVIDERS = [gettext_noop("Cabinet médical du Lac"), gettext_noop("Pharmacie de la Gare"),
             gettext_noop("Hôpital régional"), gettext_noop("Physiothérapie Centre"),
             gettext_noop("Laboratoire Analyse SA"), gettext_noop("Dr méd. Exemple")]


@dataclass
class DemoDocument:
    """One letter to archive: what ``letter_pdf`` prints and what the row records."""

    person: InsuredPerson
    type: str
    issue_date: date
    title: str
    lines: list[str]
    rows: list[tuple[str, str]] = field(default_factory=list)
    footer_lines: list[str] = field(default_factory=list)
    reference: str = ""
    period: date | None = None
    # A premium invoice's figures: recorded with the document and printed as its QR-bill.
    premium: premiums.InvoiceData | None = None
    # A benefit statement's figures: recorded with the document.
    benefit: benefits.StatementData | None = None


def first_year(today: date) -> int:
    return today.year - YEARS + 1


def demo_households() -> QuerySet[Customer]:
    return (Customer.objects.filter(customer_number__in=DEMO_CUSTOMERS)
            .select_related("account").prefetch_related("insured_persons",
                                                        "correspondence_changes"))


def policy_holder(customer: Customer) -> InsuredPerson:
    persons = list(customer.insured_persons.all())
    return next((p for p in persons if p.is_policy_holder), persons[0])


def chf(amount: Decimal) -> str:
    return format_chf(amount)


def short_date(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _render(customer: Customer, plan: DemoDocument) -> bytes:
    holder = customer.policy_holder
    recipient = ([f"{holder.first_name} {holder.last_name}", customer.street,
                  f"{customer.postcode} {customer.locality}"] if holder else [])
    date_line = _("%(place)s, le %(date)s") % {"place": customer.locality,
                                               "date": short_date(plan.issue_date)}
    payment_part = None
    if plan.premium is not None:
        payment_part = premiums.payment_part(premiums.qr_bill_for(
            customer, period=plan.premium.period, total=plan.premium.total,
            reference=premiums.qr_reference(customer.customer_number, plan.premium.period)))
    return letter_pdf(plan.title, plan.lines, recipient=recipient, date_line=date_line,
                      rows=plan.rows, footer_lines=plan.footer_lines, payment_part=payment_part)


def store_demo_documents(customer: Customer, plans: list[DemoDocument]) -> int:
    """Archive the plans not archived yet and refresh those whose content changed.

    A demo document is known by its person, type, issue date and reference. Returns how many
    were created or refreshed.
    """
    existing = {(doc.insured_person_id, doc.type, doc.issue_date, doc.reference): doc
                for doc in Document.objects.filter(customer=customer)}
    changed = 0
    with transaction.atomic(), translation.override(customer.language):
        for plan in plans:
            pdf = _render(customer, plan)
            current = existing.get((plan.person.pk, plan.type, plan.issue_date, plan.reference))
            if current is None:
                current, created = store_document(
                    insured_person=plan.person, type=plan.type, issue_date=plan.issue_date,
                    title=plan.title, reference=plan.reference, period=plan.period,
                    source=ContentFile(pdf), file_name="document.pdf", notify=False)
                changed += created
            elif (current.checksum, current.title, current.period) != (
                    hashlib.sha256(pdf).hexdigest(), plan.title, plan.period):
                _refresh(current, plan, pdf)
                changed += 1
            if plan.premium is not None:
                premiums.record_invoice(current, plan.premium)
            if plan.benefit is not None:
                benefits.record_statement(current, plan.benefit)
    return changed


def _refresh(document: Document, plan: DemoDocument, pdf: bytes) -> None:
    """Demo data only (seed_demo refuses to run in production): same row, new content."""
    old_name, storage = document.file.name, document.file.storage
    document.file.save("document.pdf", ContentFile(pdf), save=False)
    document.title, document.period = plan.title, plan.period
    document.checksum, document.size = hashlib.sha256(pdf).hexdigest(), len(pdf)
    document.save()
    storage.delete(old_name)


def mark_old_documents_read(customer: Customer, today: date) -> None:
    """Older documents were read long ago: only the last weeks' are "new"."""
    if customer.account_id:
        seen = Document.objects.filter(customer=customer,
                                       issue_date__lt=today - timedelta(days=45))
        DocumentRead.objects.bulk_create(
            [DocumentRead(document=doc, user_id=customer.account_id) for doc in seen],
            ignore_conflicts=True)


def plan(customer: Customer, today: date) -> list[DemoDocument]:
    """A cost guarantee, in the household's language (the benefit statements apply the
    cost-sharing rules of the household's policies: ``kptportal/demo_documents.py``)."""
    rng = random.Random(customer.customer_number)
    holder = policy_holder(customer)
    plans = []
    issued = date(today.year, 1, 15)
    if issued > today:
        issued = date(today.year - 1, 1, 15)
    hospital = _("Hôpital régional")
    plans.append(DemoDocument(
        person=holder, type=DocumentType.COST_GUARANTEE, issue_date=issued,
        title=_("Garantie de prise en charge – %(provider)s") % {"provider": hospital},
        lines=[_("Patient·e : %(name)s") % {"name": f"{holder.first_name} {holder.last_name}"},
               _("Séjour hospitalier planifié, division commune"),
               _("Valable 90 jours à partir de la date d'émission.")],
        reference=f"GAR-{issued.year}-{rng.randint(1000, 9999)}"))
    return plans


def seed_households(planner: Planner) -> int:
    """Archive ``planner(customer, today)`` for each demo household, in its language."""
    today = timezone.localdate()
    changed = 0
    for customer in demo_households():
        with translation.override(customer.language):
            plans = planner(customer, today)
        changed += store_demo_documents(customer, plans)
        mark_old_documents_read(customer, today)
    return changed


def seed(stdout: SupportsWrite[str] | None = None) -> None:
    changed = seed_households(plan)
    if stdout:
        count = Document.objects.filter(customer__customer_number__in=DEMO_CUSTOMERS).count()
        stdout.write(f"documents: {changed} demo document(s) created or refreshed ({count} in "
                     "the demo households)")


def seed_tax_certificates(today: date | None = None) -> int:
    """A tax certificate for each past year with data of each demo household, issued on the
    day the yearly run issues them, from the seeded premium invoices and benefit statements
    (so its figures are the portal's). Runs after those are seeded (kptportal's part).

    Idempotent: a year whose figures did not change keeps its certificate; one whose
    figures changed since (a payment booked later) gets a new version, as in production.
    """
    today = today or timezone.localdate()
    created = 0
    for customer in demo_households():
        for year in tax_certificate.years_with_data(customer, today):
            issued = min(date(year + 1, 1, tax_certificate_issuing.ISSUE_DAY), today)
            created += tax_certificate_issuing.issue(
                customer, year, today=today, issued_on=issued, regenerate=True,
                notify=None).created
        mark_old_documents_read(customer, today)
    return created
