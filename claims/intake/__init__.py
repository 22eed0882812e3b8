"""Invoice intake pipeline: bytes of an upload -> extracted invoice fields.

Public API::

    from claims.intake import read_invoice, reading_as_json, IntakeError, TransientIntakeError
"""

from .errors import (
    CorruptFileError,
    EncryptedPdfError,
    ImageTooLargeError,
    IntakeError,
    QrBillError,
    TooManyPagesError,
    TransientIntakeError,
    UnsupportedFormatError,
)
from .extraction import FIELD_NAMES, Field
from .notes import Note
from .pipeline import InvoiceReading, read_invoice, reading_as_json, reread_invoice
from .qrbill import Address, QrBill, parse_spc

__all__ = [
    "FIELD_NAMES",
    "Address",
    "CorruptFileError",
    "EncryptedPdfError",
    "Field",
    "ImageTooLargeError",
    "IntakeError",
    "InvoiceReading",
    "Note",
    "QrBill",
    "QrBillError",
    "TooManyPagesError",
    "TransientIntakeError",
    "UnsupportedFormatError",
    "parse_spc",
    "read_invoice",
    "reading_as_json",
    "reread_invoice",
]
