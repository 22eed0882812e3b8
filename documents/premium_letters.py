"""The letter of a premium invoice, printed from its figures (``premiums.InvoiceData``).

The import of premium invoices (``documents/premium_import.py``) prints here the invoices the
core system sends without their own PDF: the household's address, the month, a line per
person and coverage with its online discount, the amount due, the due date and the QR
reference, and the Swiss QR-bill's payment part at the foot, so the PDF says what the
invoice's page says. Texts are in the active language: callers that write for a customer
wrap the call in ``translation.override(customer.language)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.utils import formats
from django.utils.translation import gettext as _

from core.dates import month_and_year
from core.money import format_chf
from documents import premiums
from documents.pdfs import letter_pdf

if TYPE_CHECKING:
    from accounts.models import Customer


@dataclass(frozen=True)
class InvoiceLetter:
    title: str
    lines: list[str]
    rows: list[tuple[str, str]]
    footer_lines: list[str]


def short_date(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def invoice_title(period: date) -> str:
    """``Facture de prime mars 2026``: the document's title, in the active language."""
    return _("Facture de prime %(month)s") % {"month": month_and_year(period)}


def invoice_letter(customer: Customer, data: premiums.InvoiceData,
                   reference: str) -> InvoiceLetter:
    """Title, lines, table and footer of the invoice of ``data.period`` whose QR reference
    is ``reference``."""
    rows: list[tuple[str, str]] = []
    for line in data.lines:
        person = line.person
        rows.append((f"{person.first_name} {person.last_name} – {line.label}",
                     format_chf(line.gross)))
        if line.discount:
            rows.append(("    " + _("Rabais online"), "-" + format_chf(line.discount)))
    rows.append((_("Primes brutes"), format_chf(data.gross)))
    if data.discount:
        rows.append((_("Rabais online"), "-" + format_chf(data.discount)))
    rows.append(("**" + _("Montant dû"), format_chf(data.total)))
    return InvoiceLetter(
        title=invoice_title(data.period),
        lines=[_("Primes du mois de %(month)s, ménage %(number)s")
               % {"month": month_and_year(data.period), "number": customer.customer_number}],
        rows=rows,
        footer_lines=[_("Payable jusqu'au %(date)s.") % {"date": short_date(data.due_date)},
                      _("Référence QR : %(reference)s")
                      % {"reference": premiums.format_reference(reference)}])


def invoice_pdf(customer: Customer, issue_date: date, data: premiums.InvoiceData,
                reference: str) -> bytes:
    """The invoice as sent to the household: its address, the place and date, the figures,
    and the QR-bill (amount, QR reference) to pay it."""
    letter = invoice_letter(customer, data, reference)
    holder = customer.policy_holder
    recipient = ([f"{holder.first_name} {holder.last_name}", customer.street,
                  f"{customer.postcode} {customer.locality}"] if holder else [])
    date_line = _("%(place)s, le %(date)s") % {"place": customer.locality,
                                               "date": short_date(issue_date)}
    bill = premiums.qr_bill_for(customer, period=data.period, total=data.total,
                                reference=reference)
    return letter_pdf(letter.title, letter.lines, recipient=recipient, date_line=date_line,
                      rows=letter.rows, footer_lines=letter.footer_lines,
                      payment_part=premiums.payment_part(bill))
