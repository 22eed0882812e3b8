"""Field extraction from text lines (PDF text layer or OCR) and an optional QR-bill."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from stdnum import ean, iso11649
from stdnum import iban as stdnum_iban
from stdnum.ch import esr

from .ocr import Line
from .qrbill import QrBill

__all__ = [
    "FIELD_NAMES",
    "Field",
    "fold",
    "parse_amount",
    "find_amounts",
    "find_dates",
    "is_valid_gln",
    "find_glns",
    "find_ibans",
    "find_references",
    "extract_fields",
]

FIELD_NAMES = (
    "amount",
    "currency",
    "invoice_date",
    "provider_gln",
    "invoice_number",
    "iban",
    "reference",
    "provider_name",
    "patient_name",
    "patient_birth_date",
)


@dataclass(frozen=True)
class Field:
    value: object  # Decimal for amount, date for dates, str otherwise
    source: str  # "qr" | "text-layer" | "ocr"
    confidence: float  # 0..1


def fold(text: str) -> str:
    """Lower-case and strip accents: 'Montant dû' -> 'montant du'."""
    nfkd = unicodedata.normalize("NFKD", text)
    return "".join(c for c in nfkd if not unicodedata.combining(c)).lower()


# ------------------------------------------------------------------------ amounts

_AMOUNT_RE = re.compile(
    r"(?<![\d.,'’])(\d{1,3}(?:['’`´ ]\d{3})+|\d{1,9})\s?[.,]\s?(\d{2}|--|-)(?!\d|[.,]\d)"
)


def parse_amount(text: str) -> Decimal | None:
    """Parse one Swiss-formatted amount: 1'234.50, 1’234.50, 1 234,50, 183.45, 183,45, 12.-"""
    m = _AMOUNT_RE.search(text.strip())
    if not m:
        return None
    return _amount_from_match(m)


def _amount_from_match(m: re.Match) -> Decimal | None:
    whole = re.sub(r"\D", "", m.group(1))
    cents = m.group(2)
    cents = "00" if "-" in cents else cents
    try:
        return Decimal(f"{int(whole)}.{cents}")
    except (InvalidOperation, ValueError):
        return None


def find_amounts(text: str) -> list[tuple[Decimal, int, int]]:
    out = []
    for m in _AMOUNT_RE.finditer(text):
        # a date like 14.03.2026 or a time 12.30 h is not an amount
        before = text[max(0, m.start() - 3) : m.start()]
        if re.search(r"\d[.,]$", before):
            continue
        val = _amount_from_match(m)
        if val is not None:
            out.append((val, m.start(), m.end()))
    return out


_STRONG_TOTAL = re.compile(
    r"montant\s*(du|d[uû]|total|a\s*payer|net)|total\s*a\s*payer|totalbetrag|gesamtbetrag|"
    r"rechnungsbetrag|zu\s*bezahlen|importo\s*(totale|dovuto|da\s*pagare)|total[e]?\s*chf|"
    r"total[e]?\s*eur|totale\s*da\s*pagare|endbetrag"
)
_WEAK_TOTAL = re.compile(r"\b(total[e]?|summe|gesamt)\b")
_NOT_TOTAL = re.compile(
    r"sous[\s-]*total|zwischen\s*-?total|sub\s*-?total|taxp|punkte|points?\b|punti|"
    r"\btp\b|\bpt\b|\btva\b|\bmwst\b|\biva\b|acompte|bereits|acconto|anzahlung|rabais|rabatt|"
    r"sconto|\bvpt\b|\btpw\b"
)


def _total_candidates(lines: list[Line]) -> list[tuple[int, int, Decimal, Line]]:
    cands = []
    for idx, ln in enumerate(lines):
        f = fold(ln.text)
        if _NOT_TOTAL.search(f):
            continue
        strong = _STRONG_TOTAL.search(f)
        weak = _WEAK_TOTAL.search(f)
        if not (strong or weak):
            continue
        label_end = (strong or weak).end()
        amounts = [a for a in find_amounts(ln.text) if a[1] >= label_end - 1]
        if not amounts and idx + 1 < len(lines):  # value on the next line
            nxt = lines[idx + 1]
            if not _NOT_TOTAL.search(fold(nxt.text)):
                amounts = find_amounts(nxt.text)
        if not amounts:
            continue
        score = 3 if strong else 2
        cands.append((score, idx, amounts[-1][0], ln))
    return cands


def _extract_amount(lines: list[Line]) -> tuple[Field | None, Field | None]:
    cands = _total_candidates(lines)
    currency = None
    if cands:
        score, _idx, value, ln = max(cands, key=lambda c: (c[0], c[1]))
        conf = (0.97 if score == 3 else 0.9) * _line_conf(ln)
        amount = Field(value, ln.source, round(conf, 3))
        cur = re.search(r"\b(CHF|EUR|Fr\.|SFr\.?)", ln.text)
        if cur:
            code = "EUR" if cur.group(1) == "EUR" else "CHF"
            currency = Field(code, ln.source, round(0.97 * _line_conf(ln), 3))
    else:
        best = None
        for ln in lines:
            f = fold(ln.text)
            if _NOT_TOTAL.search(f) or _BIRTH.search(f) or re.search(r"tel|fax|\+41", f):
                continue
            for val, _s, _e in find_amounts(ln.text):
                if best is None or val > best[0]:
                    best = (val, ln)
        if best is None:
            return None, None
        amount = Field(best[0], best[1].source, round(0.5 * _line_conf(best[1]), 3))
    if currency is None:
        alltext = " ".join(ln.text for ln in lines)
        has_eur, has_chf = "EUR" in alltext, "CHF" in alltext or "Fr." in alltext
        code = "EUR" if has_eur and not has_chf else "CHF"
        currency = Field(code, amount.source, 0.8 if (has_eur or has_chf) else 0.6)
    return amount, currency


# ------------------------------------------------------------------------ dates

_MONTHS = {
    # fr
    "janvier": 1,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
    # de
    "januar": 1,
    "janner": 1,
    "februar": 2,
    "marz": 3,
    "maerz": 3,
    "april": 4,
    "juni": 6,
    "juli": 7,
    "august": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "dezember": 12,
    # it
    "gennaio": 1,
    "febbraio": 2,
    "marzo": 3,
    "aprile": 4,
    "maggio": 5,
    "giugno": 6,
    "luglio": 7,
    "agosto": 8,
    "settembre": 9,
    "ottobre": 10,
    "dicembre": 12,
}
_NUM_DATE = re.compile(
    r"(?<![\d.,])(\d{1,2})\s?([./-]|,)\s?(\d{1,2})\s?\2\s?(\d{4}|\d{2})(?![\d]|[.,]\d)"
)
_LONG_DATE = re.compile(
    r"(?<!\d)(\d{1,2})(?:er|°)?\.?\s*("
    + "|".join(sorted(_MONTHS, key=len, reverse=True))
    + r")\.?\s+(\d{4})(?!\d)"
)


def _year(y: str, today: date) -> int:
    if len(y) == 4:
        return int(y)
    yy = int(y)
    return 2000 + yy if 2000 + yy <= today.year + 1 else 1900 + yy


def find_dates(text: str, *, today: date | None = None) -> list[tuple[date, int, int]]:
    """All valid dates in the text (dd.mm.yyyy, dd.mm.yy, d. Monat yyyy in fr/de/it)."""
    today = today or date.today()
    out = []
    for m in _NUM_DATE.finditer(text):
        try:
            out.append(
                (
                    date(_year(m.group(4), today), int(m.group(3)), int(m.group(1))),
                    m.start(),
                    m.end(),
                )
            )
        except ValueError:
            continue
    folded = fold(text)  # same length for Latin text after NFKD stripping? not guaranteed
    if len(folded) != len(text):
        folded = text.lower()
    for m in _LONG_DATE.finditer(folded):
        try:
            out.append(
                (date(int(m.group(3)), _MONTHS[m.group(2)], int(m.group(1))), m.start(), m.end())
            )
        except (ValueError, KeyError):
            continue
    out.sort(key=lambda d: d[1])
    return out


_BIRTH = re.compile(r"naissance|\bnee?\b|\bne\(e\)|geburt|\bgeb\b|nascita|\bnat[oa]\b|nato/a")
_TREATMENT = re.compile(
    r"traitement|behandlung|trattamento|periode|zeitraum|\bdu\b.*\bau\b|\bvom\b|\bdal\b"
)
_INVOICE_DATE = re.compile(
    r"date\s*(de\s*(la\s*)?)?facture|rechnungsdatum|data\s*(della\s*)?fattura|"
    r"facture\s*du|rechnung\s*vom|fattura\s*del|^\s*(date|datum|data)\b"
)
_CITY_DATE = re.compile(r"^[A-ZÀ-Ý][\w .'’-]{1,30},\s*(le\s+|il\s+|den\s+)?\d")


def _extract_invoice_date(lines: list[Line], today: date) -> Field | None:
    best = None
    for idx, ln in enumerate(lines):
        f = fold(ln.text)
        if _BIRTH.search(f):
            continue
        dates = find_dates(ln.text, today=today)
        if not dates:
            continue
        if _INVOICE_DATE.search(f) and not _TREATMENT.search(f):
            score = 3
        elif _CITY_DATE.search(ln.text.strip()) or re.search(r",\s*(le|il|den)\s+\d", f):
            score = 2.5
        else:
            continue
        cand = (score, -idx, dates[0][0], ln)
        if best is None or cand[:2] > best[:2]:
            best = cand
    if best:
        return Field(best[2], best[3].source, round(0.95 * _line_conf(best[3]), 3))
    # fallback: latest plausible date that is not a birth date
    pool = []
    for ln in lines:
        if _BIRTH.search(fold(ln.text)):
            continue
        for d, _s, _e in find_dates(ln.text, today=today):
            if date(2000, 1, 1) <= d <= today:
                pool.append((d, ln))
    if not pool:
        return None
    d, ln = max(pool, key=lambda x: x[0])
    return Field(d, ln.source, round(0.5 * _line_conf(ln), 3))


def _extract_birth_date(lines: list[Line], today: date) -> Field | None:
    for idx, ln in enumerate(lines):
        f = fold(ln.text)
        m = _BIRTH.search(f)
        if not m:
            continue
        dates = [d for d in find_dates(ln.text, today=today) if d[2] > m.start()]
        if not dates and idx + 1 < len(lines):
            dates = find_dates(lines[idx + 1].text, today=today)
        for d, _s, _e in dates:
            if date(1900, 1, 1) <= d <= today:
                return Field(d, ln.source, round(0.95 * _line_conf(ln), 3))
    return None


# ------------------------------------------------------------------------ identifiers

_OCR_DIGITS = str.maketrans(
    {"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "|": "1", "S": "5", "B": "8", "Z": "2"}
)


def is_valid_gln(value: str) -> bool:
    """GLN: 13 digits, Swiss ones start with 76, EAN-13 check digit."""
    return bool(re.fullmatch(r"76\d{11}", value)) and ean.is_valid(value)


def find_glns(text: str) -> list[tuple[str, int]]:
    out = []
    for m in re.finditer(r"(?<![\w])([0-9OoDIl|SBZ](?:\s?[0-9OoDIl|SBZ]){12})(?![\w])", text):
        cand = re.sub(r"\s", "", m.group(1)).translate(_OCR_DIGITS)
        if sum(c.isdigit() for c in m.group(1)) < 10:
            continue
        if is_valid_gln(cand):
            out.append((cand, m.start()))
    return out


_INSURER = re.compile(r"assur|versicher|assicura|insurer|kasse|patient|pazient|\bean\b")


def _extract_gln(lines: list[Line]) -> Field | None:
    labelled, other = [], []
    for ln in lines:
        f = fold(ln.text)
        for gln, pos in find_glns(ln.text):
            prefix = f[max(0, pos - 40) : pos]
            if _INSURER.search(prefix.split("gln")[-1] if "gln" in prefix else prefix):
                continue
            if _INSURER.search(prefix) and "gln" not in prefix:
                continue
            (labelled if "gln" in prefix else other).append((gln, ln))
    pick = labelled or other
    if not pick:
        return None
    gln, ln = pick[0]
    return Field(gln, ln.source, round(max(0.9, _line_conf(ln)) if labelled else 0.7, 3))


_IBAN_RE = re.compile(r"(?<![A-Z0-9])((?:CH|LI)\s?\d{2}(?:[\s.,]?[0-9A-Z]){17})(?![0-9])")


def find_ibans(text: str) -> list[str]:
    out = []
    for m in _IBAN_RE.finditer(text.upper()):
        cand = re.sub(r"[\s.,]", "", m.group(1))
        if stdnum_iban.is_valid(cand) and cand not in out:
            out.append(cand)
    return out


def find_references(text: str) -> list[tuple[str, str]]:
    """(type, compact reference) for QR references (27 digits) and ISO 11649 RF references."""
    out = []
    for m in re.finditer(r"(?<!\d)(\d{2}(?:\s?\d{5}){5})(?!\d)", text):
        ref = re.sub(r"\s", "", m.group(1))
        if esr.is_valid(ref):
            out.append(("QRR", ref))
    for m in re.finditer(r"\bRF\s?[0-9OGISBZ]{2}(?:\s?[0-9A-Z]{1,4}){1,6}", text.upper()):
        raw = m.group(0)
        groups = raw.split()
        # try the longest prefix of 4-char groups that validates
        for k in range(len(groups), 0, -1):
            cand = "".join(groups[:k])
            if not 5 <= len(cand) <= 25:
                continue
            # OCR confuses O/0, I/1 and S/5 inside references; the check digits arbitrate
            fixed = cand[:2] + cand[2:4].translate(_OCR_DIGITS).replace("G", "6") + cand[4:]
            variants = [cand, fixed, fixed[:4] + fixed[4:].replace("O", "0")]
            hit = next((v for v in variants if iso11649.is_valid(v)), None)
            if hit:
                out.append(("SCOR", hit))
                break
    return out


# ------------------------------------------------------------------------ free text fields

_INVOICE_NO = re.compile(
    r"(?:n\s?[°º*o'.]?\s*(?:de\s+)?(?:la\s+)?facture|facture\s*(?:n\s?[°º*o'.]?|no\.?|nr\.?)|"
    r"num[eé]ro\s*(?:de\s+)?facture|rechnungs?\s*-?\s*(?:nummer|nr\.?|no\.?)|"
    r"rechnung\s*(?:nr\.?|no\.?|n\s?[°º])|numero\s*(?:della\s+)?fattura|"
    r"fattura\s*(?:n\s?[°º.]?|nr\.?|no\.?)|n\.\s*fattura|invoice\s*(?:no\.?|number|nr\.?))"
    r"\s*[:.;,]?\s*([A-Z0-9][A-Z0-9/._-]{2,24})",
    re.IGNORECASE,
)


_INVOICE_NO_LOOSE = re.compile(
    r"(?<![a-z])(facture|rechnung|fattura)\s*[:;,.]\s*([A-Z0-9][A-Z0-9/._-]{2,24})", re.IGNORECASE
)
_DATE_WORD = re.compile(r"(date|datum|data)\W*(de\s+|della\s+|der\s+)?(la\s+)?$", re.IGNORECASE)


def _invoice_number_value(raw: str) -> str | None:
    value = raw.rstrip("._-/")
    if not re.search(r"\d", value) or _NUM_DATE.fullmatch(value):
        return None
    return value


def _extract_invoice_number(lines: list[Line]) -> Field | None:
    for ln in lines:
        m = _INVOICE_NO.search(ln.text)
        value = _invoice_number_value(m.group(1)) if m else None
        if value:
            return Field(value, ln.source, round(0.93 * _line_conf(ln), 3))
    for ln in lines:  # OCR mangled the "N°" of the label
        for m in _INVOICE_NO_LOOSE.finditer(ln.text):
            if _DATE_WORD.search(ln.text[: m.start()]):
                continue
            value = _invoice_number_value(m.group(2))
            if value:
                return Field(value, ln.source, round(0.7 * _line_conf(ln), 3))
    return None


_PATIENT = re.compile(r"\b(?:patient(?:e|in)?|paziente|patient/in)\b\s*[:.]?\s*(.+)", re.I)
_NAME_RE = re.compile(r"^((?:[A-ZÀ-Ýa-zß-ÿ][\w'’.-]*)(?:\s[A-ZÀ-Ýa-zß-ÿ][\w'’.-]*){1,3})")


def _clean_name(text: str) -> str | None:
    text = text.split("  ")[0].strip(" :,;.-|=_*'\"")
    m = _NAME_RE.match(text)
    if not m:
        return None
    name = m.group(1).strip()
    if sum(c.isalpha() for c in name) < 4 or any(c.isdigit() for c in name):
        return None
    return name


def _extract_patient(lines: list[Line]) -> Field | None:
    for ln in lines:
        m = _PATIENT.search(ln.text)
        if not m:
            continue
        if _BIRTH.search(fold(m.group(1))) or re.match(r"\s*(nr|no|n°)", m.group(1), re.I):
            continue
        name = _clean_name(m.group(1))
        if name:
            return Field(name, ln.source, round(0.9 * _line_conf(ln), 3))
    return None


_PROVIDER_HINT = re.compile(
    r"\b(dr|dre|dr\.ssa|med|cabinet|praxis|studio|centre|centro|zentrum|physio\w*|fisio\w*|"
    r"clinique|klinik|clinica|spital|hopital|ospedale|apotheke|pharmacie|farmacia|sarl|gmbh|"
    r"sa|ag|gemeinschaftspraxis|medical|medizin\w*|labor\w*|laboratoire)\b"
)
_NOT_PROVIDER = re.compile(
    r"\b(tel|fax|gln|iban|facture|rechnung|fattura|www|e-?mail|rue|strasse|via|avenue|chemin|"
    r"weg|gasse|corso|viale)\b|@|\d{4}\s+\w"
)


def _extract_provider_name(lines: list[Line]) -> Field | None:
    head = [ln for ln in lines if ln.page == 0][:8]
    cands = []
    for pos, ln in enumerate(head):
        t = ln.text.split("  ")[0].strip(" |:;,.-_=*'\"")
        f = fold(t)
        if len(t) < 4 or _NOT_PROVIDER.search(f) or ln.conf < 0.45:
            continue
        letters = sum(c.isalpha() for c in t)
        if letters < 0.6 * len(t.replace(" ", "")):
            continue
        score = (2 if _PROVIDER_HINT.search(f) else 1) - pos * 0.1
        cands.append((score, t, ln))
    if not cands:
        return None
    score, t, ln = max(cands, key=lambda c: c[0])
    conf = (0.85 if score >= 1.5 else 0.6) * _line_conf(ln)
    return Field(t, ln.source, round(conf, 3))


# ------------------------------------------------------------------------ orchestration


def _line_conf(ln: Line) -> float:
    return max(0.0, min(1.0, ln.conf))


def extract_fields(
    lines: list[Line], qr: QrBill | None = None, *, today: date | None = None
) -> dict[str, Field | None]:
    """Extract the invoice fields; QR-bill values win over text values."""
    today = today or date.today()
    fields: dict[str, Field | None] = dict.fromkeys(FIELD_NAMES)
    fields["amount"], fields["currency"] = _extract_amount(lines)
    fields["invoice_date"] = _extract_invoice_date(lines, today)
    fields["patient_birth_date"] = _extract_birth_date(lines, today)
    fields["provider_gln"] = _extract_gln(lines)
    fields["invoice_number"] = _extract_invoice_number(lines)
    fields["patient_name"] = _extract_patient(lines)
    fields["provider_name"] = _extract_provider_name(lines)

    for ln in lines:
        if fields["iban"] is None:
            ibans = find_ibans(ln.text)
            if ibans:
                fields["iban"] = Field(ibans[0], ln.source, round(max(0.9, _line_conf(ln)), 3))
        if fields["reference"] is None:
            refs = find_references(ln.text)
            if refs:
                fields["reference"] = Field(
                    refs[0][1], ln.source, round(max(0.9, _line_conf(ln)), 3)
                )

    if qr is not None:
        if qr.amount is not None:
            fields["amount"] = Field(qr.amount, "qr", 0.99)
        fields["currency"] = Field(qr.currency, "qr", 0.99)
        fields["iban"] = Field(qr.iban, "qr", 0.99)
        fields["reference"] = Field(qr.reference, "qr", 0.99) if qr.reference else None
        fields["provider_name"] = Field(qr.creditor.name, "qr", 0.95)
        if fields["patient_name"] is None and qr.debtor is not None:
            fields["patient_name"] = Field(qr.debtor.name, "qr", 0.6)
    return fields
