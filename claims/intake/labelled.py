"""The fields an invoice prints next to a label, read by geometry (fr/de/it).

Each reader returns a :class:`Field` or ``None``; ``extraction.extract_fields`` falls back to
its line-based readers for what stays ``None`` here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from .layout import Box, Label, Pairing, boxes_from_lines, fold, pair_label, repair_label_words
from .ocr import Line
from .values import (
    _INVOICE_NO_LABEL,
    _INVOICE_NO_VALUE,
    Field,
    _clean_name,
    _invoice_number_value,
    edits,
    find_amounts,
    find_dates,
    find_glns,
    is_fax_header,
)

__all__ = ["last_role", "party_band", "read_labelled"]

V = TypeVar("V")


def _l(pattern: str, score: float = 3.0, alone: bool = False) -> Label:
    return Label(re.compile(pattern), score, alone)


INVOICE_DATE = [
    _l(r"date\s*(de\s*(la\s*)?)?factur(e|ation)|rechnungs\s*-?\s*datum|data\s*(della\s*)?"
       r"fattura(zione)?|facture\s*du|rechnung\s*vom|fattura\s*del|datum\s*der\s*rechnung|"
       r"date\s*d.\s*emission|ausstellungsdatum|etablie?\s*le|ausgestellt\s*am|"
       r"emess[ao]\s*il|data\s*(di|d.)\s*emissione|facturee?\s*le|fatturat[oa]\s*il|"
       # the date of the document itself, as its number is named ("Belegdatum")
       r"(beleg|dokument)\s*-?\s*datum|date\s*du\s*(justificatif|document)|"
       r"data\s*del\s*(giustificativo|documento)"),
    _l(r"\b(date|datum|data)\b", 2.9, alone=True),
]
BIRTH_DATE = [
    _l(r"geb(urts)?\s*\.?\s*-?\s*dat(um\b|\.|\b)|date\s*de\s*naissance|\bnee?\s*(\(e\)\s*)?le\b|ne\(e\)(\s*le)?|geburtsdatum|"
       r"\bgeb\b\.?|geboren(\s*am)?|data\s*di\s*nascita|\bnat[oa]([/|jl1i]?a)?\s*il\b|naissance|nascita|"
       r"date\s*(de\s*)?naiss\b|data\s*(di\s*)?nasc\b|geburtstag"),
]
INVOICE_NUMBER = [
    _l(_INVOICE_NO_LABEL.replace("[eé]", "e")),
    # a till receipt's number: "Quittance n°", "Beleg Nr.", "Quittung Nr.", "Scontrino n."
    _l(r"(quittance|quittung|beleg|scontrino|ricevuta)\s*-?\s*(n\s?[°º*o.]|nr\b\.?|no\b\.?|"
       r"n\b)", 2.8),
    # the number of the document itself: "Dokument-Nr.", "Belegnummer", "N° de document",
    # and of the tiers garant copy the note names ("Justificatif n°", "Giustificativo n.")
    _l(r"(dokument|beleg)\s*-?\s*(nummer|nr\b\.?)|(?<![a-z])n\s?[°º.]?\s*(de\s+|du\s+)?document\b|"
       r"numero\s*(del\s+)?documento|documento\s*n\b\.?|"
       r"(justificatif|giustificativo)\s*(n\s?[°º.]?|no\b\.?|nr\b\.?|numero)|"
       r"(?<![a-z])n\s?[°º.]?\s*(du\s+|de\s+)?justificatif\b|"
       r"(numero|(?<![a-z])n\s?[°º.]?)\s*(del\s+)?giustificativo|"
       # "Rechnungs-ID", "ID facture", "Rif. fattura"
       r"(rechnungs|dokument|beleg)\s*-?\s*id\b|\bid\s*(de\s+la\s+)?facture\b|"
       r"\bid\s*(della\s+)?fattura\b|\brif\b\.?\s*(della\s+)?fattura\b", 2.7),
    # a bare "Numéro" / "Nummer" opening its box in the invoice's identification block
    _l(r"\b(numero|nummer)\b", 2.6, alone=True),
    # what the OCR kept of a small stacked "N° facture": "N" or "N°" alone over the number;
    # the weakest of the labels, taken only when no other names the number
    _l(r"^\W*n\s?[°º.]?\W*$", 1.5, alone=True),
]
# the other parties whose GLN a form prints: the insurer, the patient, the prescriber or
# referrer (mandating doctor), the employer
_OTHER_ROLE = (r"(assur|versich|assicur|insurer|kasse|patient|destinat|empf|prescri|verordn|"
               r"ordinant|prescrivent|zuweis|uberweis|invian|mandant|auftrag|employeur|"
               r"arbeitgeb|datore)")
# the biller: on the standard form "Rechnungssteller", "Auteur de la facture", "Autore della
# fattura"
_BILLER = (r"(rechnungssteller|facturant|fatturante|biller|emetteur|auteur\s*(de\s*la\s*)?"
           r"facture|autore\s*(della\s*)?fattura)")
_PROVIDER = (r"(fournisseur|prestataire|leistungserbringer|fornitore|prestatore|provider|"
             r"erbringer)")
# what the provider's label may say after its party word: "Fournisseur de prestations",
# "Erbringer der Leistung", "Fornitore di prestazioni"
_PROVIDER_TAIL = (r"(\s*(de\s*(la\s*)?|des\s*|der\s*|di\s*|della\s*|delle\s*)"
                  r"(prestations?|leistung(en)?|prestazion[ei])\b)?")
# "GLN", "GLN-Nr.", "EAN-Nr./ZSR-Nr." (the older forms call the GLN an EAN number)
_GLN_WORD = r"(gln|ean)\s*[-.]?\s*(nr\.?|no\.?)?(\s*/\s*(zsr|rcc)\s*[-.]?\s*(nr\.?|no\.?)?)?"
PROVIDER_GLN = [
    _l(r"(gln|ean)\s*[-.]?\s*(nr\.?\s*)?(du\s+|des\s+|del\s+)?" + _BILLER, 3.1),
    _l(_BILLER + r"\W{1,3}" + _GLN_WORD, 3.1),
    _l(r"gln\s*[-.]?\s*(nr\.?\s*)?(du\s+|des\s+|del\s+)?" + _PROVIDER + _PROVIDER_TAIL),
    _l(_PROVIDER + _PROVIDER_TAIL + r"\W{1,3}" + _GLN_WORD),
    # "GLN" and a word: the word a party's name the OCR misread ("GLN Rechnungsstaller"),
    # kept only when it still names one (``_provider_gln``)
    _l(r"\bgln\b(\s*[-.]?\s*nr\.?)?(?!\s*[-.]?\s*" + _OTHER_ROLE + r")(\s+[a-z]{8,}\b)?",
       2.8),
    _l(r"^\W*" + _GLN_WORD + r"(?!\s*[-.]?\s*" + _OTHER_ROLE + ")", 2.7),
]
PATIENT = [
    # "Patient(e)", "Patient(in)", "Patient/in", "Nom du/de la patient(e)": spelled for both
    _l(r"^\W*((nom\s+(du\s+|de\s+la\s+|du\s*/\s*de\s+la\s+)?)?patient(e|in)?"
       r"(\s*\(\s*(e|in)\s*\)|\s*/\s*(e|in)\b)?|paziente|name\s+(des\s+)?patient(en)?|"
       r"patientenname|nome\s+(del\s+)?paziente|personne\s+(traitee|assuree)|"
       r"(behandelte|versicherte)\s+person|persona\s+(curata|trattata|assicurata))(?!\w)"),
]
# the standard form's patient block gives the name in two rows, the family name first
# ("Name" / "Vorname", "Nom" / "Prénom", "Cognome" / "Nome"), or in one row under a label
# naming both in the order they are printed ("Name, Vorname: Muster Anna")
SURNAME = [_l(r"^\W*(nom|name|nachname|familienname|cognome)\W*$", 2.4, alone=True)]
GIVEN_NAME = [_l(r"^\W*(prenom|vorname|nome)\W*$", 2.4, alone=True)]
SURNAME_FIRST = [_l(r"^\W*(nom\s*(,|/|et)\s*prenoms?|name\s*(,|/|und)\s*vorname|"
                    r"cognome\s*(,|/|e)\s*nome)\W*$", 2.6, alone=True)]
GIVEN_NAME_FIRST = [_l(r"^\W*(prenoms?\s*(,|/|et)\s*nom|vorname\s*(,|/|und)\s*name|"
                       r"nome\s*(,|/|e)\s*cognome)\W*$", 2.6, alone=True)]
# the address window's salutation; with a comma it opens a letter's text ("Monsieur,")
WINDOW = [_l(r"^\W*(madame|monsieur|frau|herr|signora|signor|signore)[^\w,]*$", 2.0)]
# the person treated, named in the identification block by a bare "Pour" / "Für" / "Per"
# (a word alone in its box: a sentence "Pour les séances de ..." is not a label)
TREATED = [_l(r"^\W*(pour|fur|per)\W*$", 2.4)]
AMOUNT_DUE = [
    # "en notre faveur" says it whatever the word before it was read as ("Solide")
    _l(r"^\W*(montant\s*(du|a\s*payer|a\s*verser|a\s*rembourser|net)|([a-z]{4,7})?\s*"
       r"(en\s*notre\s*faveur|zu\s*unseren\s*gunsten|a\s*nostro\s*favore)|"
       r"solde(\s*(a\s*payer|ouvert|du))?|(net|reste)\s*a\s*payer|total\s*(a\s*payer|du)|"
       r"a\s*payer|(fallig|zahlbar)er\s*betrag|((total|netto|betrag)\s*)?zu\s*(be)?zahlen|"
       r"zu\s*uberweisen|zahl(ungs)?betrag|rechnungsbetrag|restbetrag|offener\s*(betrag|saldo)|"
       r"ausstehender\s*betrag|ruckerstattungsbetrag|montant\s*ouvert|"
       r"importo\s*(dovuto|d?a\s*pagare|da\s*versare|da\s*rimborsare|aperto|residuo)|"
       r"saldo(\s*(da\s*pagare|residuo))?|(totale|netto)\s*d?a\s*pagare|da\s*pagare)"
       r"\s*(chf|eur|fr\.?)?\s*:?"),
    _l(r"^\W*(total|totale|totalbetrag|gesamtbetrag|gesamttotal|gesamtsumme|total\s*general|"
       r"totale\s*generale|montant\s*total|importo\s*totale|"
       r"endbetrag|total\s*(des\s*prestations|der\s*leistungen|leistungen|de\s*la\s*facture)|"
       r"totale\s*(delle\s*)?prestazioni|rechnungstotal|totale\s*(della\s*)?fattura)"
       r"\s*(chf|eur|fr\.?)?\s*:?(?=\s*-?\d|\s*$)", 2.0),
]
_NOT_AMOUNT_LABEL = re.compile(r"sous|zwischen|sub|punkt|points|punti|tva|mwst|iva|acompte")


def _date_parser(lo: date, hi: date, today: date) -> Callable[[str], date | None]:
    def parse(text: str) -> date | None:
        for d, start, _end in find_dates(text, today=today):
            if start <= 3 and lo <= d <= hi:
                return d
            break
        return None

    return parse


# a number printed in groups ("RE 2026-0042", "2026 04812"): the whole of a value's box, a
# short prefix of letters then groups with digits, one space apart
_SPACED_NUMBER = re.compile(r"([A-Z]{1,3}|[A-Z0-9/._-]*\d[A-Z0-9/._-]*)"
                            r"( [A-Z0-9/._-]*\d[A-Z0-9/._-]*){1,2}", re.IGNORECASE)


def _number(text: str) -> str | None:
    # no invoice number holds a comma: between digits, the last ones of the box, it is a
    # full stop misread ("67,994374"); before a date it parts the number from the date
    text = re.sub(r"(?<=\d),(?=\d+$)", ".", text.strip())
    if (len(text) <= 24 and _SPACED_NUMBER.fullmatch(text)
            and not any(find_dates(group) for group in text.split())):
        return text
    m = re.match(_INVOICE_NO_VALUE, text, re.IGNORECASE)
    return _invoice_number_value(m.group(1)) if m else None


def _gln(text: str) -> str | None:
    found = find_glns(text, repair=True)
    ok = found and found[0][1] <= 3 and not found[0][0].startswith("7680")
    return found[0][0] if ok else None


def _amount(text: str) -> Decimal | None:
    t = text.strip()
    if t.startswith(("-", "–")) or not re.fullmatch(
        r"(?i)(chf|eur|fr\.|sfr\.?)?\s*[\d'’` .,]+-?\s*(chf|eur)?", t
    ):
        return None
    found = find_amounts(t)
    return found[-1][0] if found else None


_LABEL_WORDS = re.compile(r"(?i)\b(nr|no|n°|date|datum|data|geb|gln|ahv|avs)\b")


def _name(text: str) -> str | None:
    # the birth date's label printed close after the name, in the same box ("Chiara Colombo
    # Nata il: 19.02.1962"): the name ends where it starts
    folded = repair_label_words(fold(text))
    starts = [m.start() for label in BIRTH_DATE if (m := label.pattern.search(folded))]
    if starts and min(starts) > 0:
        text = text[:min(starts)]
    # a speck read as a full stop after a first name ("Markus. Frei"); an initial keeps its own
    text = re.sub(r"(?<=[^\W\d]{3})\.(?= [^\W\d])", "", text)
    name = _clean_name(text)
    if name is None or _LABEL_WORDS.search(name) or len(name.split()) < 2:
        return None
    return name


def _one_name(text: str) -> str | None:
    """A family or a first name alone in its box: words of letters, a hyphen or an apostrophe."""
    text = text.split("  ")[0].strip(" :,;.|")
    words = re.fullmatch(r"[^\W\d_]+([ '’-][^\W\d_]+){0,2}", text)
    if not words or sum(map(str.isalpha, text)) < 2 or _LABEL_WORDS.search(text):
        return None
    return text


def _surname_first(text: str) -> str | None:
    """"Muster Anna", "Muster, Anna" or "Muster/Anna" as "Anna Muster"; a longer name whose
    parts are not marked is kept as printed."""
    parts = [p.strip() for p in re.split(r"[,/]", text, maxsplit=1)]
    if len(parts) == 1:
        parts = text.split()
        if len(parts) != 2:
            return _name(text)
    family, given = (_one_name(p) for p in parts)
    return f"{given} {family}" if family and given else None


def _given_name_first(text: str) -> str | None:
    return _name(re.sub(r"\s*[,/]\s*", " ", text))


def _split_patient(boxes: list[Box]) -> Pairing[str] | None:
    """The patient's name from the family name's and the first name's rows of one block
    (next to each other or one row between, their labels in one column), else from one row
    labelled with both."""
    for family in pair_label(boxes, SURNAME, _one_name):
        for given in pair_label(boxes, GIVEN_NAME, _one_name):
            a, b = family.label, given.label
            if (a.page == b.page and a.row != b.row
                    and abs(a.y0 - b.y0) <= 3 * max(a.h, b.h)
                    and abs(a.x0 - b.x0) < 3 * max(a.h, b.h)):
                return replace(given, value=f"{given.value} {family.value}",
                               score=min(family.score, given.score))
    return _best(pair_label(boxes, SURNAME_FIRST, _surname_first)
                 + pair_label(boxes, GIVEN_NAME_FIRST, _given_name_first))


def _field(p: Pairing[Any], weight: float) -> Field:
    return Field(p.value, p.label.source, round(weight * max(0.0, min(1.0, p.conf)), 3))


def _best(pairs: list[Pairing[V]], *, last: bool = False) -> Pairing[V] | None:
    if not pairs:
        return None
    top = max(p.score for p in pairs)
    best = [p for p in pairs if p.score == top]
    return best[-1] if last else best[0]


def _row_text(box: Box, boxes: list[Box]) -> str:
    return " ".join(b.folded for b in boxes if b.row == box.row and b.page == box.page)


_ROLE = re.compile(f"(?P<other>{_OTHER_ROLE})|(?P<biller>{_BILLER})|(?P<provider>{_PROVIDER})")
# a section's heading: the party's word alone ("Versicherer", "Leistungserbringer:")
_HEADING = re.compile(r"^\W*\w+\W*$")


# the parties' long words, to know them again with a letter added or dropped in small print
# ("Rechnungsstelle r", "Leistungserbinger"): a short word one letter off is another word
_ROLE_WORDS = {
    **dict.fromkeys(("rechnungssteller", "facturant", "fatturante"), "biller"),
    **dict.fromkeys(("leistungserbringer", "fournisseur", "prestataire", "fornitore",
                     "prestatore"), "provider"),
    **dict.fromkeys(("versicherer", "versicherung", "assureur", "assicuratore",
                     "assicurazione", "zuweiser", "verordnender", "prescripteur",
                     "prescrivente", "auftraggeber", "arbeitgeber", "employeur"), "other"),
}


def _misread_role(word: str) -> str | None:
    """The party of a long word the OCR read with a letter added or dropped; a letter changed
    is already put right in every box's folded text (``layout.repair_label_words``)."""
    if len(word) < 8:
        return None
    for known, kind in _ROLE_WORDS.items():
        if abs(len(known) - len(word)) == 1 and edits(word, known) == 1:
            return kind
    return None


def last_role(text: str) -> str | None:
    """"other", "biller" or "provider": the last party the text names (a party's long word
    with one letter misread by the OCR still names it)."""
    kinds = [k for m in _ROLE.finditer(text) for k, v in m.groupdict().items() if v]
    if kinds:
        return kinds[-1]
    misread = [k for w in re.findall(r"[a-z]+", text) if (k := _misread_role(w))]
    return misread[-1] if misread else None


# a band over a group of boxes naming their party in a few words ("Auteur de la facture",
# "Verordnender Arzt", "Medico prescrivente"): the words of a party and nothing else
_PARTY_BAND = re.compile(r"^\W*[^\W\d]+(\W+[^\W\d]+){0,3}\W*$")


def party_band(box: Box) -> bool:
    """The box names a party in a few words and nothing else ("Auteur de la facture")."""
    return bool(_PARTY_BAND.match(box.folded)) and last_role(box.folded) is not None


def _heading(box: Box, boxes: list[Box]) -> bool:
    """A section's title, not a label with its value: a row of parties named alone in their
    boxes (bands over the boxes of each party: "Rechnungssteller | Verordnender Arzt |
    Versicherer"), or a word alone with nothing beside it."""
    # the address window's salutation ("Frau", "Madame") may stand on the heading's row, in
    # its own column: it is not the heading's value; nor is a speck, or a rule read as "/"
    # or as letters a third of the heading's height ("on")
    if party_band(box) and all(party_band(b) or WINDOW[0].pattern.search(b.folded)
                                or not re.search(r"\w", b.folded) or b.h < box.h / 3
                                for b in boxes if b.row == box.row and b.page == box.page):
        return True
    return bool(_HEADING.match(box.folded)) and not any(
        b is not box and b.row == box.row and b.page == box.page
        and 0 <= b.x0 - box.x1 < 25 * box.h and not WINDOW[0].pattern.search(b.folded)
        for b in boxes)


def _heading_above(label: Box, boxes: list[Box]) -> str | None:
    """The party of the nearest heading above the label in its column (a few rows up); the
    patient has no GLN of their own, so a patient's section says nothing."""
    above = [b for b in boxes if b.page == label.page and label.row - 3 <= b.row < label.row
             and label.y0 - b.y1 < 10 * label.h and b.x0 < label.x1 and b.x1 > label.x0
             and not re.search(r"\b(gln|ean)\b|patient|pazient", b.folded)]
    for b in sorted(above, key=lambda b: -b.y0):
        role = last_role(b.folded) if _heading(b, boxes) else None
        if role is not None:
            return role
    return None


def _row_before(label: Box, boxes: list[Box]) -> str:
    """The words before the label in its own column of the row: the boxes on its left up to
    the first that holds a value (digits) or another GLN's label, which belong to the column
    beside ("GLN assureur | 7601… | GLN | 7601…" in a two-column grid)."""
    left = sorted((b for b in boxes if b.row == label.row and b.page == label.page
                   and b is not label and b.x1 <= label.x0 + 2), key=lambda b: -b.x1)
    words: list[str] = []
    for b in left:
        if re.search(r"\d|\b(gln|ean)\b", b.folded):
            break
        words.insert(0, b.folded)
    return " ".join(words)


def _gln_role(label: Box, boxes: list[Box]) -> str | None:
    """Whose GLN the label gives: the party its own words name ("GLN Rechnungssteller",
    "Assureur GLN"), else the start of its column's row ("Auftraggeber | EAN-Nr. | 7601…"),
    else the heading of its section."""
    f = label.folded
    words = re.split(r"\d", f, maxsplit=1)[0]  # the label's words, up to its value
    return last_role(words) or last_role(_row_before(label, boxes)) or _heading_above(
        label, boxes)


def _provider_gln(boxes: list[Box]) -> Field | None:
    """The biller's GLN: by the role its label, its row or its section names, never another
    party's; the biller's wins over the provider's, the provider's over a GLN no party names
    (a billing centre's own, in its letterhead's contact line)."""
    other = re.compile(_OTHER_ROLE + r".{0,12}(gln|ean)")
    pairs = []
    for p in pair_label(boxes, PROVIDER_GLN, _gln, skip=other):
        role = _gln_role(p.label, boxes)
        named = re.sub(r"^\W*(gln|ean)\W*(nr\W*)?", "", re.split(r"\d", p.label.folded)[0])
        if role is None and re.fullmatch(r"[a-z]{8,}\W*", named):
            continue  # "GLN" and a word naming no party known: whose GLN is not known
        if role != "other":
            bonus = 0.3 if role == "biller" else 0.05 if role == "provider" else 0.0
            pairs.append(replace(p, score=p.score + bonus))
    gln = _best(sorted(pairs, key=lambda p: -p.score))
    return _field(gln, 0.97) if gln else None


def read_labelled(lines: list[Line], today: date, *,
                  boxes: list[Box] | None = None) -> dict[str, Field | None]:
    """invoice_date, patient_birth_date, invoice_number, provider_gln, patient_name, amount and
    currency, each read next to its label; ``None`` where no label carries a value."""
    boxes = boxes_from_lines(lines) if boxes is None else boxes
    out: dict[str, Field | None] = {}
    invoice_day = _date_parser(date(2000, 1, 1), today + timedelta(days=31), today)
    day = _best([p for p in pair_label(boxes, INVOICE_DATE, invoice_day)
                 if not is_fax_header(_row_text(p.label, boxes))])
    out["invoice_date"] = _field(day, 0.96) if day else None
    birth = _best(pair_label(boxes, BIRTH_DATE, _date_parser(date(1900, 1, 1), today, today)))
    out["patient_birth_date"] = _field(birth, 0.95) if birth else None
    number = _best(pair_label(boxes, INVOICE_NUMBER, _number))
    out["invoice_number"] = _field(number, 0.95) if number else None
    out["provider_gln"] = _provider_gln(boxes)
    name = (_best(pair_label(boxes, PATIENT, _name)) or _split_patient(boxes)
            or _best(pair_label(boxes, TREATED, _name)) or _best(pair_label(boxes, WINDOW, _name)))
    out["patient_name"] = _field(name, 0.9 if name.score >= 2.5 else 0.7) if name else None
    pairs = [p for p in pair_label(boxes, AMOUNT_DUE, _amount)
             if not _NOT_AMOUNT_LABEL.search(p.label.folded)]
    due = _best(pairs, last=True)
    out["amount"] = _field(due, 0.97 if due.score >= 2.5 else 0.9) if due else None
    out["currency"] = None
    if due is not None:
        row = " ".join(b.text for b in boxes if b.row == due.label.row)
        cur = re.search(r"\b(CHF|EUR|Fr\.|SFr\.?)", row)
        if cur:
            code = "EUR" if cur.group(1) == "EUR" else "CHF"
            out["currency"] = Field(code, due.label.source, round(0.97 * due.conf, 3))
    return out
