"""Field extraction from text lines (PDF text layer or OCR) and an optional QR-bill."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from stdnum import iban as stdnum_iban
from stdnum import iso11649
from stdnum.ch import esr

from .layout import Box, above, below, boxes_from_lines
from .ocr import Line
from .provider import labelled_provider, provider_name
from .qrbill import QrBill
from .values import (
    _INVOICE_NO_LABEL,
    _INVOICE_NO_VALUE,
    _OCR_DIGITS,
    Field,
    _clean_name,
    _invoice_number_value,
    edits,
    find_amounts,
    find_dates,
    find_glns,
    fold,
    is_fax_header,
    is_valid_gln,
    parse_amount,
)
from .window import name_in_window

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


_STRONG_TOTAL = re.compile(
    r"montant\s*(du|d[uû]|total|a\s*payer|net)|total\s*a\s*payer|totalbetrag|gesamtbetrag|"
    r"offener\s*(betrag|saldo)|ausstehender\s*betrag|(montant|solde)\s*ouvert|"
    r"importo\s*(aperto|residuo)|en\s*notre\s*faveur|zu\s*unseren\s*gunsten|a\s*nostro\s*favore|(fallig|zahlbar)er\s*betrag|"
    r"rechnungsbetrag|zu\s*bezahlen|importo\s*(totale|dovuto|da\s*pagare)|total[e]?\s*chf|"
    r"total[e]?\s*eur|totale\s*da\s*pagare|endbetrag"
)
_WEAK_TOTAL = re.compile(r"\b(total[e]?|summe|gesamt|gesamttotal|gesamtsumme)\b")
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
        label = strong or _WEAK_TOTAL.search(f)
        if label is None:
            continue
        label_end = label.end()
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


def _row_amounts(lines: list[Line]) -> list[tuple[Decimal, bool, Line]]:
    """Each row's right-most amount and whether it is printed negative ("-50.00")."""
    out = []
    for ln in lines:
        found = find_amounts(ln.text)
        if found:
            value, start, _end = found[-1]
            out.append((value, ln.text[:start].rstrip().endswith(("-", "–")), ln))
    return out


# a rounding row ("Arrondi -0.02", "Rundung 0.03"): cash amounts round to 0.05 CHF
_ROUNDING = re.compile(r"\b(arrondi|rundung|arrotondamento)")
# a row that opens with a deposit's name, whether or not it prints the amount negative ("Reste
# après acompte" names the amount left, not a deposit)
_DEPOSIT = re.compile(r"^\W*(acompte|anzahlung|acconto|bereits\s+(be)?zahlt|deja\s+(paye|verse)|"
                      r"gia\s+(pagato|versato))")
_CASH_STEP = Decimal("0.05")


def _due_after_adjustments(lines: list[Line]) -> tuple[Field, Decimal] | None:
    """The amount due read by arithmetic, whatever its label says: a "Total" row, then the
    rows that adjust it (a deposit, a rounding to 0.05), then a row with the total so
    adjusted. A rounding printed without its sign is tried both ways. (The field and the
    total it came from.)"""
    rows = _row_amounts(lines)
    for i, (total, negative, ln) in enumerate(rows):
        if negative or not _WEAK_TOTAL.search(fold(ln.text)) or _NOT_TOTAL.search(fold(ln.text)):
            continue
        sums, rounded, adjusted = {total}, False, False
        for value, minus, row in rows[i + 1 : i + 6]:
            folded = fold(row.text)
            if _ROUNDING.search(folded) and value < _CASH_STEP:
                signs = (-1,) if minus else (-1, 1)
                sums = {s + sign * value for s in sums for sign in signs}
                rounded = adjusted = True
            elif minus or _DEPOSIT.match(folded):
                sums = {s - value for s in sums}
                adjusted = True
            elif adjusted and value in sums and value > 0:
                if rounded and value % _CASH_STEP:
                    continue
                return Field(value, row.source, round(0.93 * _line_conf(row), 3)), total
    return None


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

_BIRTH = re.compile(
    r"naissance|\bnaiss\b|\bnee?\b|\bne\(e\)|geburt|\bgeb\b|geboren|nascita|\bnasc\b|"
    r"\bnat[oa]\b|nato/a")
_TREATMENT = re.compile(
    r"traitement|behandlung|trattamento|periode|zeitraum|\bdu\b.*\bau\b|\bvom\b|\bdal\b"
)
_INVOICE_DATE = re.compile(
    r"date\s*(de\s*(la\s*)?)?factur(e|ation)|rechnungs\s*-?\s*datum|data\s*(della\s*)?"
    r"fattura|facture\s*du|rechnung\s*vom|fattura\s*del|datum\s*der\s*rechnung|"
    r"date\s*d.\s*emission|ausstellungsdatum|etablie?\s*le|ausgestellt\s*am|"
    r"emess[ao]\s*il|data\s*(di|d.)\s*emissione|^\s*(date|datum|data)\b"
)
# "Lausanne, le 12 mars 2026": a place (no digits: "vom 22,05.2025" is a misread date) and the
# date right after its comma
_CITY_DATE = re.compile(r"[A-ZÀ-Ý][^\W\d_][^\d,:;]{0,29},\s*(le\s+|il\s+|den\s+)?")


_OWNED_DATE = re.compile(
    r"(naissance|\bnee?\b|ne\(e\)|geburt|\bgeb\b|nascita|\bnat[oa]\b|traitement|behandlung|"
    r"trattamento|periode|zeitraum|\bdu\b|\bau\b|\bvom\b|\bbis\b|\bdal\b|\bal\b|sejour|"
    r"aufenthalt|degenza|entree|sortie|eintritt|austritt|entrata|uscita|prelevement|entnahme|"
    r"prelievo|ordonnance|rezept|ricetta|acompte|anzahlung|acconto|geboren(\s*am)?|"
    r"(devis|kostenvoranschlag|preventivo)(\s*(du|vom|del))?|geburtsdatum|geb\.?\s*-?\s*dat\w*\.?|"
    r"naiss\.?|nasc\.?|imprime(\s*le)?|gedruckt(\s*am)?|"
    r"druckdatum|stampat[oa]\s*il|fax|fallig(\s*(am|bis))?|zahlbar\s*bis|echeance|"
    r"payable\s*(jusqu.au|avant\s*le)|scadenza|pagabile\s*entro(\s*il)?|eingang(sdatum)?|"
    r"eingegangen(\s*am)?|recue?\s*le|ricevut[oa]\s*il|unfall(datum)?(\s*vom)?|"
    r"accident(\s*du)?|infortunio(\s*del)?|sinistre(\s*du)?)\W*$"
)


def _dates(lines: list[Line], today: date) -> Iterator[tuple[int, Line, str, date, int, int]]:
    """(row, line, words before, date, start, end) of every date outside a fax header; the
    words before (folded, at most 30 characters) stop at the previous date of the row, so
    that in a two-column row the right column's label never reaches the left's date."""
    for idx, ln in enumerate(lines):
        f = fold(ln.text)
        if is_fax_header(f):
            continue
        previous_end = 0
        for d, start, end in find_dates(ln.text, today=today):
            yield idx, ln, f[max(previous_end, start - 30) : start], d, start, end
            previous_end = end


# "Facture n° 2026-0042 du 12.03.2026", "Rechnung Nr. 4711 vom ...", "Fattura n. 12 del ..."
_NUMBER_OF_DATE = re.compile(r"\b(facture|rechnung|fattura)\b(\W+\S+){1,2}\s+(du|vom|del)\s*$")


def _invoice_date_score(ln: Line, before: str, start: int, end: int) -> float | None:
    if _NUMBER_OF_DATE.search(before) or (
            _INVOICE_DATE.search(before) and not _OWNED_DATE.search(before)):
        return 3
    if _CITY_DATE.fullmatch(ln.text[:start].strip() + " ") or re.search(
            r",\s*(le|il|den)\s+$", before):
        return 2.5
    if re.match(r"\s*\d{1,2}[:.h]\d{2}\b", ln.text[end:]):
        return 2.2  # a till receipt's "<date> <time>"
    return None


def _service_line(text: str, start: int, end: int) -> bool:
    """A tariff line: its row opens with the date of the service and carries an amount."""
    return not text[:start].strip() and bool(find_amounts(text[end:]))


def _extract_invoice_date(lines: list[Line], today: date) -> Field | None:
    """Line-based fallback: a date right after an invoice-date label, a "City, le <date>" line,
    a till receipt's "<date> <time>", else the latest date no other label owns."""
    best: tuple[float, int, date, Line] | None = None
    for idx, ln, before, d, start, end in _dates(lines, today):
        score = _invoice_date_score(ln, before, start, end)
        if score is not None and (best is None or (score, -idx) > best[:2]):
            best = (score, -idx, d, ln)
    if best:
        return Field(best[2], best[3].source, round(0.9 * _line_conf(best[3]), 3))
    pool = [(d, ln) for _i, ln, before, d, start, end in _dates(lines, today)
            if not _OWNED_DATE.search(before[-25:])
            and not _service_line(ln.text, start, end) and date(2000, 1, 1) <= d <= today]
    if not pool:
        return None
    d, ln = max(pool, key=lambda x: x[0])
    return Field(d, ln.source, round(0.5 * _line_conf(ln), 3))


BIRTH_YEARS_BACK = 6  # an unlabelled date this far back is a birth date, not a service


def _x_at(line: Line, pos: int) -> float | None:
    """Where on the page the character at ``pos`` of the line's text stands (the left of its
    word), None for a line without word boxes."""
    start = 0
    for w in line.words:
        at = line.text.find(w.text, start)
        if at < 0:
            return None
        if at <= pos < at + len(w.text) or pos < at:
            return float(w.left)
        start = at + len(w.text)
    return None


def _under(label: Line, pos: int, row: Line, dates: list[tuple[date, int, int]]
           ) -> list[tuple[date, int, int]]:
    """The dates of the row under a label, the one standing under it first (a two-column
    grid: the invoice date of the left column is the first date of the row, not the birth
    date under its label in the right column)."""
    x = _x_at(label, pos)
    if x is None:
        return dates
    return sorted(dates, key=lambda d: abs((_x_at(row, d[1]) or 0.0) - x))


def _extract_birth_date(lines: list[Line], today: date) -> Field | None:
    for idx, ln in enumerate(lines):
        f = fold(ln.text)
        m = _BIRTH.search(f)
        if not m:
            continue
        dates = [d for d in find_dates(ln.text, today=today) if d[2] > m.start()]
        if not dates and idx + 1 < len(lines):
            dates = _under(ln, m.start(), lines[idx + 1],
                           find_dates(lines[idx + 1].text, today=today))
        for d, _s, _e in dates:
            if date(1900, 1, 1) <= d <= today:
                return Field(d, ln.source, round(0.95 * _line_conf(ln), 3))
    return _lone_old_date(lines, today)


def _lone_old_date(lines: list[Line], today: date) -> Field | None:
    """Without a birth label: the page's only date many years before the invoice (services,
    the invoice and its period are recent; a patient's birth date is not)."""
    old = {(d, ln.source, ln.conf) for _i, ln, before, d, _s, _e in _dates(lines, today)
           if date(1900, 1, 1) <= d < date(today.year - BIRTH_YEARS_BACK, 1, 1)
           and not _OWNED_DATE.search(before[-25:])}
    if len({d for d, _src, _c in old}) != 1:
        return None
    d, source, conf = old.pop()
    return Field(d, source, round(0.5 * max(0.0, min(1.0, conf)), 3))


# ------------------------------------------------------------------------ identifiers

# the other parties a GLN may belong to (insurer, patient, prescriber, referrer, employer)
_OTHER_PARTY = re.compile(r"assur|versicher|assicura|insurer|kasse|patient|pazient|\bean\b|"
                          r"prescri|verordn|ordinant|zuweis|uberweis|invian|mandant|auftrag|"
                          r"employeur|arbeitgeb|datore")


def _labelled_above(gln: str, boxes: list[Box]) -> str:
    """The words of the box right above the box that carries the GLN (a grid's label over
    its value), folded; empty when nothing stands there."""
    for box in boxes:
        if gln in re.sub(r"\D", "", box.text):
            label = above(box, boxes)
            if label is not None:
                return label.folded
    return ""


def _extract_gln(lines: list[Line], boxes: list[Box] | None = None) -> Field | None:
    """Line-based fallback: a GLN after a label naming no other party, else one that no
    other party's label precedes on its row or heads in its box's column."""
    labelled: list[tuple[str, Line]] = []
    other: list[tuple[str, Line]] = []
    for ln in lines:
        f = fold(ln.text)
        for gln, pos in find_glns(ln.text):
            if gln.startswith("7680"):  # a medicine's GTIN (Swissmedic), not a GLN
                continue
            if boxes and _OTHER_PARTY.search(_labelled_above(gln, boxes)):
                continue
            prefix = f[max(0, pos - 40) : pos]
            if _OTHER_PARTY.search(prefix.split("gln")[-1] if "gln" in prefix else prefix):
                continue
            if _OTHER_PARTY.search(prefix) and "gln" not in prefix:
                continue
            (labelled if "gln" in prefix else other).append((gln, ln))
    pick = labelled or other
    if not pick:
        return None
    gln, ln = pick[0]
    return Field(gln, ln.source, round(max(0.9, _line_conf(ln)) if labelled else 0.7, 3))


# a "1" in a light or faxed print: "]", "|" or "!"
_ONE_GLYPHS = str.maketrans("]|!", "111")
_IBAN_RE = re.compile(
    r"(?<![A-Z0-9])((?:CH|LI|[C©(€]H)[\s-]?[0-9OBSIZ\]|!]{2}(?:[\s.,-]?[0-9A-Z\]|!]){17})"
    r"(?![0-9])"
)
# one character too many: a wide digit read as two glyphs ("0" read "O0")
_IBAN_ONE_MORE = re.compile(
    r"(?<![A-Z0-9])((?:CH|LI|[C©(€]H)[\s-]?[0-9OBSIZ]{2}(?:[\s.,-]?[0-9A-Z]){18})(?![0-9A-Z])"
)


def _without_a_stray_letter(raw: str) -> list[str]:
    """The IBAN's digits with one letter the OCR may have added dropped: each candidate a
    digit-like letter (O, I, l…) of the account, the bank id and check digits kept."""
    return [raw[:i] + raw[i + 1:] for i in range(9, len(raw))
            if raw[i] in "OIL|SBZD"]


# a letter printed where the IBAN has a digit, and the digits it may be: the first reading
# (``_OCR_DIGITS``) is the likelier, not the only one ("8" read "S" as well as "5" read "S")
_LETTER_DIGITS = {"S": "58", "B": "83", "Z": "27", "G": "60", "O": "0", "D": "0", "Q": "0",
                  "I": "1", "L": "1", "T": "7", "A": "4"}


def _second_reading(raw: str) -> str | None:
    """The IBAN whose check digits one reading of its letters passes, when exactly one does.

    Only the places where a letter stands are varied: the OCR shows where it went wrong, so
    the mod 97 check decides among a handful of readings, not among every digit's
    neighbours (which would pass a wrong number by chance)."""
    places = [i for i in range(2, len(raw)) if raw[i] in _LETTER_DIGITS]
    if not places or len(places) > 3:
        return None
    readings = {raw}
    for i in places:
        readings = {r[:i] + d + r[i + 1:] for r in readings for d in _LETTER_DIGITS[raw[i]]}
    valid = {r for r in readings if stdnum_iban.is_valid(r)}
    return valid.pop() if len(valid) == 1 else None


def find_ibans(text: str) -> list[str]:
    """Valid CH/LI IBANs (mod 97) in the text, tolerating OCR letter/digit confusions."""
    out = []
    for m in _IBAN_RE.finditer(text.upper()):
        raw = re.sub(r"[\s.,-]", "", m.group(1)).translate(_ONE_GLYPHS)
        country = "LI" if raw.startswith("LI") else "CH"
        check = raw[2:4].translate(_OCR_DIGITS)
        body = raw[4:]
        # the 5-digit bank id is always numeric; accounts are nearly always numeric
        bank = body[:5].translate(_OCR_DIGITS)
        variants = [
            country + check + bank + body[5:],
            country + check + bank + body[5:].translate(_OCR_DIGITS),
        ]
        hit = next((v for v in variants if stdnum_iban.is_valid(v)), None) or _second_reading(
            country + raw[2:])
        if hit and hit not in out:
            out.append(hit)
    if not out:
        for m in _IBAN_ONE_MORE.finditer(text.upper()):
            raw = re.sub(r"[\s.,-]", "", m.group(1))
            fixed = [v[:2] + v[2:].translate(_OCR_DIGITS) for v in _without_a_stray_letter(raw)]
            valid = {v for v in fixed if stdnum_iban.is_valid(v)}
            if len(valid) == 1:  # the check digits name one reading, not a guess among two
                out.append(valid.pop())
    return out


# the confidence of a reference whose check digits chose among readings of a confused
# character: below what the advisor's review marks "to check"
REPAIRED_REFERENCE = 0.55
# letters and digits the OCR takes for one another in a creditor reference's body
_CONFUSED = {"O": "0Q", "I": "1", "1": "IL", "L": "1", "S": "5", "5": "S", "B": "8",
             "8": "B", "Z": "27", "2": "Z", "7": "ZT", "T": "7", "G": "6", "6": "G",
             "A": "4", "4": "A",
             # noise or a light print eats the lower bar of an E; a Q loses its tail
             "F": "E", "E": "F", "Q": "0", "0": "OQ",
             # a J or a 1 in a light print read as a bracket
             "]": "J1", ")": "J"}


def _one_confusion(ref: str) -> str | None:
    """The reference with one confused character put right, when exactly one such change
    makes its check digits agree (ISO 7064 mod 97 catches every single substitution)."""
    hits = {ref[:i] + alt + ref[i + 1 :] for i in range(4, len(ref))
            for alt in _CONFUSED.get(ref[i], "")}
    valid = [v for v in hits if iso11649.is_valid(v)]
    return valid[0] if len(valid) == 1 else None


def find_references(text: str) -> list[tuple[str, str]]:
    """(type, compact reference) for QR references (27 digits) and ISO 11649 RF references."""
    return [(kind, ref) for kind, ref, _repaired in _references(text)]


def _references(text: str) -> list[tuple[str, str, bool]]:
    """``find_references``, each with whether a confused character was put right: the check
    digits then chose the reading, and a reading they pass by chance stays possible."""
    out = []
    # a speck read as a bracket or a bar glued to a group of five ("65090) 78666")
    for m in re.finditer(r"(?<!\d)(\d{2}(?:[)\]|]?\s?\d{5}){5})(?!\d)", text):
        ref = re.sub(r"\D", "", m.group(1))
        if esr.is_valid(ref):
            out.append(("QRR", ref, False))
    for m in re.finditer(_RF, text.upper()):
        found = _creditor_reference(m.group(0).split())
        if found is not None:
            out.append(("SCOR", *found))
    return out


# "RF", the check digits, then groups of four; a "]" is a J or a 1 wherever it stands, a ")"
# only before more of the reference (after it, it closes the text: "(Ref. RF18 … 7034)")
_RF = re.compile(r"\bRF\s?[0-9OGISBZ]{2}(?:\s?(?:[0-9A-Z\]]|\)(?=\s?[0-9A-Z])){1,4}){1,6}")


def _creditor_reference(groups: list[str]) -> tuple[str, bool] | None:
    """The reference its printed groups give, and whether a confused character was put right.
    The longest run of groups whose check digits agree as read wins (a space the OCR missed
    makes a group longer than four); only if none does is one character put right, and then
    only in runs of groups printed four or fewer long: the words after a reference ("Zahlbar
    bis") are not part of it."""
    runs = []
    for k in range(len(groups), 0, -1):
        run = "".join(groups[:k])
        if 5 <= len(run) <= 25:
            # the OCR confuses O/0, I/1 and S/5 in the check digits, O/0 in the body
            fixed = run[:2] + run[2:4].translate(_OCR_DIGITS).replace("G", "6") + run[4:]
            runs.append((run, fixed, k == 1 or all(len(g) <= 4 for g in groups[1:k])))
    # runs printed in groups of four first: a longer group is as often a word after the
    # reference as a space the OCR missed
    for run, fixed, _grouped in sorted(runs, key=lambda r: not r[2]):
        for reading in (run, fixed, fixed[:4] + fixed[4:].replace("O", "0")):
            if iso11649.is_valid(reading):
                return reading, False
    for _run, fixed, grouped in runs:
        repaired = _one_confusion(fixed) if grouped else None
        if repaired is not None:
            return repaired, True
    return None


# ------------------------------------------------------------------------ free text fields

_INVOICE_NO = re.compile(_INVOICE_NO_LABEL + r"[\s:.;,|-]*" + _INVOICE_NO_VALUE, re.IGNORECASE)
# label alone at the end of its line, value on the next line
_INVOICE_NO_ALONE = re.compile(_INVOICE_NO_LABEL + r"[\s:.;,|-]*$", re.IGNORECASE)


_INVOICE_NO_LOOSE = re.compile(
    r"(?<![a-z])(facture|rechnung|fattura)\s*[:;,.]\s*([A-Z0-9][A-Z0-9/._-]{2,24})|"
    # a title line "Facture 2026-0042 du 12.03.2026", "Rechnung 4711 vom ..."
    r"(?<![a-z])(facture|rechnung|fattura)\s+([A-Z0-9][A-Z0-9/._-]{2,24})\s+(du|vom|del)\s+\d",
    re.IGNORECASE,
)
_DATE_WORD = re.compile(r"(date|datum|data)\W*(de\s+|della\s+|der\s+)?(la\s+)?$", re.IGNORECASE)


def _extract_invoice_number(lines: list[Line]) -> Field | None:
    for idx, ln in enumerate(lines):
        m = _INVOICE_NO.search(ln.text)
        value = _invoice_number_value(m.group(1)) if m else None
        if value:
            return Field(value, ln.source, round(0.93 * _line_conf(ln), 3))
        if _INVOICE_NO_ALONE.search(ln.text) and idx + 1 < len(lines):
            nxt = re.match(_INVOICE_NO_VALUE, lines[idx + 1].text.strip(), re.IGNORECASE)
            value = _invoice_number_value(nxt.group(1)) if nxt else None
            if value:
                return Field(value, ln.source, round(0.85 * _line_conf(ln), 3))
    for ln in lines:  # OCR mangled the "N°" of the label
        for m in _INVOICE_NO_LOOSE.finditer(ln.text):
            if _DATE_WORD.search(ln.text[: m.start()]):
                continue
            value = _invoice_number_value(m.group(2) or m.group(4))
            if value:
                return Field(value, ln.source, round(0.7 * _line_conf(ln), 3))
    return None


_PATIENT_WORD = r"(?:patient(?:\(e\)|/in|e|in)?|paziente)"
_PATIENT = re.compile(r"\b" + _PATIENT_WORD + r"(?!\w)\s*[:.]?\s*(.+)", re.I)
_PATIENT_ALONE = re.compile(r"^\W*" + _PATIENT_WORD + r"\W*$", re.I)


def _extract_patient(lines: list[Line]) -> Field | None:
    for idx, ln in enumerate(lines):
        if _PATIENT_ALONE.match(ln.text) and idx + 1 < len(lines):
            name = _clean_name(lines[idx + 1].text)
            if name:
                return Field(name, ln.source, round(0.8 * _line_conf(ln), 3))
        m = _PATIENT.search(ln.text)
        if not m:
            continue
        rest = m.group(1)
        if re.match(r"\s*(nr|no|n°)", rest, re.I):
            continue
        birth = _BIRTH.search(fold(rest))  # the birth date's label ends the name
        name = _clean_name(rest[: birth.start()] if birth else rest)
        if name:
            return Field(name, ln.source, round(0.9 * _line_conf(ln), 3))
    return None


# ------------------------------------------------------------------------ orchestration


def _marks(text: str) -> int:
    return sum(fold(c) != c.lower() for c in text)


def _accents_from(other: Field | None, name: Field | None) -> Field | None:
    """The OCR loses accents and umlauts far more often than it adds them: when another
    reading of the same name (the address window) carries more of them, its spelling."""
    if name is None or other is None:
        return name
    a, b = str(name.value), str(other.value)
    if fold(a) == fold(b) and _marks(b) > _marks(a):
        return Field(b, name.source, name.confidence)
    return name


def _line_conf(ln: Line) -> float:
    return max(0.0, min(1.0, ln.conf))


def _payment_fields(lines: list[Line], boxes: list[Box]
                    ) -> tuple[Field | None, Field | None]:
    """The first IBAN and payment reference printed (an IBAN may wrap onto the next line)."""
    iban: Field | None = None
    reference: Field | None = None
    for ln in lines:
        if iban is None:
            ibans = find_ibans(ln.text)
            if ibans:
                iban = Field(ibans[0], ln.source, round(max(0.9, _line_conf(ln)), 3))
        if reference is None:
            refs = _references(ln.text)
            if refs:
                _kind, ref, repaired = refs[0]
                # a character put right: the advisor checks it against the paper
                conf = REPAIRED_REFERENCE if repaired else round(max(0.9, _line_conf(ln)), 3)
                reference = Field(ref, ln.source, conf)
    for a, b in zip(lines, lines[1:], strict=False):
        if iban is not None:
            break
        ibans = find_ibans(a.text + " " + b.text)
        if ibans:
            iban = Field(ibans[0], a.source, round(0.9 * _line_conf(a), 3))
    return iban or _wrapped_in_column(boxes), reference


def _wrapped_in_column(boxes: list[Box]) -> Field | None:
    """An IBAN wrapped onto the next row of its own column, beside another column's text."""
    for box in boxes:
        if not re.search(r"\b(CH|LI)\s?\d{2}", box.text.upper()):
            continue
        nxt = below(box, boxes)
        ibans = find_ibans(box.text + " " + nxt.text) if nxt is not None else []
        if ibans:
            return Field(ibans[0], box.source, round(0.9 * max(0.0, min(1.0, box.conf)), 3))
    return None


_MESSAGE_NUMBER = re.compile(
    r"(?<![\w/.-])(?=[A-Z0-9/._-]*\d)([A-Z0-9][A-Z0-9/._-]{2,24})(?![\w/])", re.IGNORECASE)
_MESSAGE_WORD = re.compile(r"(?i)(facture|rechnung|fattura|invoice|nr|no|n°|n\.)\W*$")


def number_in_message(qr: QrBill) -> str | None:
    """The invoice number the QR-bill's additional information carries ("Facture 2026-0042",
    "Rechnung Nr. R-123456"): the number right after an invoice word, else the message's only
    number; never a date."""
    text = " ".join(x for x in (qr.message, qr.billing_information) if x)
    found = [(m.group(1), text[: m.start()]) for m in _MESSAGE_NUMBER.finditer(text)]
    found = [(v, before) for v, before in found if _invoice_number_value(v) and not find_dates(v)]
    after_word = [v for v, before in found if _MESSAGE_WORD.search(before)]
    if after_word:
        return _invoice_number_value(after_word[0])
    return _invoice_number_value(found[0][0]) if len(found) == 1 else None


def _close_numbers(a: str, b: str) -> bool:
    """One reading of the other with a character lost, added or misread by the OCR (two in a
    number of eight or more: two slips in a short number make another number)."""
    return a in b or b in a or edits(a, b) <= (2 if min(len(a), len(b)) >= 8 else 1)


def _invoice_number_from_qr(fields: dict[str, Field | None], qr: QrBill) -> None:
    """The additional information's invoice number fills a missing one, and replaces a
    printed one the OCR read nearly the same."""
    number = number_in_message(qr)
    if number is None:
        return
    printed = fields["invoice_number"]
    if printed is None or (printed.value != number
                           and _close_numbers(str(printed.value), number)):
        fields["invoice_number"] = Field(number, "qr", 0.9)


def _apply_qr(fields: dict[str, Field | None], qr: QrBill) -> None:
    """The QR-bill is the authority for the payment: amount, currency, account, reference;
    its additional information often carries the invoice number."""
    if qr.amount is not None:
        fields["amount"] = Field(qr.amount, "qr", 0.99)
    fields["currency"] = Field(qr.currency, "qr", 0.99)
    fields["iban"] = Field(qr.iban, "qr", 0.99)
    fields["reference"] = Field(qr.reference, "qr", 0.99) if qr.reference else None
    fields["provider_name"] = Field(qr.creditor.name, "qr", 0.95)
    if fields["patient_name"] is None and qr.debtor is not None:
        fields["patient_name"] = Field(qr.debtor.name, "qr", 0.6)
    _invoice_number_from_qr(fields, qr)


def extract_fields(
    lines: list[Line], qr: QrBill | None = None, *, today: date | None = None,
    boxes: list[Box] | None = None,
) -> dict[str, Field | None]:
    """Extract the invoice fields; QR-bill values win over text values. ``boxes``: the
    lines' boxes when the caller has them already."""
    from .labelled import read_labelled

    today = today or date.today()
    boxes = boxes_from_lines(lines) if boxes is None else boxes
    fields: dict[str, Field | None] = dict.fromkeys(FIELD_NAMES)
    labelled = read_labelled(lines, today, boxes=boxes)
    fields["amount"], fields["currency"] = _extract_amount(lines)
    if labelled["amount"] is not None:
        fields["amount"] = labelled["amount"]
        fields["currency"] = labelled["currency"] or fields["currency"]
    adjusted = _due_after_adjustments(lines)
    if adjusted is not None and (fields["amount"] is None
                                 or fields["amount"].value == adjusted[1]):
        fields["amount"] = adjusted[0]  # the total was read, the amount due is below it
    fields["invoice_date"] = labelled["invoice_date"] or _extract_invoice_date(lines, today)
    fields["patient_birth_date"] = labelled["patient_birth_date"] or _extract_birth_date(
        lines, today
    )
    fields["provider_gln"] = labelled["provider_gln"] or _extract_gln(lines, boxes)
    fields["invoice_number"] = labelled["invoice_number"] or _extract_invoice_number(lines)
    window = name_in_window(boxes)
    fields["patient_name"] = _accents_from(window, labelled["patient_name"]
                                           or _extract_patient(lines) or window)
    fields["provider_name"] = labelled_provider(boxes) or provider_name(lines, boxes)
    fields["iban"], fields["reference"] = _payment_fields(lines, boxes)
    if qr is not None:
        _apply_qr(fields, qr)
    return fields
