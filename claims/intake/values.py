"""Values an invoice prints, recognised in a piece of text: amounts, dates, GLNs, invoice
numbers, names; shared by the line-based and the layout-based readers."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from stdnum import ean


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


def _amount_from_match(m: re.Match[str]) -> Decimal | None:
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
# the abbreviations printed with a dot ("24 janv. 2026", "3. Sept. 2025", "14 ott. 2025")
_MONTHS.update({
    "janv": 1, "jan": 1, "fevr": 2, "fev": 2, "feb": 2, "febr": 2, "avr": 4, "apr": 4,
    "juil": 7, "aug": 8, "ago": 8, "sept": 9, "sep": 9, "set": 9, "oct": 10, "okt": 10,
    "ott": 10, "nov": 11, "dec": 12, "dez": 12, "dic": 12, "mrz": 3, "gen": 1,
})
# day, month, year with one separator twice; the OCR of a fax or a blurred scan turns a
# date's dot into a comma ("22,05.2025") or a colon ("15:12.2025"): they mix only written
# tight with a four-digit year, where no count, position or duration ("3.10, 25 min") looks
# the same, and a colon only beside a dot or a comma (never twice: "12:30:2025" is no date)
_NUM_DATE = re.compile(
    r"(?<![\d.,])(?:(?P<d>\d{1,2})\s?(?P<sep>[./-]|,)\s?(?P<m>\d{1,2})\s?(?P=sep)\s?"
    r"(?P<y>\d{4}|\d{2})|(?P<mixed_d>\d{1,2})(?:[.,](?P<mixed_m>\d{1,2})[.,:]|"
    r":(?P<colon_m>\d{1,2})[.,])(?P<mixed_y>\d{4}))"
    r"(?![\d]|[.,]\d)"
)
# "3. März 2026" (its dot read as a comma by the OCR of a fax: "3, November 2025")
_LONG_DATE = re.compile(
    r"(?<!\d)(\d{1,2})(?:er|°)?[.,]?\s*("
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
                    date(_year(m["y"] or m["mixed_y"], today),
                         int(m["m"] or m["mixed_m"] or m["colon_m"]), int(m["d"] or m["mixed_d"])),
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



# a fax machine's transmission line: its page count ("P.001/001"), or a time of day with the
# words of the header (fax, from/to, von/an, de/à, page, Seite)
_FAX_HEADER = re.compile(
    r"\bp\.?\s?\d{3}\s?/\s?\d{3}\b|"
    r"\b\d{1,2}:\d{2}\b.*(\b(telefax|fax|from|to|von|an|seite|page|pag|sender)\b\W|\bs\.\s?\d)|"
    r"(\b(telefax|fax|from|to|von|an|seite|page|pag|sender)\b\W|\bs\.\s?\d).*\b\d{1,2}:\d{2}\b"
)


def is_fax_header(folded: str) -> bool:
    """The folded text is a fax transmission header: its date is the sending day."""
    return bool(_FAX_HEADER.search(folded))


_OCR_DIGITS = str.maketrans(
    {"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "|": "1", "S": "5", "B": "8", "Z": "2"}
)


def edits(a: str, b: str) -> int:
    """Levenshtein distance: characters to insert, drop or change to make ``a`` into ``b``."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def is_valid_gln(value: str) -> bool:
    """GLN: 13 digits, Swiss ones start with 76, EAN-13 check digit."""
    return bool(re.fullmatch(r"76\d{11}", value)) and ean.is_valid(value)


SWISS_GLN_PREFIX = "7601"  # GS1 Switzerland's prefix: nearly every provider's GLN opens so


def _repaired(cand: str) -> str | None:
    """A misread GLN prefix ("2601…", "7681…" on a fax) put right, when the check digit
    then agrees; only for a number printed next to a GLN label."""
    if sum(a == b for a, b in zip(cand[:4], SWISS_GLN_PREFIX, strict=True)) < 2:
        return None
    fixed = SWISS_GLN_PREFIX + cand[4:]
    return fixed if fixed != cand and is_valid_gln(fixed) else None


def find_glns(text: str, *, repair: bool = False) -> list[tuple[str, int]]:
    """Valid Swiss GLNs in the text (OCR letter/digit confusions tolerated) and where each
    starts; ``repair``: also a number whose Swiss prefix was misread (see ``_repaired``)."""
    out = []
    for m in re.finditer(r"(?<![\w])([0-9OoDIl|SBZ](?:\s?[0-9OoDIl|SBZ]){12})(?![\w])", text):
        cand = re.sub(r"\s", "", m.group(1)).translate(_OCR_DIGITS)
        if sum(c.isdigit() for c in m.group(1)) < 10:
            continue
        if is_valid_gln(cand):
            out.append((cand, m.start()))
        elif repair and (fixed := _repaired(cand)) is not None:
            out.append((fixed, m.start()))
    return out



# "Rechnung" keeps its label when the OCR reads its e as an o or a c ("Rochnung Nr."),
# "Facture" when it reads its a as an o ("Focture n°")
_INVOICE_NO_LABEL = (
    r"(?:n(?:[or]\.|\s?[°º*o'.])?\s*(?:de\s+)?(?:la\s+)?facture|"
    # a small "°" the OCR read as an "e": "Ne facture", "Ne fattura"
    r"(?<![a-z])ne\s+(?:de\s+)?(?:la\s+|della\s+)?(?:facture|fattura)\b|"
    r"f[ao]cture\s*(?:num[eé]ro\b|n\s?[°º*o'.]?|no\.?|nr\.?)|"
    r"num[eé]ro\s*(?:de\s+)?(?:la\s+)?facture|r[eoc]chnungs?\s*-?\s*(?:nummer|nr\.?|no\.?)|"
    # "Nr." with its r read as an e: "Rechnung Ne,"
    r"r[eoc]chnung\s*(?:nr\.?|no\.?|n\s?[°º]|ne\b)|(?<![a-z])(?:r[eg]\.?\s*-|rg\.?\s*|rech\.?\s*-?)\s*nr\.?|numero\s*(?:della\s+)?fattura|"
    # a small "t" of "Fattura" lost in a fax ("Fatura N°")
    r"fatt?ura\s*(?:numero\b|n\s?[°º.]?|nr\.?|no\.?)|n(?:[or]\.?|\s?[°º.])\s*(?:della\s+)?fattura|"
    r"r[eé]f(?:\.|[eé]rence)?\s*(?:de\s+)?(?:la\s+)?facture|rechnungsreferenz|"
    r"riferimento\s*(?:della\s+)?fattura|invoice\s*(?:no\.?|number|nr\.?)|"
    # "Nr. Rechnung", "N° fact.", "Date/N° facture" (the standard form: "12.03.2026/2026-0042")
    r"(?<![a-z])(?:nr|no|n\s?[°º])\.?\s*(?:der\s+)?rechnung\b|(?<![a-z])n\s?[°º.]\s*fact\b\.?|"
    r"rechnungs\s*-?\s*datum\s*/\s*-?\s*(?:nr\b\.?|nummer)|"
    r"(?:date|datum|data)\s*/\s*(?:n\s?[°º.]?|nr\.?|no\.?)\s*(?:de\s+)?(?:la\s+)?"
    r"(?:facture|rechnung|fattura))"
)
_INVOICE_NO_VALUE = r"([A-Z0-9][A-Z0-9/._-]{2,24})"

def _invoice_number_value(raw: str) -> str | None:
    # a label naming the date and the number together gives both: "12.03.2026/2026-0042"
    raw = re.sub(r"^\d{1,2}\.\d{1,2}\.\d{2,4}\s*/\s*(?=\w)|(?<=\w)\s*/\s*\d{1,2}\.\d{1,2}\."
                 r"\d{2,4}$", "", raw)
    value = raw.rstrip("._-/")
    if not re.search(r"\d", value) or _NUM_DATE.fullmatch(value):
        return None
    return value



_NAME_RE = re.compile(r"^((?:[A-ZÀ-Ýa-zß-ÿ][\w'’.-]*)(?:\s[A-ZÀ-Ýa-zß-ÿ][\w'’.-]*){1,3})")


def _read_once(name: str) -> str:
    """Two readings of a row merged word by word ("Pierre Pierre Morel Morel") read once; a
    name whose words are not all doubled ("Martin Martin", "Anne Anne-Marie") is left."""
    words = name.split()
    pairs = words[::2]
    if len(words) >= 4 and len(words) % 2 == 0 and pairs == words[1::2]:
        return " ".join(pairs)
    return name


def _clean_name(text: str) -> str | None:
    # Tesseract's Turkish dotless "ı" for a faint "i" ("Pedrazzıni"): fr/de/it have none
    text = text.replace("ı", "i")
    # a speck read as a colon between the first and last name ("Markus: Huber")
    text = re.sub(r"(?<=[^\W\d])[:;](?= [^\W\d])", "", text.split("  ")[0])
    text = text.strip(" :,;.-|=_*'\"")
    m = _NAME_RE.match(text)
    if not m:
        return None
    name = _read_once(m.group(1).strip())
    # OCR specks often end up as a trailing one-letter "word"
    name = re.sub(r"(\s+\S)+$", "", name) if len(name.split()) > 2 else name
    # the birth date's label cut short after the name ("Claire Morel né", "Hans Frei geb.")
    name = re.sub(r"\s+(n[ée]e?|geb\.?|nat[oa])$", "", name, flags=re.IGNORECASE)
    if sum(c.isalpha() for c in name) < 4 or any(c.isdigit() for c in name):
        return None
    return name


