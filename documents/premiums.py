"""Premium invoices as data: their status, their QR reference, their Swiss QR-bill.

The status follows from the dates, on the day it is asked:

- paid: a payment was booked (``paid_on``), whatever else happened;
- reminded: unpaid and a reminder was sent (``reminded_on``);
- overdue: unpaid, no reminder yet, and the due date is past;
- open: unpaid and not due yet (the due date itself still counts as on time).

The QR reference is the 26 digits of the household number and the month, with the
recursive mod-10 check digit of the Swiss QR reference (the same as the old ESR numbers),
unless the core system gives its own (27 digits, the same check digit: ``is_qr_reference``).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Prefetch, Q, TextChoices
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from qrbill import QRBill
from reportlab.graphics import renderPDF
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from stdnum.ch import esr
from svglib.svglib import svg2rlg

from core.errors import PortalError
from core.money import CENT, FIVE_CENTIMES
from documents.models import Document, PremiumInvoice, PremiumInvoiceLine

if TYPE_CHECKING:
    from reportlab.graphics.shapes import Drawing

    from accounts.models import Customer, InsuredPerson

ZERO = Decimal("0.00")
LINES = ("KVG", "VVG")
QR_REFERENCE_LENGTH = 27
QR_LANGUAGES = ("fr", "de", "it", "en")
# The insurer as creditor; operations set the real QR-IBAN and address in the settings. The
# default is the example QR-IBAN of the Swiss implementation guidelines (demo only).
DEFAULT_CREDITOR = {"name": "KPT Krankenkasse AG (demo)", "street": "Wankdorfallee",
                    "house_num": "3", "pcode": "3014", "city": "Bern", "country": "CH"}
DEFAULT_QR_IBAN = "CH4431999123000889012"


class PremiumStatus(TextChoices):
    OPEN = "open", _("À payer")
    PAID = "paid", _("Payée")
    OVERDUE = "overdue", _("En retard")
    REMINDED = "reminded", _("Rappel envoyé")


UNPAID = (PremiumStatus.OPEN, PremiumStatus.OVERDUE, PremiumStatus.REMINDED)


def status_of(*, due_date: date, paid_on: date | None, reminded_on: date | None,
              today: date) -> PremiumStatus:
    if paid_on is not None:
        return PremiumStatus.PAID
    if reminded_on is not None:
        return PremiumStatus.REMINDED
    if today > due_date:
        return PremiumStatus.OVERDUE
    return PremiumStatus.OPEN


def invoice_status(invoice: PremiumInvoice, today: date) -> PremiumStatus:
    return status_of(due_date=invoice.due_date, paid_on=invoice.paid_on,
                     reminded_on=invoice.reminded_on, today=today)


def listed_status(document: Document, today: date) -> PremiumStatus | None:
    """A listed premium invoice's status, when its figures came as data (the list selects
    ``premium_invoice`` with the document: no query here); ``None`` for other documents."""
    try:
        invoice = document.premium_invoice
    except ObjectDoesNotExist:
        return None
    return invoice_status(invoice, today)


def qr_reference(customer_number: str, period: date) -> str:
    """27 digits: the household number (digits only) and the month, then the check digit."""
    digits = "".join(ch for ch in customer_number if ch.isdigit())
    body = f"{digits[-20:]:0>20}{period:%Y%m}"
    return body + esr.calc_check_digit(body)


def is_qr_reference(reference: str) -> bool:
    """27 digits whose last is the recursive mod-10 check digit of the others (spaces
    removed first, as printed in blocks)."""
    digits = "".join(reference.split())
    return (len(digits) == QR_REFERENCE_LENGTH and digits.isdigit()
            and esr.calc_check_digit(digits[:-1]) == digits[-1])


def format_reference(reference: str) -> str:
    """``21 00000 00003 13947 14300 09017``: as printed on the QR-bill."""
    return str(esr.format(reference))


# --- Recording an invoice -----------------------------------------------------------------

def total_of(lines: Iterable[object], amount: str) -> Decimal:
    """The sum of one amount (``"gross"``, ``"discount"``) over invoice lines."""
    return sum((getattr(line, amount) for line in lines), ZERO)


class _SummedLines:
    """Gross, discount and net of some invoice lines (``lines``)."""

    lines: Sequence[object]

    @property
    def gross(self) -> Decimal:
        return total_of(self.lines, "gross")

    @property
    def discount(self) -> Decimal:
        return total_of(self.lines, "discount")

    @property
    def net(self) -> Decimal:
        return self.gross - self.discount


@dataclass(frozen=True)
class InvoiceLineData:
    person: InsuredPerson
    line: str  # "KVG" or "VVG"
    label: str
    gross: Decimal
    discount: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.gross - self.discount


@dataclass(frozen=True)
class InvoiceData(_SummedLines):
    period: date
    due_date: date
    lines: list[InvoiceLineData] = field(default_factory=list)
    paid_on: date | None = None
    reminded_on: date | None = None
    # The core system's QR reference; empty: the household's and the month's (qr_reference).
    qr_reference: str = ""

    @property
    def total(self) -> Decimal:
        """What the household pays: the lines' net."""
        return self.net


class InvalidInvoice(PortalError):
    message_template = _("Facture de prime incohérente: %(reason)s")

    def __init__(self, *, reason: str | Promise, position: int | None = None) -> None:
        super().__init__(reason=reason)
        self.position = position  # the line at fault (from 0); None: the invoice as a whole


def check(data: InvoiceData, *, customer_id: int | None = None) -> None:
    """What cannot be on an invoice, the first found: no line, an unknown line of insurance,
    a person of another household than ``customer_id``'s, an amount negative or with more
    than two decimals, a discount above its premium, a premium after discount that is not a
    multiple of CHF 0.05, a QR reference without its check digit, a payment or a reminder in
    the future, a reminder on or after the payment."""
    if not data.lines:
        raise InvalidInvoice(reason=_("aucune ligne"))
    for position, line in enumerate(data.lines):
        reason = _line_fault(line, customer_id)
        if reason is not None:
            raise InvalidInvoice(reason=reason, position=position)
    if data.qr_reference and not is_qr_reference(data.qr_reference):
        raise InvalidInvoice(reason=_("référence QR invalide"))
    today = timezone.localdate()
    if data.paid_on is not None and data.paid_on > today:
        raise InvalidInvoice(reason=_("paiement dans le futur"))
    if data.reminded_on is not None and data.reminded_on > today:
        raise InvalidInvoice(reason=_("rappel dans le futur"))
    if data.paid_on is not None and data.reminded_on is not None \
            and data.reminded_on >= data.paid_on:
        raise InvalidInvoice(reason=_("rappel le jour du paiement ou après"))


def _line_fault(line: InvoiceLineData, customer_id: int | None) -> Promise | None:
    if line.line not in LINES:
        return _("branche inconnue")
    if customer_id is not None and line.person.customer_id != customer_id:
        return _("personne assurée d'un autre ménage")
    if line.gross < 0 or line.discount < 0:
        return _("montant négatif")
    if line.gross != line.gross.quantize(CENT) or line.discount != line.discount.quantize(CENT):
        return _("plus de deux décimales")
    if line.discount > line.gross:
        return _("rabais supérieur à la prime")
    if line.net % FIVE_CENTIMES:
        return _("prime après rabais qui n'est pas arrondie à 5 centimes")
    return None


@transaction.atomic
def record_invoice(document: Document, data: InvoiceData) -> PremiumInvoice:
    """Attach (or refresh) the data of ``document``'s premium invoice. Idempotent."""
    check(data, customer_id=document.customer_id)
    invoice = PremiumInvoice.objects.filter(document=document).first() or PremiumInvoice(
        document=document)
    invoice.period, invoice.due_date = data.period, data.due_date
    invoice.gross, invoice.discount, invoice.total = data.gross, data.discount, data.total
    invoice.qr_reference = "".join(data.qr_reference.split()) or qr_reference(
        document.customer.customer_number, data.period)
    invoice.paid_on, invoice.reminded_on = data.paid_on, data.reminded_on
    invoice.save()
    invoice.lines.all().delete()
    PremiumInvoiceLine.objects.bulk_create([
        PremiumInvoiceLine(invoice=invoice, insured_person=line.person, line=line.line,
                           label=line.label[:120], gross=line.gross, discount=line.discount,
                           position=position)
        for position, line in enumerate(data.lines)])
    return invoice


# --- Reading them for a household ----------------------------------------------------------

@dataclass(frozen=True)
class PersonAmounts(_SummedLines):
    person: InsuredPerson
    lines: list[PremiumInvoiceLine]


def by_person(invoice: PremiumInvoice) -> list[PersonAmounts]:
    """The invoice's lines grouped per insured person, in the invoice's order."""
    groups: dict[int, PersonAmounts] = {}
    for line in invoice.lines.all():
        if line.insured_person_id not in groups:
            groups[line.insured_person_id] = PersonAmounts(line.insured_person, [])
        groups[line.insured_person_id].lines.append(line)
    return list(groups.values())


def invoice_for_household(customer: Customer, document_pk: int) -> PremiumInvoice | None:
    lines = PremiumInvoiceLine.objects.select_related("insured_person")
    return (PremiumInvoice.objects.filter(customer=customer, document_id=document_pk)
            .select_related("document").prefetch_related(Prefetch("lines", queryset=lines))
            .first())


@dataclass(frozen=True)
class PremiumSummary:
    """The dashboard's view: the next invoice to pay (if any), the latest ones with status."""

    next_due: PremiumInvoice | None
    next_status: PremiumStatus | None
    recent: list[tuple[PremiumInvoice, PremiumStatus]]

    @property
    def all_paid(self) -> bool:
        return self.next_due is None


RECENT_MONTHS = 6
MAX_LISTED = 36


def months_back(today: date, months: int) -> date:
    """The first day of the month ``months`` before ``today``'s (across the new year)."""
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def summary_for(customer: Customer, today: date, *, recent: int = 3) -> PremiumSummary:
    """One query whatever the household's history: the unpaid invoices and those of the last
    months, oldest first (at most ``MAX_LISTED``, so the oldest unpaid are always there)."""
    since = months_back(today, RECENT_MONTHS)
    listed = list(PremiumInvoice.objects.filter(customer=customer)
                  .filter(Q(paid_on__isnull=True) | Q(period__gte=since))
                  .order_by("period", "id")[:MAX_LISTED])
    unpaid = [invoice for invoice in listed if invoice.paid_on is None]
    next_due = min(unpaid, key=lambda invoice: (invoice.due_date, invoice.pk), default=None)
    latest = [invoice for invoice in reversed(listed)
              if invoice.period <= today and invoice is not next_due][:recent]
    return PremiumSummary(
        next_due=next_due,
        next_status=invoice_status(next_due, today) if next_due else None,
        recent=[(invoice, invoice_status(invoice, today)) for invoice in latest])


# --- The Swiss QR-bill --------------------------------------------------------------------

def creditor() -> dict[str, str]:
    """The insurer's name and address (the creditor of its QR-bills)."""
    return dict(getattr(settings, "PREMIUM_CREDITOR", DEFAULT_CREDITOR))


def _qr_iban() -> str:
    return str(getattr(settings, "PREMIUM_QR_IBAN", DEFAULT_QR_IBAN))


def _debtor(customer: Customer) -> dict[str, str] | None:
    holder = customer.policy_holder
    if holder is None or not customer.postcode or not customer.locality:
        return None
    return {"name": f"{holder.first_name} {holder.last_name}"[:70],
            "line1": customer.street[:70], "line2": f"{customer.postcode} {customer.locality}",
            "country": "CH"}


def qr_bill(invoice: PremiumInvoice, customer: Customer) -> QRBill:
    return qr_bill_for(customer, period=invoice.period, total=invoice.total,
                       reference=invoice.qr_reference)


def qr_bill_for(customer: Customer, *, period: date, total: Decimal, reference: str,
                language: str | None = None) -> QRBill:
    """The QR-bill of one month's premiums, labelled in ``language`` (default: the active)."""
    code = (language or get_language() or "fr")[:2]
    return QRBill(
        account=_qr_iban(), creditor=creditor(), debtor=_debtor(customer),
        amount=f"{total:.2f}", currency="CHF", reference_number=reference,
        additional_information=f"{period:%m.%Y} {customer.customer_number}",
        language=code if code in QR_LANGUAGES else "fr",
    )


def payment_part(bill: QRBill) -> Drawing:
    """The receipt and payment part (210 × 105 mm) as a reportlab drawing."""
    svg = io.StringIO()
    bill.as_svg(svg)
    drawing = svg2rlg(io.BytesIO(svg.getvalue().encode()))
    if drawing is None:  # pragma: no cover - qrbill always writes a valid SVG
        raise RuntimeError("the QR-bill SVG could not be read")
    return drawing


def slip_pdf(invoice: PremiumInvoice, customer: Customer) -> bytes:
    """An A4 page with the payment part at its foot, to print or to scan in an e-banking app."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=True, pageCompression=1)
    pdf.setTitle(f"QR-bill {invoice.period:%Y-%m}")
    renderPDF.draw(payment_part(qr_bill(invoice, customer)), pdf, 0, 0)
    pdf.showPage()
    pdf.save()
    return out.getvalue()
