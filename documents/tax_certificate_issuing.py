"""Issuing tax certificates: the PDF in the household's language, the archive, the versions.

``issue(customer, year)`` is idempotent per (household, year): when the year has a
certificate it returns it and creates nothing. ``issue(..., regenerate=True)`` (operations,
after a correction in the core system) compares the year's figures with those of the
current certificate and, only when they differ, issues a **new version**: a new document
titled "version 2", with its own figures; the earlier one stays in the archive unchanged.

Why versions rather than replacing: a document sent to a household is kept at least ten
years and nothing deletes it before (``documents.retention``), the customer may already
have filed the first certificate with their tax return, and the archive must show what
was sent and when. The portal always points to the newest version ("replaced by ...").

Concurrent runs (the January batch, a customer's request, a retried task) are serialised
per household by a row lock on the customer; the unique (household, year, version)
constraint backs it up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Customer
from audit.log import record
from core.errors import PortalError
from core.money import format_chf
from documents import events, premiums
from documents.models import (
    Document,
    DocumentType,
    PremiumInvoice,
    TaxCertificate,
    TaxCertificateLine,
)
from documents.pdfs import PdfTable, tables_pdf
from documents.storing import store_document
from documents.tax_certificate import YearFigures, figures_for, figures_of
from notifications.activity import notify_new_activity

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

logger = logging.getLogger(__name__)

# The January run waits for the core system's imports of December's payments and statements.
ISSUE_DAY = 10


class YearNotOver(PortalError):
    message_template = gettext_lazy(
        "L'attestation fiscale %(year)s sera disponible après la fin de l'année.")


class NoDataForYear(PortalError):
    message_template = gettext_lazy(
        "Aucune prime payée et aucun décompte en %(year)s: pas d'attestation fiscale pour "
        "cette année.")


@dataclass(frozen=True)
class Issued:
    certificate: TaxCertificate
    created: bool


# --- Reading the household's certificates --------------------------------------------------

def current_certificates(customer: Customer) -> dict[int, TaxCertificate]:
    """{year: newest version} of the household's certificates, with documents. One query."""
    current: dict[int, TaxCertificate] = {}
    for certificate in (TaxCertificate.objects.filter(customer=customer)
                        .select_related("document").order_by("year", "version")):
        current[certificate.year] = certificate
    return current


def current_certificate(customer: Customer, year: int) -> TaxCertificate | None:
    return (TaxCertificate.objects.filter(customer=customer, year=year)
            .select_related("document").order_by("-version").first())


def certificate_for_household(customer: Customer, document_pk: int) -> TaxCertificate | None:
    """The certificate of one of the household's documents, its lines and persons (two
    queries), or None."""
    lines = TaxCertificateLine.objects.select_related("insured_person")
    return (TaxCertificate.objects.filter(customer=customer, document_id=document_pk)
            .prefetch_related(Prefetch("lines", queryset=lines)).first())


def newer_version(certificate: TaxCertificate) -> TaxCertificate | None:
    """The newest version of the same year when ``certificate`` was replaced. One query."""
    return (TaxCertificate.objects.filter(customer_id=certificate.customer_id,
                                          year=certificate.year,
                                          version__gt=certificate.version)
            .select_related("document").order_by("-version").first())


# --- The PDF --------------------------------------------------------------------------------

def _amount(amount: Decimal) -> str:
    return format_chf(amount, currency="").strip()


def _day(day: date) -> str:
    return f"{day:%d.%m.%Y}"


def title_of(year: int, version: int) -> str:
    if version == 1:
        return _("Attestation fiscale %(year)s") % {"year": year}
    return _("Attestation fiscale %(year)s (version %(version)s)") % {"year": year,
                                                                     "version": version}


def insurer_address() -> list[str]:
    creditor = premiums.creditor()
    return [creditor.get("name", ""),
            f"{creditor.get('street', '')} {creditor.get('house_num', '')}".strip(),
            f"{creditor.get('pcode', '')} {creditor.get('city', '')}".strip()]


def premium_table(figures: YearFigures) -> PdfTable:
    return PdfTable(
        caption=_("Primes payées en %(year)s") % {"year": figures.year},
        headers=[_("Personne assurée"), _("Assurance de base (LAMal)"),
                 _("Assurances complémentaires (LCA)"), _("Total")],
        rows=[[f"{line.person.first_name} {line.person.last_name}",
               _amount(line.basic_premiums), _amount(line.supplementary_premiums),
               _amount(line.premiums)] for line in figures.persons],
        total=[_("Total du ménage"), _amount(figures.basic_premiums),
               _amount(figures.supplementary_premiums), _amount(figures.premiums)])


def cost_table(figures: YearFigures) -> PdfTable:
    return PdfTable(
        caption=_("Frais à votre charge selon les décomptes de %(year)s") % {
            "year": figures.year},
        headers=[_("Personne assurée"), _("Franchise"), _("Quote-part"), _("Non couvert"),
                 _("Total")],
        rows=[[f"{line.person.first_name} {line.person.last_name}", _amount(line.deductible),
               _amount(line.copay), _amount(line.not_covered), _amount(line.costs)]
              for line in figures.persons],
        total=[_("Total du ménage"), _amount(figures.deductible), _amount(figures.copay),
               _amount(figures.not_covered), _amount(figures.costs)])


def render(customer: Customer, figures: YearFigures, *, issued_on: date, version: int,
           replaces: TaxCertificate | None = None) -> bytes:
    """The certificate as an A4 PDF, in the active language (callers override it with the
    household's)."""
    holder = customer.policy_holder
    recipient = ([f"{holder.first_name} {holder.last_name}", customer.street,
                  f"{customer.postcode} {customer.locality}"] if holder else [])
    insurer = insurer_address()
    first, last = date(figures.year, 1, 1), date(figures.year, 12, 31)
    lines = [_("Ménage n° %(number)s") % {"number": customer.customer_number},
             _("Année fiscale %(year)s, du %(first)s au %(last)s") % {
                 "year": figures.year, "first": _day(first), "last": _day(last)}]
    if replaces is not None:
        lines.append(_("Cette version remplace l'attestation du %(date)s.") % {
            "date": _day(replaces.document.issue_date)})
    return tables_pdf(
        title_of(figures.year, version), lines, subtitle=_("Assurance maladie"),
        sender=insurer, recipient=recipient,
        date_line=_("%(place)s, le %(date)s") % {"place": insurer[2].split(" ", 1)[-1],
                                                 "date": _day(issued_on)},
        tables=[premium_table(figures), cost_table(figures)],
        footer_lines=[
            _("Attestation destinée à votre déclaration d'impôts. Montants en CHF."),
            _("Primes: montants payés du %(first)s au %(last)s, rabais online déduit, "
              "quel que soit le mois facturé.") % {"first": _day(first), "last": _day(last)},
            _("Frais: franchise, quote-part et montants non couverts des décomptes de "
              "prestations établis en %(year)s. Les déductions admises dépendent des règles "
              "de votre canton.") % {"year": figures.year},
            _("Les factures de prime et les décomptes sont dans votre portail clients, "
              "rubrique Documents.")])


# --- Issuing --------------------------------------------------------------------------------

def issue(customer: Customer, year: int, *, today: date | None = None,
          issued_on: date | None = None, regenerate: bool = False,
          notify: str | None = "document") -> Issued:
    """The household's certificate of ``year``: the existing one, or a new one (see the
    module's text). ``notify`` is the reason the customer is told of a new certificate
    (``notifications``), after commit; None tells no one. Raises ``YearNotOver`` and
    ``NoDataForYear``."""
    today = today or timezone.localdate()
    if year >= today.year:
        raise YearNotOver(year=year)
    with transaction.atomic():
        # One run at a time per household (the batch, a request, a retry).
        Customer.objects.select_for_update().filter(pk=customer.pk).exists()
        current = current_certificate(customer, year)
        if current is not None and not regenerate:
            return Issued(current, created=False)
        figures = figures_for(customer, year)
        if current is not None and (figures.is_empty or figures_of(current).key()
                                    == figures.key()):
            return Issued(current, created=False)
        if figures.is_empty:
            raise NoDataForYear(year=year)
        certificate = _store(customer, figures, issued_on=issued_on or today,
                             version=current.version + 1 if current else 1, replaces=current)
        record(events.TAX_CERTIFICATE_ISSUED, customer=customer, document=certificate.document_id,
               year=year, version=certificate.version)
        if notify:
            notify_new_activity(customer, reason=notify)
    return Issued(certificate, created=True)


def _store(customer: Customer, figures: YearFigures, *, issued_on: date, version: int,
           replaces: TaxCertificate | None) -> TaxCertificate:
    holder = customer.policy_holder or figures.persons[0].person
    with translation.override(customer.language):
        title = title_of(figures.year, version)
        pdf = render(customer, figures, issued_on=issued_on, version=version,
                     replaces=replaces)
    document, created = store_document(
        insured_person=holder, type=DocumentType.TAX_CERTIFICATE, issue_date=issued_on,
        title=title, source=ContentFile(pdf), file_name="document.pdf", notify=False)
    if not created:  # pragma: no cover - the title and date make every certificate unique
        raise RuntimeError(f"tax certificate {figures.year} v{version} already archived")
    certificate = TaxCertificate.objects.create(document=document, year=figures.year,
                                                version=version)
    TaxCertificateLine.objects.bulk_create([
        TaxCertificateLine(certificate=certificate, insured_person=line.person,
                           basic_premiums=line.basic_premiums,
                           supplementary_premiums=line.supplementary_premiums,
                           deductible=line.deductible, copay=line.copay,
                           not_covered=line.not_covered, position=position)
        for position, line in enumerate(figures.persons)])
    return certificate


# --- A certificate the customer asked for (``tax_certificate_requests``) ---------------------

# How long a request counts as "being prepared" (the task normally takes seconds; the
# outbox's relay re-sends a lost one within twenty minutes).
PENDING_SECONDS = 30 * 60
NOTIFY_REASON = "requested"


def pending_key(customer_id: int, year: int) -> str:
    return f"tax-certificate:pending:{customer_id}:{year}"


def pending_years(customer: Customer, years: Iterable[int]) -> set[int]:
    """The years whose certificate this household asked for and is being prepared."""
    keys = {pending_key(customer.pk, year): year for year in years}
    return {keys[key] for key in cache.get_many(list(keys))} if keys else set()


def issue_requested(customer_id: int, year: int) -> bool:
    """The task of a request: issue (or find) the certificate and tell the customer, who was
    promised a message. True when a certificate was created."""
    customer = (Customer.objects.prefetch_related("insured_persons")
                .filter(pk=customer_id).first())
    if customer is None:
        return False
    try:
        with transaction.atomic():
            outcome = issue(customer, year, notify=None)
            notify_new_activity(customer, reason=NOTIFY_REASON)
    except (NoDataForYear, YearNotOver):
        return False
    finally:
        cache.delete(pending_key(customer_id, year))
    return outcome.created


# --- The yearly run over every household ----------------------------------------------------

def households_due(year: int) -> Q:
    """Households with a premium paid or a statement issued in ``year`` and no certificate
    of that year yet (each test an indexed lookup per household)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    paid = PremiumInvoice.objects.filter(customer=OuterRef("pk"), paid_on__range=(first, last))
    settled = Document.objects.filter(customer=OuterRef("pk"),
                                      type=DocumentType.BENEFIT_STATEMENT,
                                      issue_date__range=(first, last),
                                      benefit_statement__isnull=False)
    issued = TaxCertificate.objects.filter(customer=OuterRef("pk"), year=year)
    return (Q(Exists(paid)) | Q(Exists(settled))) & ~Q(Exists(issued))


def batches_due(year: int, size: int) -> Iterator[list[int]]:
    """The ids of the households due, ``size`` at a time (keyset pagination: one indexed
    query per batch, never the 50,000 households at once)."""
    last = 0
    while True:
        ids = list(Customer.objects.filter(households_due(year), pk__gt=last)
                   .order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]


@dataclass
class BatchResult:
    issued: int = 0
    existing: int = 0
    failed: int = 0


def issue_batch(customer_ids: list[int], year: int, *, today: date | None = None) -> BatchResult:
    """Issue the certificates of these households; one household's failure is logged and
    left for the next run (the January runs are daily), the others go on."""
    result = BatchResult()
    households = (Customer.objects.filter(pk__in=customer_ids)
                  .prefetch_related("insured_persons").order_by("pk"))
    for customer in households:
        try:
            outcome = issue(customer, year, today=today)
        except NoDataForYear:
            continue
        except Exception:
            logger.exception("tax certificate not issued", extra={"customer": customer.pk,
                                                                  "year": year})
            result.failed += 1
            continue
        if outcome.created:
            result.issued += 1
        else:
            result.existing += 1
    return result
