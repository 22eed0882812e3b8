"""Premium invoices from the core system, as data with their PDF (``import_premium_invoices``).

A folder holds ``*.csv`` and ``*.json`` files (read in name order); each describes premium
invoices line by line (README, "Import of premium invoices"). Per invoice, in one
transaction:

1. read every value, line-numbered: the household, the month, the dates, the QR reference
   (27 digits with its check digit, or none: the portal's own, ``premiums.qr_reference``),
   the lines (an insured person of that household, KVG or VVG, the product, the gross
   premium and its online discount), then the rules of ``premiums.check`` (amounts after
   discount in multiples of CHF 0.05, a discount never above its premium, no payment or
   reminder in the future…);
2. archive its PDF: the core system's file when it names one (a file already in the archive
   without figures, as ``import_documents`` stores premium invoices, gets them now), else the
   portal prints the invoice with its QR-bill (``documents.premium_letters``);
3. record its figures (``premiums.record_invoice``): the invoice page, the dashboard, the
   QR-bill slip and ``import_premium_payments`` (by QR reference) then know it;
4. tell the household, without content (``notifications``), once per household and run.

An invoice whose reference is already there is skipped, so the command can simply run again
after a crash; a later run may still bring its payment or reminder date. A bad invoice is
reported with its file and line and the others go on; the exit status is then non-zero.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation

from accounts.models import Customer
from core.dates import parse_written_date
from core.errors import PortalError
from documents import importing, premium_letters, premiums
from documents.importing import RowResult, Summary
from documents.models import Document, DocumentType, PremiumInvoice
from documents.record_files import (
    RecordLayout,
    SourceLine,
    SourceRecord,
    amount_written,
    delete_orphans,
    read_records,
)
from documents.storing import checksum_and_size, store_document
from notifications.activity import notify_new_activity

logger = logging.getLogger(__name__)

INVOICES = RecordLayout(
    noun="invoice", reference_field="invoice_reference",
    record_fields=("invoice_reference", "contract_or_customer_number", "period", "issue_date",
                   "due_date", "qr_reference", "paid_on", "reminded_on", "file_name"),
    line_fields=("insured_number", "line", "label", "gross", "discount"),
    # A CSV may leave these out; every other column is required.
    optional_columns=frozenset({"qr_reference", "paid_on", "reminded_on", "file_name",
                                "discount"}))
MAX_LINES = 200
MAX_REFERENCE = 60
MAX_LABEL = 120
PDF_MAGIC = b"%PDF-"
# What the command prints is for operations, in English like the other imports.
REPORT_LANGUAGE = "en"


class InvoiceError(Exception):
    """One invoice cannot be imported; the message says why (and on which line)."""


@dataclass
class InvoiceResult(RowResult):
    source: str = ""
    reference: str = ""


# --- Reading the files ----------------------------------------------------------------------


def read_invoices(directory: Path) -> list[SourceRecord]:
    return read_records(directory, INVOICES)


# --- Checking one invoice -------------------------------------------------------------------


def _date(label: str, name: str, raw: str) -> date:
    day = parse_written_date(raw)
    if day is not None:
        return day
    raise InvoiceError(f"{label}: {name} {raw!r} is not a date (dd.mm.yyyy or yyyy-mm-dd)")


def _optional_date(label: str, name: str, raw: str) -> date | None:
    return _date(label, name, raw) if raw else None


def _month(label: str, raw: str) -> date:
    for pattern in ("%m.%Y", "%Y-%m"):
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise InvoiceError(f"{label}: period {raw!r} is not a month (mm.yyyy or yyyy-mm)")


def _amount(label: str, name: str, raw: str, *, required: bool) -> Decimal:
    """The number as written (``1'234.50``, ``CHF 12.35``); the rules are ``premiums.check``'s."""
    if not raw.replace("CHF", "").strip():
        if required:
            raise InvoiceError(f"{label}: {name} is empty")
        return premiums.ZERO
    amount = amount_written(raw)
    if amount is None:
        raise InvoiceError(f"{label}: {name} {raw!r} is not an amount")
    return amount


@dataclass
class CheckedInvoice:
    customer: Customer
    reference: str
    issue_date: date
    data: premiums.InvoiceData
    file_name: str


def check_invoice(invoice: SourceRecord, today: date) -> CheckedInvoice:
    """Every value of ``invoice``, or InvoiceError naming the first wrong one and its line."""
    if invoice.problems:
        raise InvoiceError(invoice.problems[0])
    label, values = f"line {invoice.line}", invoice.values
    reference = invoice.reference
    if not reference:
        raise InvoiceError(f"{label}: invoice_reference is empty")
    if len(reference) > MAX_REFERENCE:
        raise InvoiceError(f"{label}: invoice_reference is longer than {MAX_REFERENCE} "
                           "characters")
    try:
        customer = importing.customer_of(values["contract_or_customer_number"])
    except importing.RowError as exc:
        raise InvoiceError(f"{label}: {exc}") from None
    period = _month(label, values["period"])
    issue_date = _date(label, "issue_date", values["issue_date"])
    if issue_date > today:
        raise InvoiceError(f"{label}: issue_date {issue_date:%d.%m.%Y} is in the future")
    due_date = _date(label, "due_date", values["due_date"])
    if due_date < issue_date:
        raise InvoiceError(f"{label}: due_date {due_date:%d.%m.%Y} is before the issue_date "
                           f"{issue_date:%d.%m.%Y}")
    qr_reference = "".join(values["qr_reference"].split())
    if qr_reference and not premiums.is_qr_reference(qr_reference):
        raise InvoiceError(f"{label}: qr_reference {values['qr_reference']!r} is not a QR "
                           "reference (27 digits, the last the mod-10 check digit)")
    if not invoice.lines:
        raise InvoiceError(f"{label}: the invoice has no line")
    if len(invoice.lines) > MAX_LINES:
        raise InvoiceError(f"{label}: more than {MAX_LINES} lines")
    data = premiums.InvoiceData(
        period=period, due_date=due_date,
        lines=[_check_line(source, customer) for source in invoice.lines],
        paid_on=_optional_date(label, "paid_on", values["paid_on"]),
        reminded_on=_optional_date(label, "reminded_on", values["reminded_on"]),
        qr_reference=qr_reference)
    try:
        premiums.check(data, customer_id=customer.pk)
    except premiums.InvalidInvoice as exc:
        where = label if exc.position is None else invoice.lines[exc.position].label
        with translation.override(REPORT_LANGUAGE):
            raise InvoiceError(f"{where}: {exc.message}") from None
    return CheckedInvoice(customer, reference, issue_date, data, values["file_name"])


def _check_line(source: SourceLine, customer: Customer) -> premiums.InvoiceLineData:
    label, values = source.label, source.values
    try:
        person = importing.insured_person_of(customer, values["insured_number"])
    except importing.RowError as exc:
        raise InvoiceError(f"{label}: {exc}") from None
    kind = values["line"].upper()
    if kind not in premiums.LINES:
        raise InvoiceError(f"{label}: line must be KVG or VVG, got {values['line']!r}")
    product = values["label"]
    if not product:
        raise InvoiceError(f"{label}: label is empty")
    if len(product) > MAX_LABEL:
        raise InvoiceError(f"{label}: label is longer than {MAX_LABEL} characters")
    return premiums.InvoiceLineData(
        person=person, line=kind, label=product,
        gross=_amount(label, "gross", values["gross"], required=True),
        discount=_amount(label, "discount", values["discount"], required=False))


# --- Importing one invoice ------------------------------------------------------------------


def import_invoice(directory: Path, invoice: SourceRecord, *, today: date | None = None,
                   notified: set[int] | None = None) -> InvoiceResult:
    """Check, archive and record one invoice of ``directory`` in one transaction; tell its
    household unless its pk is in ``notified`` (to which it is then added)."""
    today = today or timezone.localdate()
    notified = set() if notified is None else notified
    result = InvoiceResult(invoice.line, "error", source=invoice.source,
                           reference=invoice.reference)
    stored: list[str] = []
    try:
        with transaction.atomic():
            result.status, result.message, told = _import(directory, invoice, today, stored,
                                                          notified)
        if told is not None:
            notified.add(told)
    except InvoiceError as exc:
        result.message = str(exc)
    except PortalError as exc:  # a rule of the archive said no after all
        with translation.override(REPORT_LANGUAGE):
            result.message = f"line {invoice.line}: {exc.message}"
    except Exception as exc:  # one broken invoice must not stop the batch
        logger.exception("import_premium_invoices: %s line %s failed", invoice.source,
                         invoice.line)
        result.message = (f"line {invoice.line}: unexpected error: "
                          f"{exc.__class__.__name__}: {exc}")
    if result.status == "error":
        _delete_files(stored)  # the invoice was rolled back: no orphan file stays behind
    return result


def _import(directory: Path, invoice: SourceRecord, today: date, stored: list[str],
            notified: set[int]) -> tuple[str, str, int | None]:
    checked = check_invoice(invoice, today)
    customer, data, label = checked.customer, checked.data, f"line {invoice.line}"
    # One invoice of a household at a time: a second run waits here, then finds it.
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    existing = _existing(checked.reference)
    if existing is not None:
        status, message = _again(label, checked, existing)
        return status, message, None
    same_month = (PremiumInvoice.objects.select_related("document")
                  .filter(customer=customer, period=data.period).first())
    if same_month is not None:
        raise InvoiceError(
            f"{label}: customer {customer.customer_number} already has the premium invoice "
            f"{same_month.document.reference or same_month.qr_reference} for "
            f"{data.period:%m.%Y}")
    reference = data.qr_reference or premiums.qr_reference(customer.customer_number,
                                                           data.period)
    if PremiumInvoice.objects.filter(qr_reference=reference).exists():
        raise InvoiceError(f"{label}: QR reference {reference} is already another invoice's")
    document, created = _document(directory, label, checked, reference, stored)
    premiums.record_invoice(document, data)
    told = None
    # A document the household already had (archived without figures) is nothing new.
    if created and customer.pk not in notified:
        notify_new_activity(customer, reason="document")
        told = customer.pk
    return ("imported", f"{customer.customer_number} {checked.reference} "
            f"{data.period:%m.%Y}: CHF {data.total}", told)


def _existing(reference: str) -> PremiumInvoice | None:
    return (PremiumInvoice.objects.select_related("document")
            .filter(document__type=DocumentType.PREMIUM_INVOICE,
                    document__reference=reference).first())


def _again(label: str, checked: CheckedInvoice,
           existing: PremiumInvoice) -> tuple[str, str]:
    """An invoice already imported: skipped, unless this run brings its payment or reminder
    date. Its figures never change: a correction is another invoice of the core system."""
    reference, data = checked.reference, checked.data
    if existing.customer_id != checked.customer.pk:
        raise InvoiceError(f"{label}: invoice {reference} is already in the archive for "
                           "another customer")
    if (existing.period, existing.total) != (data.period, data.total):
        raise InvoiceError(
            f"{label}: invoice {reference} was imported for {existing.period:%m.%Y} with the "
            f"total CHF {existing.total}, not {data.period:%m.%Y} and CHF {data.total}; an "
            "imported invoice does not change")
    changed: list[str] = []
    for name, words in (("paid_on", "paid on"), ("reminded_on", "reminder sent on")):
        new, old = getattr(data, name), getattr(existing, name)
        if new is None or new == old:
            continue
        if old is not None:
            raise InvoiceError(f"{label}: invoice {reference} was {words} {old:%d.%m.%Y}, not "
                               f"{new:%d.%m.%Y}")
        setattr(existing, name, new)
        changed.append(name)
    if not changed:
        return "skipped", f"{reference} already imported"
    if existing.paid_on is not None and existing.reminded_on is not None \
            and existing.reminded_on >= existing.paid_on:
        raise InvoiceError(f"{label}: invoice {reference} was paid on "
                           f"{existing.paid_on:%d.%m.%Y}, no reminder on or after that "
                           f"({existing.reminded_on:%d.%m.%Y})")
    existing.save(update_fields=changed)
    return "imported", f"{reference}: " + ", ".join(
        f"{words} {getattr(existing, name):%d.%m.%Y}"
        for name, words in (("paid_on", "paid on"), ("reminded_on", "reminder sent on"))
        if name in changed)


def _document(directory: Path, label: str, checked: CheckedInvoice, qr_reference: str,
              stored: list[str]) -> tuple[Document, bool]:
    """The invoice's PDF in the archive, and whether it is new: the core system's file, or
    one printed here. A premium invoice archived earlier without figures (by
    ``import_documents``: the same file, or, when no file is named, the same reference) is
    the invoice's document."""
    customer, data, reference = checked.customer, checked.data, checked.reference
    holder = customer.policy_holder or data.lines[0].person
    without_figures = (Document.objects.filter(customer=customer,
                                               type=DocumentType.PREMIUM_INVOICE,
                                               reference=reference,
                                               premium_invoice__isnull=True).first())
    with translation.override(customer.language):
        title = premium_letters.invoice_title(data.period)
        if checked.file_name:
            try:
                path = importing.file_in(directory, checked.file_name)
            except importing.RowError as exc:
                raise InvoiceError(f"{label}: {exc}") from None
            with path.open("rb") as source:
                if source.read(len(PDF_MAGIC)) != PDF_MAGIC:
                    raise InvoiceError(f"{label}: file {path.name!r} is not a PDF")
                checksum, size = checksum_and_size(source)
                if without_figures is not None and without_figures.checksum != checksum:
                    raise InvoiceError(
                        f"{label}: invoice {reference} is already archived without figures "
                        f"with another file (document {without_figures.pk}); name that file "
                        "or leave file_name empty to give it its figures")
                document, created = store_document(
                    insured_person=holder, type=DocumentType.PREMIUM_INVOICE,
                    issue_date=checked.issue_date, title=title, reference=reference,
                    period=data.period, source=source, file_name=path.name,
                    checksum=checksum, size=size, notify=False)
        elif without_figures is not None:
            document, created = without_figures, False
        else:
            pdf = premium_letters.invoice_pdf(customer, checked.issue_date, data, qr_reference)
            document, created = store_document(
                insured_person=holder, type=DocumentType.PREMIUM_INVOICE,
                issue_date=checked.issue_date, title=title, reference=reference,
                period=data.period, source=ContentFile(pdf), file_name=_pdf_name(reference),
                notify=False)
    if created:
        stored.append(document.file.name)
        return document, True
    return _given_figures(label, document, reference, data.period), False


def _given_figures(label: str, document: Document, reference: str, period: date) -> Document:
    """A file already in the archive becomes this invoice's document, if it is a premium
    invoice without figures and without another reference."""
    if document.type != DocumentType.PREMIUM_INVOICE:
        raise InvoiceError(f"{label}: this file is already in the archive as a "
                           f"{document.type} (document {document.pk})")
    if PremiumInvoice.objects.filter(document=document).exists():
        raise InvoiceError(f"{label}: this file is already the PDF of invoice "
                           f"{document.reference or document.pk}")
    if document.reference and document.reference != reference:
        raise InvoiceError(f"{label}: this file is already archived with the reference "
                           f"{document.reference} (document {document.pk})")
    document.reference, document.period = reference, period
    document.save(update_fields=["reference", "period", "updated_at"])
    return document


def _pdf_name(reference: str) -> str:
    return (re.sub(r"[^A-Za-z0-9._-]+", "-", reference).strip("-.") or "premium-invoice") \
        + ".pdf"


def _delete_files(names: list[str]) -> None:
    delete_orphans(names, "import_premium_invoices")


def import_invoices(directory: Path, invoices: list[SourceRecord],
                    progress: Callable[[InvoiceResult], object] | None = None
                    ) -> tuple[Summary, list[InvoiceResult]]:
    """Import ``invoices`` (read from ``directory``) one by one; each household is told once
    in the run."""
    summary, results = Summary(), []
    notified: set[int] = set()
    for invoice in invoices:
        result = import_invoice(directory, invoice, notified=notified)
        summary.add(result)
        results.append(result)
        if progress:
            progress(result)
    return summary, results
