"""Premium payments and reminders from the core system: a CSV keyed by the QR reference.

Columns: ``qr_reference`` (27 digits, spaces allowed), ``event`` (``paid`` or ``reminded``),
``date`` (dd.mm.yyyy or yyyy-mm-dd) and ``amount`` (CHF, required for ``paid``: it must be
the invoice's total, partial payments stay with the core system). Each row is applied in its
own transaction; a row already applied (same event and date) is skipped, so a re-run after a
crash finishes the job; a bad row is reported with its line number and the batch goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from stdnum.ch import esr

from documents.importing import ManifestError, Row, RowResult, Summary, parse_date, read_csv
from documents.importing import RowError as ManifestRowError
from documents.models import PremiumInvoice

COLUMNS = ["qr_reference", "event", "date", "amount"]
EVENTS = ("paid", "reminded")


class PaymentFileError(Exception):
    """The file as a whole cannot be read (missing, not UTF-8, wrong columns)."""


class RowError(Exception):
    """One row cannot be applied; the message says why."""


def read_rows(path: Path) -> list[tuple[int, Row]]:
    if not path.is_file():
        raise PaymentFileError(f"{path} not found.")
    try:
        return read_csv(path, COLUMNS)
    except ManifestError as exc:
        raise PaymentFileError(str(exc)) from exc
    except UnicodeDecodeError as exc:
        raise PaymentFileError(f"{path.name} is not UTF-8; export it as UTF-8 and run "
                               "again.") from exc


def _amount(raw: str | None) -> Decimal:
    text = (raw or "").strip().replace("'", "").replace("CHF", "").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise RowError(f"amount {raw!r} is not a number") from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise RowError(f"amount {raw!r} must have at most two decimals")
    return amount


def apply_row(line: int, row: Row) -> RowResult:
    """Apply one row in its own transaction."""
    try:
        with transaction.atomic():
            return _apply(line, row)
    except RowError as exc:
        return RowResult(line, "error", str(exc))


def _apply(line: int, row: Row) -> RowResult:
    if row.get(None):
        raise RowError("more fields than columns (a separator inside a value?)")
    reference = "".join((row.get("qr_reference") or "").split())
    if not esr.is_valid(reference):
        raise RowError(f"QR reference {row.get('qr_reference')!r} is not valid")
    event = (row.get("event") or "").strip().lower()
    if event not in EVENTS:
        raise RowError(f"event must be one of {', '.join(EVENTS)}, got {row.get('event')!r}")
    try:
        day = parse_date(row.get("date"))
    except ManifestRowError:
        raise RowError(f"date {row.get('date')!r} is not dd.mm.yyyy or yyyy-mm-dd") from None
    if day > timezone.localdate():
        raise RowError(f"date {day:%d.%m.%Y} is in the future")
    invoice = PremiumInvoice.objects.select_for_update().filter(qr_reference=reference).first()
    if invoice is None:
        raise RowError(f"no premium invoice with the QR reference {reference}")
    if event == "paid":
        amount = _amount(row.get("amount"))
        if amount != invoice.total:
            raise RowError(f"amount {amount} is not the invoice's total {invoice.total}")
        if invoice.paid_on == day:
            return RowResult(line, "skipped", "already recorded")
        if invoice.paid_on is not None:
            raise RowError(f"already paid on {invoice.paid_on:%d.%m.%Y}")
        invoice.paid_on = day
        invoice.save(update_fields=["paid_on"])
    else:
        if invoice.reminded_on == day:
            return RowResult(line, "skipped", "already recorded")
        if invoice.paid_on is not None and invoice.paid_on <= day:
            raise RowError(f"paid on {invoice.paid_on:%d.%m.%Y}, no reminder after that")
        invoice.reminded_on = day
        invoice.save(update_fields=["reminded_on"])
    return RowResult(line, "imported", f"{invoice.period:%m.%Y} {event} {day:%d.%m.%Y}")


def apply_rows(rows: list[tuple[int, Row]],
               progress: Callable[[RowResult], None] | None = None) -> Summary:
    summary = Summary()
    for line, row in rows:
        result = apply_row(line, row)
        summary.add(result)
        if progress:
            progress(result)
    return summary
