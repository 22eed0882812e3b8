"""Find, decode and validate Swiss QR-bill ("SPC") payloads.

Payload layout per SIX "Swiss Implementation Guidelines QR-bill" v2.x (version 0200).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import numpy as np
import zxingcpp
from PIL import Image
from stdnum import iban as stdnum_iban
from stdnum import iso11649
from stdnum.ch import esr

from .errors import QrBillError

__all__ = [
    "Address",
    "QrBill",
    "decode_qr_payloads",
    "find_qr_bill",
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
    compact = stdnum_iban.compact(iban)
    if len(compact) < 9 or compact[:2] not in ("CH", "LI"):
        return False
    try:
        iid = int(compact[4:9])
    except ValueError:
        return False
    return 30000 <= iid <= 31999


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


def parse_spc(payload: str) -> QrBill:
    """Parse and validate a Swiss QR-bill payload. Raises QrBillError when invalid."""
    if not isinstance(payload, str) or not payload.startswith("SPC"):
        raise QrBillError("QR code is not a Swiss QR-bill (no 'SPC' header)")
    text = payload.lstrip("\ufeff")
    lines = [ln.strip() for ln in re.split(r"\r\n|\n|\r", text)]
    # trailing empty lines (final newline) are tolerated
    while lines and lines[-1] == "" and len(lines) > 31:
        lines.pop()
    if len(lines) < 31:
        raise QrBillError(f"QR-bill: payload has {len(lines)} lines, at least 31 expected")
    if len(lines) > 34:
        raise QrBillError(f"QR-bill: payload has {len(lines)} lines, at most 34 expected")
    if lines[0] != "SPC":
        raise QrBillError("QR-bill: first line must be 'SPC'")
    version = lines[1]
    if not re.fullmatch(r"02\d\d", version):
        raise QrBillError(f"QR-bill: unsupported version {version!r}")
    if lines[2] != "1":
        raise QrBillError(f"QR-bill: unsupported coding type {lines[2]!r}")

    iban = stdnum_iban.compact(lines[3])
    if iban[:2] not in ("CH", "LI"):
        raise QrBillError(f"QR-bill: IBAN must be Swiss or Liechtenstein, got {iban[:2]!r}")
    if not stdnum_iban.is_valid(iban):
        raise QrBillError("QR-bill: IBAN check digits are wrong")

    creditor = _address(lines[4:11], "creditor", optional=False)
    if any(lines[11:18]):
        raise QrBillError("QR-bill: ultimate creditor fields must be empty")

    amount: Decimal | None = None
    if lines[18]:
        if not _AMOUNT_RE.match(lines[18]):
            raise QrBillError(f"QR-bill: invalid amount {lines[18]!r}")
        try:
            amount = Decimal(lines[18])
        except InvalidOperation as exc:  # pragma: no cover - regex guards
            raise QrBillError(f"QR-bill: invalid amount {lines[18]!r}") from exc
        if amount > Decimal("999999999.99"):
            raise QrBillError("QR-bill: amount too large")
    currency = lines[19]
    if currency not in ("CHF", "EUR"):
        raise QrBillError(f"QR-bill: currency must be CHF or EUR, got {currency!r}")

    debtor = _address(lines[20:27], "debtor", optional=True)

    ref_type, ref = lines[27], lines[28].replace(" ", "")
    qr_iban = is_qr_iban(iban)
    if ref_type == "QRR":
        if not qr_iban:
            raise QrBillError("QR-bill: reference type QRR requires a QR-IBAN")
        if not re.fullmatch(r"\d{27}", ref):
            raise QrBillError("QR-bill: QR reference must have 27 digits")
        if not esr.is_valid(ref):
            raise QrBillError("QR-bill: QR reference check digit is wrong")
    elif ref_type == "SCOR":
        if qr_iban:
            raise QrBillError("QR-bill: a QR-IBAN may only be used with a QR reference (QRR)")
        if not iso11649.is_valid(ref):
            raise QrBillError("QR-bill: creditor reference (ISO 11649) is invalid")
        ref = iso11649.compact(ref)
    elif ref_type == "NON":
        if qr_iban:
            raise QrBillError("QR-bill: a QR-IBAN may only be used with a QR reference (QRR)")
        if ref:
            raise QrBillError("QR-bill: reference type NON must not have a reference")
    else:
        raise QrBillError(f"QR-bill: unknown reference type {ref_type!r}")

    message = lines[29]
    if lines[30] != "EPD":
        raise QrBillError("QR-bill: trailer 'EPD' missing")
    billing = lines[31] if len(lines) > 31 else ""
    alt = tuple(x for x in lines[32:34] if x)
    return QrBill(
        version=version,
        iban=iban,
        creditor=creditor,
        amount=amount,
        currency=currency,
        debtor=debtor,
        reference_type=ref_type,
        reference=ref,
        message=message,
        billing_information=billing,
        alternative_procedures=alt,
    )


def _to_array(image: Image.Image) -> np.ndarray:
    if image.mode not in ("L", "RGB"):
        image = image.convert("L")
    return np.asarray(image)


def decode_qr_payloads(images: list[Image.Image]) -> list[str]:
    """Return the distinct QR code texts found in any of the images (first hit order)."""
    found: list[str] = []
    for img in images:
        variants = [img]
        longest = max(img.size)
        if longest > 1800:
            scale = 1400 / longest
            variants.append(img.resize((int(img.width * scale), int(img.height * scale))))
        for variant in variants:
            try:
                results = zxingcpp.read_barcodes(
                    _to_array(variant), formats=zxingcpp.BarcodeFormat.QRCode
                )
            except Exception:  # zxing errors must never break intake
                continue
            for res in results:
                if res.valid and res.text and res.text not in found:
                    found.append(res.text)
            if any(t.startswith("SPC") for t in found):
                return found
    return found


def find_qr_bill(images: list[Image.Image]) -> tuple[QrBill | None, list[str]]:
    """Decode QR codes from candidate images; returns (bill or None, warnings)."""
    warnings: list[str] = []
    for text in decode_qr_payloads(images):
        if not text.startswith("SPC"):
            continue
        try:
            return parse_spc(text), warnings
        except QrBillError as exc:
            warnings.append(exc.message)
    return None, warnings
