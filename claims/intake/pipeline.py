"""Public entry point: ``read_invoice(bytes) -> InvoiceReading``."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .errors import IntakeError
from .extraction import FIELD_NAMES, Field, extract_fields
from .normalise import Page, load_pages, normalise_image
from .ocr import Line, lines_from_text, ocr_image
from .qrbill import QrBill, find_qr_bill

__all__ = ["InvoiceReading", "read_invoice", "reading_as_json"]

PRIMARY_PSM = int(os.environ.get("INTAKE_OCR_PSM", "6"))  # Tesseract page segmentation
SECONDARY_PSM = 3
RETRY_FIELDS = (
    "amount",
    "invoice_date",
    "invoice_number",
    "patient_name",
    "patient_birth_date",
    "provider_gln",
)


@dataclass
class InvoiceReading:
    fields: dict[str, Field | None]
    qr_bill: QrBill | None
    pages: int
    timings_ms: dict[str, float]
    warnings: list[str] = field(default_factory=list)
    text: str = ""  # all text used for extraction, pages separated by form feed
    filename: str = ""

    def value(self, name: str):
        f = self.fields.get(name)
        return None if f is None else f.value


class _Timer:
    def __init__(self) -> None:
        self.ms: dict[str, float] = {}

    def add(self, step: str, started: float) -> None:
        self.ms[step] = round(self.ms.get(step, 0.0) + (time.perf_counter() - started) * 1000, 1)


def read_invoice(data: bytes, *, filename: str = "") -> InvoiceReading:
    """Read one uploaded invoice (PDF, JPEG, PNG or HEIC bytes).

    Raises IntakeError (or a subclass) when the file cannot be read at all, and
    TransientIntakeError (a subclass) for failures worth retrying (OCR timeout).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise IntakeError("read_invoice expects the raw bytes of the upload.")
    data = bytes(data)
    timer = _Timer()
    warnings: list[str] = []

    t = time.perf_counter()
    pages: list[Page] = load_pages(data, normalise=False)
    timer.add("decode", t)

    t = time.perf_counter()
    for page in pages:
        if page.has_text_layer:
            page.image = page.original.convert("L")
            continue
        page.image, info = normalise_image(page.original)
        page.rotation, page.skew = info["rotation"], info["skew"]
        page.perspective_fixed = info["perspective_fixed"]
        if page.rotation:
            warnings.append(f"page {page.index + 1}: rotated {page.rotation}° to read it")
    timer.add("normalise", t)

    # QR-bill: the payment part is usually on the last page
    t = time.perf_counter()
    qr, qr_warnings = None, []
    for page in reversed(pages):
        qr, qr_warnings = find_qr_bill([page.original, page.image])
        if qr is not None or qr_warnings:
            break
    warnings.extend(qr_warnings)
    timer.add("qr", t)

    t = time.perf_counter()
    lines: list[Line] = []
    for page in pages:
        if page.has_text_layer:
            lines.extend(lines_from_text(page.text_layer, page=page.index))
        else:
            result = ocr_image(page.image, page=page.index, psm=PRIMARY_PSM)
            if result.words and result.mean_conf < 0.5:
                warnings.append(
                    f"page {page.index + 1}: low OCR confidence ({result.mean_conf:.2f})"
                )
            lines.extend(result.lines)
    timer.add("ocr", t)

    t = time.perf_counter()
    fields = extract_fields(lines, qr)
    timer.add("extract", t)

    # Tesseract's page segmentation sometimes drops a column; a second pass that reads the
    # page as one uniform block usually recovers it. Only missing fields are filled from it.
    missing = [n for n in RETRY_FIELDS if fields.get(n) is None]
    ocr_pages = [p for p in pages if not p.has_text_layer]
    if missing and ocr_pages:
        t = time.perf_counter()
        extra: list[Line] = []
        for page in ocr_pages:
            extra.extend(ocr_image(page.image, page=page.index, psm=SECONDARY_PSM).lines)
        timer.add("ocr", t)
        t = time.perf_counter()
        second = extract_fields(extra, qr)
        for name in missing:
            if second.get(name) is not None:
                fields[name] = second[name]
        lines = lines + extra
        timer.add("extract", t)

    t = time.perf_counter()
    if not any(ln.text.strip() for ln in lines) and qr is None:
        warnings.append("no text found on any page")
    text_fields = extract_fields(lines) if qr is not None and qr.amount is not None else None
    if text_fields and text_fields["amount"] and text_fields["amount"].value != qr.amount:
        warnings.append(
            f"QR-bill amount {qr.amount} differs from the printed total "
            f"{text_fields['amount'].value}"
        )
    for name in ("amount", "invoice_date", "provider_gln"):
        if fields.get(name) is None:
            warnings.append(f"{name} not found")
    timer.add("extract", t)

    return InvoiceReading(
        fields=fields,
        qr_bill=qr,
        pages=len(pages),
        timings_ms=timer.ms,
        warnings=warnings,
        text="\f".join("\n".join(ln.text for ln in lines if ln.page == p.index) for p in pages),
        filename=filename,
    )


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return f"{value.quantize(Decimal('0.01'))}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def reading_as_json(reading: InvoiceReading, file_label: str) -> dict:
    """The ``manage.py extract_invoice FILE --json`` shape; unknown fields are null."""
    out: dict = {"file": file_label}
    for name in FIELD_NAMES:
        f = reading.fields.get(name)
        out[name] = (
            None
            if f is None
            else {
                "value": _json_value(f.value),
                "confidence": round(float(f.confidence), 2),
                "source": f.source,
            }
        )
    return out
