"""A quick first look at an invoice before it is sent: whom does it concern?

The same steps as the reading, on the first page only and without the rescue nor the
cross-check: a PDF's text layer answers in milliseconds, a photo in about one OCR pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .chain import run_steps
from .errors import IntakeError
from .steps import Decode, Extract, IntakeContext, Layout, Normalise, Ocr, ReadQr

__all__ = ["PatientRead", "pre_read_patient"]

PRE_READ_STEPS = (Decode(first=1), ReadQr(), Normalise(), Ocr(), Layout(), Extract())


@dataclass(frozen=True)
class PatientRead:
    """The patient an invoice names: the name as printed, the birth date, each maybe None."""

    name: str | None
    birth: date | None

    @property
    def found(self) -> bool:
        return bool(self.name) or self.birth is not None


def pre_read_patient(data: bytes, *, today: date | None = None) -> PatientRead:
    """The patient named on the invoice's first page. The QR-bill's debtor is not taken: who
    pays is often a parent, not the patient. Raises IntakeError for an unreadable file."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise IntakeError("pre_read_patient expects the raw bytes of the upload.")
    ctx = run_steps(IntakeContext(data=bytes(data), today=today), PRE_READ_STEPS)
    name, birth = ctx.fields.get("patient_name"), ctx.fields.get("patient_birth_date")
    return PatientRead(
        name=str(name.value) if name is not None and name.source != "qr" else None,
        birth=birth.value if birth is not None and isinstance(birth.value, date) else None,
    )
