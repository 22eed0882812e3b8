"""What the intake noticed while reading, as codes with parameters.

The pipeline knows no language: a :class:`Note` carries a code and JSON-able parameters; the
claims app renders it in the advisor's language (``claims.notes``); ``english`` is for the
command line and the logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Note"]

_ENGLISH = {
    "rotated": "page {page}: rotated {degrees}° to read it",
    "low_ocr_confidence": "page {page}: low OCR confidence ({confidence:.2f})",
    "qr_invalid": "a QR code was found but is not a valid QR-bill ({detail})",
    "no_text": "no text found on any page",
    "qr_amount_differs": "QR-bill amount {qr} differs from the printed amount due {printed}",
    "qr_iban_differs": "QR-bill account {qr} differs from the printed IBAN {printed}",
    "field_missing": "{field} not found",
    "unreadable": "the file cannot be read ({detail})",
    "no_page_read": "no page could be read",
    "gave_up": "automatic reading given up ({detail})",
    "step_failed": "automatic reading stopped at step {step}: {detail}",
    "patient_mismatch": "the invoice names {name}{born}; the claim was sent for {insured}",
}


@dataclass(frozen=True)
class Note:
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def english(self) -> str:
        params = dict(self.params)
        if self.code == "patient_mismatch":
            params["born"] = f", born {params['birth']}" if params.get("birth") else ""
        try:
            return _ENGLISH[self.code].format(**params)
        except (KeyError, ValueError, IndexError):
            return f"{self.code} {self.params}"

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, **({"params": self.params} if self.params else {})}
