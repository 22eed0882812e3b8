"""Find, decode and validate Swiss QR-bill ("SPC") payloads.

Payload layout per SIX "Swiss Implementation Guidelines QR-bill" v2.x (version 0200).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Literal, overload

import numpy as np
import zxingcpp
from PIL import Image
from stdnum import iban as stdnum_iban
from stdnum import iso11649
from stdnum.ch import esr

from core import iban as core_iban

from .errors import QrBillError

__all__ = [
    "Address",
    "QrBill",
    "QrFound",
    "decode_qr_payloads",
    "find_qr_bill",
    "read_qr_bill",
    "is_qr_iban",
    "parse_spc",
]

_AMOUNT_RE = re.compile(r"^\d{1,9}\.\d{2}$")


@dataclass(frozen=True)
class Address:
    address_type: str  # "S" (structured) or "K" (combined lines)
    name: str
    street: str = ""  # S: street name;   K: address line 1
    building: str = ""  # S: house number; K: address line 2 (postcode + town)
    postcode: str = ""
    town: str = ""
    country: str = ""

    @property
    def lines(self) -> list[str]:
        if self.address_type == "K":
            return [x for x in (self.name, self.street, self.building) if x]
        street = " ".join(x for x in (self.street, self.building) if x)
        town = " ".join(x for x in (self.postcode, self.town) if x)
        return [x for x in (self.name, street, town) if x]


@dataclass(frozen=True)
class QrBill:
    version: str
    iban: str
    creditor: Address
    amount: Decimal | None
    currency: str
    debtor: Address | None
    reference_type: str  # QRR | SCOR | NON
    reference: str
    message: str = ""
    billing_information: str = ""
    alternative_procedures: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_qr_iban(self) -> bool:
        return is_qr_iban(self.iban)


def is_qr_iban(iban: str) -> bool:
    """QR-IBAN: CH/LI IBAN whose institution id (positions 5-9) is 30000-31999."""
    return core_iban.is_qr_iban(iban)


@overload
def _address(lines: list[str], what: str, *, optional: Literal[False]) -> Address: ...
@overload
def _address(lines: list[str], what: str, *, optional: Literal[True]) -> Address | None: ...
def _address(lines: list[str], what: str, *, optional: bool) -> Address | None:
    adr_type, name, l1, l2, pcode, town, country = lines
    if not any(lines):
        if optional:
            return None
        raise QrBillError(f"QR-bill: {what} address is missing")
    if adr_type not in ("S", "K"):
        raise QrBillError(f"QR-bill: {what} address type must be S or K, got {adr_type!r}")
    if not name:
        raise QrBillError(f"QR-bill: {what} name is missing")
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise QrBillError(f"QR-bill: {what} country must be a 2-letter code, got {country!r}")
    if adr_type == "K":
        if pcode or town:
            raise QrBillError(f"QR-bill: {what} address type K must not have postcode/town")
        if not l2:
            raise QrBillError(f"QR-bill: {what} address type K needs address line 2")
        return Address("K", name, l1, l2, "", "", country)
    if not pcode or not town:
        raise QrBillError(f"QR-bill: {what} address type S needs postcode and town")
    return Address("S", name, l1, l2, pcode, town, country)


def _payload_lines(payload: object) -> list[str]:
    """The payload's lines (CR LF, LF or CR), trailing empty lines tolerated; 31 to 34."""
    if not isinstance(payload, str) or not payload.startswith("SPC"):
        raise QrBillError("QR code is not a Swiss QR-bill (no 'SPC' header)")
    lines = [ln.strip() for ln in re.split(r"\r\n|\n|\r", payload.lstrip("\ufeff"))]
    while lines and lines[-1] == "" and len(lines) > 31:
        lines.pop()
    if len(lines) < 31:
        raise QrBillError(f"QR-bill: payload has {len(lines)} lines, at least 31 expected")
    if len(lines) > 34:
        raise QrBillError(f"QR-bill: payload has {len(lines)} lines, at most 34 expected")
    return lines


def _check_header(lines: list[str]) -> str:
    """The version, after checking the "SPC" tag and the coding type."""
    if lines[0] != "SPC":
        raise QrBillError("QR-bill: first line must be 'SPC'")
    if not re.fullmatch(r"02\d\d", lines[1]):
        raise QrBillError(f"QR-bill: unsupported version {lines[1]!r}")
    if lines[2] != "1":
        raise QrBillError(f"QR-bill: unsupported coding type {lines[2]!r}")
    return lines[1]


def _account(raw: str) -> str:
    iban = stdnum_iban.compact(raw)
    if iban[:2] not in ("CH", "LI"):
        raise QrBillError(f"QR-bill: IBAN must be Swiss or Liechtenstein, got {iban[:2]!r}")
    if not stdnum_iban.is_valid(iban):
        raise QrBillError("QR-bill: IBAN check digits are wrong")
    return iban


def _amount(raw: str) -> Decimal | None:
    if not raw:
        return None  # an open amount: the payer fills it in
    if not _AMOUNT_RE.match(raw):
        raise QrBillError(f"QR-bill: invalid amount {raw!r}")
    try:
        amount = Decimal(raw)
    except InvalidOperation as exc:  # pragma: no cover - regex guards
        raise QrBillError(f"QR-bill: invalid amount {raw!r}") from exc
    if amount > Decimal("999999999.99"):
        raise QrBillError("QR-bill: amount too large")
    return amount


def _currency(raw: str) -> str:
    if raw not in ("CHF", "EUR"):
        raise QrBillError(f"QR-bill: currency must be CHF or EUR, got {raw!r}")
    return raw


def _qr_reference(ref: str, qr_iban: bool) -> str:
    if not qr_iban:
        raise QrBillError("QR-bill: reference type QRR requires a QR-IBAN")
    if not re.fullmatch(r"\d{27}", ref):
        raise QrBillError("QR-bill: QR reference must have 27 digits")
    if not esr.is_valid(ref):
        raise QrBillError("QR-bill: QR reference check digit is wrong")
    return ref


def _creditor_reference(ref: str, qr_iban: bool) -> str:
    if qr_iban:
        raise QrBillError("QR-bill: a QR-IBAN may only be used with a QR reference (QRR)")
    if not iso11649.is_valid(ref):
        raise QrBillError("QR-bill: creditor reference (ISO 11649) is invalid")
    return str(iso11649.compact(ref))


def _no_reference(ref: str, qr_iban: bool) -> str:
    if qr_iban:
        raise QrBillError("QR-bill: a QR-IBAN may only be used with a QR reference (QRR)")
    if ref:
        raise QrBillError("QR-bill: reference type NON must not have a reference")
    return ""


_REFERENCES = {"QRR": _qr_reference, "SCOR": _creditor_reference, "NON": _no_reference}


def _reference(ref_type: str, raw: str, iban: str) -> str:
    check = _REFERENCES.get(ref_type)
    if check is None:
        raise QrBillError(f"QR-bill: unknown reference type {ref_type!r}")
    return check(raw.replace(" ", ""), is_qr_iban(iban))


def parse_spc(payload: str) -> QrBill:
    """Parse and validate a Swiss QR-bill payload. Raises QrBillError when invalid."""
    lines = _payload_lines(payload)
    version = _check_header(lines)
    iban = _account(lines[3])
    creditor = _address(lines[4:11], "creditor", optional=False)
    if any(lines[11:18]):
        raise QrBillError("QR-bill: ultimate creditor fields must be empty")
    amount = _amount(lines[18])
    currency = _currency(lines[19])
    debtor = _address(lines[20:27], "debtor", optional=True)
    reference = _reference(lines[27], lines[28], iban)
    if lines[30] != "EPD":
        raise QrBillError("QR-bill: trailer 'EPD' missing")
    return QrBill(
        version=version,
        iban=iban,
        creditor=creditor,
        amount=amount,
        currency=currency,
        debtor=debtor,
        reference_type=lines[27],
        reference=reference,
        message=lines[29],
        billing_information=lines[31] if len(lines) > 31 else "",
        alternative_procedures=tuple(x for x in lines[32:34] if x),
    )


def _to_array(image: Image.Image) -> np.ndarray:
    if image.mode not in ("L", "RGB"):
        image = image.convert("L")
    return np.asarray(image)


def _decode(images: list[Image.Image]) -> list[tuple[str, int]]:
    """The distinct QR code texts in the images (first hit order), each with the clockwise
    turn (0/90/180/270) that makes its symbol upright."""
    found: dict[str, int] = {}
    # Built per call: a module-level instance outlives the binding at exit and is reported.
    qr_codes_only = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    for img in images:
        variants = [img]
        longest = max(img.size)
        if longest > 1800:
            scale = 1400 / longest
            variants.append(img.resize((int(img.width * scale), int(img.height * scale))))
        for variant in variants:
            try:
                results = zxingcpp.read_barcodes(_to_array(variant), formats=qr_codes_only)
            except Exception:  # noqa: BLE001 - zxing errors must never break intake
                continue
            for res in results:
                if res.valid and res.text and res.text not in found:
                    found[res.text] = round(-int(res.orientation) / 90) * 90 % 360
            if any(t.startswith("SPC") for t in found):
                return list(found.items())
    return list(found.items())


def decode_qr_payloads(images: list[Image.Image]) -> list[str]:
    """Return the distinct QR code texts found in any of the images (first hit order)."""
    return [text for text, _turn in _decode(images)]


@dataclass(frozen=True)
class QrFound:
    """What a look for the QR-bill found: the bill, its payload, the clockwise turn that makes
    its page upright, and why the SPC codes that were not valid QR-bills were refused."""

    bill: QrBill | None
    payload: str = ""
    turn: int = 0
    warnings: tuple[str, ...] = ()


def read_qr_bill(images: list[Image.Image]) -> QrFound:
    warnings: list[str] = []
    for text, turn in _decode(images):
        if not text.startswith("SPC"):
            continue
        try:
            return QrFound(parse_spc(text), text, turn, tuple(warnings))
        except QrBillError as exc:
            warnings.append(exc.message)
    return QrFound(None, warnings=tuple(warnings))


def find_qr_bill(images: list[Image.Image]) -> tuple[QrBill | None, list[str]]:
    """Decode QR codes from candidate images; returns (bill or None, warnings)."""
    found = read_qr_bill(images)
    return found.bill, list(found.warnings)
