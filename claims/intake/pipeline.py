"""Public entry point: ``read_invoice(bytes) -> InvoiceReading``, the chain of ``steps``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from .chain import StepRecord, run_steps, totals_ms
from .errors import IntakeError
from .extraction import FIELD_NAMES, Field
from .notes import Note
from .qrbill import QrBill
from .steps import FILE_STEPS, IntakeContext, resume_steps

__all__ = ["InvoiceReading", "read_invoice", "reread_invoice", "reading_as_json"]


@dataclass
class InvoiceReading:
    fields: dict[str, Field | None]
    qr_bill: QrBill | None
    pages: int
    timings_ms: dict[str, float]
    notes: list[Note] = field(default_factory=list)
    text: str = ""  # all text used for extraction, pages separated by form feed
    filename: str = ""
    steps: list[StepRecord] = field(default_factory=list)
    # what the steps after the OCR need to run again without the images (steps.IntakeContext)
    snapshot: dict[str, Any] = field(default_factory=dict)

    @property
    def warnings(self) -> list[str]:
        """The notes in English, for the command line and the logs."""
        return [note.english() for note in self.notes]

    @property
    def cpu_ms(self) -> dict[str, float]:
        return totals_ms(self.steps, "cpu_ms")

    def value(self, name: str) -> object:
        f = self.fields.get(name)
        return None if f is None else f.value


def _reading(ctx: IntakeContext) -> InvoiceReading:
    pages = range(ctx.page_count)
    return InvoiceReading(
        fields=ctx.fields,
        qr_bill=ctx.qr,
        pages=ctx.page_count,
        timings_ms=totals_ms(ctx.records),
        notes=list(ctx.notes),
        text="\f".join("\n".join(ln.text for ln in ctx.lines if ln.page == p) for p in pages),
        filename=ctx.filename,
        steps=list(ctx.records),
        snapshot=ctx.snapshot(),
    )


def read_invoice(data: bytes, *, filename: str = "", today: date | None = None) -> InvoiceReading:
    """Read one uploaded invoice (PDF, JPEG, PNG or HEIC bytes).

    Raises IntakeError (or a subclass) when the file cannot be read at all, and
    TransientIntakeError (a subclass) for failures worth retrying (OCR timeout).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise IntakeError("read_invoice expects the raw bytes of the upload.")
    ctx = IntakeContext(data=bytes(data), filename=filename, today=today)
    return _reading(run_steps(ctx, FILE_STEPS))


def reread_invoice(snapshot: dict[str, Any], *, filename: str = "",
                   today: date | None = None) -> InvoiceReading:
    """Run the steps after the OCR again on a stored snapshot (``InvoiceReading.snapshot``):
    after an improvement of the extraction, without decoding or OCR-ing the file again."""
    ctx = IntakeContext.from_snapshot(snapshot, before="layout")
    ctx.filename, ctx.today = filename, today
    return _reading(run_steps(ctx, resume_steps("layout")))


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return f"{value.quantize(Decimal('0.01'))}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def reading_as_json(reading: InvoiceReading, file_label: str) -> dict[str, Any]:
    """The ``manage.py extract_invoice FILE --json`` shape; unknown fields are null."""
    out: dict[str, Any] = {"file": file_label}
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
