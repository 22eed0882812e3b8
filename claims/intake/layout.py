"""Label -> value pairing by geometry on the words of a page (OCR or PDF text layer).

A page is read as *boxes*: runs of words separated by ordinary spaces. A label's value is the
rest of its own box, else the next box to its right on the same row, else the box directly
below it; a box that is itself a label stops the search, so the neighbouring column of a
two-column grid (an invoice date on the left, a birth date on the right of the same printed
line) never lends its value to, nor takes it from, the other column.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

from .ocr import Line, Word

__all__ = ["Box", "Label", "Pairing", "above", "boxes_from_lines", "pair_label", "any_label",
           "below"]

T = TypeVar("T")


def fold(text: str) -> str:
    """Lower-case and strip accents, keeping the length when the text is precomposed."""
    nfkd = unicodedata.normalize("NFKD", text)
    return "".join(c for c in nfkd if not unicodedata.combining(c)).lower()


# The long words of the labels fr/de/it invoices print (the domain note's, the readers'). A
# label in small print that the OCR read with a letter wrong ("Eactüre n°", "Rechnungsnurmer")
# is known again when it is that near to exactly one of them. Letters changed, never added or
# dropped: the folded text keeps its length, so positions found in it stay true in the text.
LABEL_WORDS = frozenset((
    # the invoice
    "beleg", "datum", "facture", "factures", "facturer", "facturation", "facturant", "fattura",
    "fatture", "fatturare", "fatturazione", "fatturante", "rechnung", "rechnungs",
    "rechnungsnummer", "rechnungsdatum", "rechnungsbetrag", "rechnungssteller", "rechnungstotal",
    "numero", "nummer", "quittance", "quittung", "scontrino", "ricevuta", "document", "dokument",
    "documento", "emission", "ausstellungsdatum", "emessa", "emesso", "reference", "referenz",
    "riferimento",
    # the patient
    "naissance", "geburtsdatum", "geboren", "nascita", "patient", "patiente", "patientin",
    "paziente", "patienten",
    # the amounts
    "total", "solde", "saldo", "montant", "betrag", "importo", "dovuto", "fallig", "zahlbar",
    "payer", "bezahlen", "pagare", "acompte", "anzahlung", "acconto",
    "ricevuto",  # "Acconto ricevuto": the word itself, not the receipt's "ricevuta" misread
    # the address window's salutation
    "madame", "monsieur", "signora", "signore",
    # the parties
    "assureur", "versicherer", "versicherung", "versicherte", "versicherten", "assicuratore",
    "assicurazione", "fournisseur", "prestataire", "leistungserbringer", "fornitore", "prestatore",
    "prescripteur", "verordnender", "prescrivente", "zuweiser", "auftraggeber", "arbeitgeber",
    "employeur",
    # the treatment
    "prestations", "prestazione", "prestazioni", "leistungen", "traitement", "behandlung",
    "trattamento", "periode", "zeitraum", "periodo",
))
_LABEL_WORDS_BY_LENGTH: dict[int, tuple[str, ...]] = {}
for _word in sorted(LABEL_WORDS):
    _LABEL_WORDS_BY_LENGTH[len(_word)] = (*_LABEL_WORDS_BY_LENGTH.get(len(_word), ()), _word)


def substitutions(a: str, b: str) -> int:
    """How many letters differ between two words of the same length."""
    return sum(x != y for x, y in zip(a, b, strict=True))


def _known_label_word(match: re.Match[str]) -> str:
    word = match.group(0)
    if word in LABEL_WORDS:
        return word
    # one letter: two would make other words of the languages label words ("fatturarle" is
    # two letters off "fatturante"); a word as near to two label words is left as it is
    near = [known for known in _LABEL_WORDS_BY_LENGTH.get(len(word), ())
            if substitutions(word, known) <= 1]
    return near[0] if len(near) == 1 else word


# "GLN" in small print: "GI.N", "G1N", "6LN", "CLN", "GLM"; "GEN" only before a party's word
# or a GLN ("Gen." is also a street's "General")
_GLN_MISREAD = re.compile(
    r"(?<![a-z0-9])(g[il1|]\.?n|[6c]ln|gl[mh]|gen(?=\s+(auteur|rechnung|fournisseur|"
    r"leistung|erbringer|fornitore|facturant|fatturante|assur|versich|assicur)|\s*:?\s*76\d{11}"
    r"))(?![a-z0-9])")
# the small "°" of "N°" read as a quote or an asterisk on a fax ("N’ de facture", "N" AVS")
_NUMBER_SIGN_MISREAD = re.compile(r"(?<![a-z0-9])n[’‘'\"“”*](?=\s)")


@lru_cache(maxsize=16384)
def repair_label_words(folded: str) -> str:
    """``folded`` with each misread label word of five letters or more, each misread "GLN" and
    "N°" put right (the same length: "gi.n" becomes "gln ")."""
    text = _GLN_MISREAD.sub(lambda m: "gln".ljust(len(m.group(0))), folded)
    text = _NUMBER_SIGN_MISREAD.sub("n°", text)
    return re.sub(r"[a-z]{5,}", _known_label_word, text)


@dataclass(frozen=True)
class Box:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    page: int
    conf: float  # 0..1
    source: str
    row: int  # index of the printed row (Line) the box belongs to

    @property
    def h(self) -> float:
        return max(1.0, self.y1 - self.y0)

    @property
    def folded(self) -> str:
        f = fold(self.text)
        return repair_label_words(f if len(f) == len(self.text) else self.text.lower())


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2] if values else 0.0


def _phrases(words: tuple[Word, ...]) -> list[list[Word]]:
    """Split a row of words where the gap is wider than an ordinary space: more than about a
    text height, or two characters of a wide font (a till receipt's monospace, whose spaces
    are a whole character wide)."""
    ws = sorted(words, key=lambda w: w.left)
    if not ws:
        return []
    h = max(4.0, _median([w.height for w in ws]))
    char = _median([w.width / len(w.text) for w in ws if len(w.text.strip()) >= 2])
    out: list[list[Word]] = [[ws[0]]]
    for w in ws[1:]:
        prev = out[-1][-1]
        gap = w.left - (prev.left + prev.width)
        if gap > max(1.1 * h, 2.0 * char):
            out.append([w])
        else:
            out[-1].append(w)
    return out


def boxes_from_lines(lines: list[Line]) -> list[Box]:
    """Boxes in reading order. Lines without word positions (plain text) are split on runs of
    two or more spaces and laid out on a synthetic grid (one row per line, a column per char)."""
    boxes: list[Box] = []
    for idx, ln in enumerate(lines):
        if ln.words:
            for group in _phrases(ln.words):
                boxes.append(
                    Box(
                        text=" ".join(w.text.strip() for w in group).strip(),
                        x0=min(w.left for w in group),
                        y0=min(w.top for w in group),
                        x1=max(w.left + w.width for w in group),
                        y1=max(w.top + w.height for w in group),
                        page=ln.page,
                        conf=sum(w.conf for w in group) / len(group) / 100,
                        source=ln.source,
                        row=idx,
                    )
                )
            continue
        for m in re.finditer(r"\S+(?: \S+)*", ln.text):
            boxes.append(
                Box(m.group(0), m.start() * 10.0, idx * 20.0, m.end() * 10.0, idx * 20.0 + 12,
                    ln.page, ln.conf, ln.source, idx)
            )
    return [b for b in boxes if b.text]


@dataclass(frozen=True)
class Label:
    """A field label: ``pattern`` matches in folded text; ``alone`` labels (a bare "Date")
    only count when they open their box."""

    pattern: re.Pattern[str]
    score: float = 3.0
    alone: bool = False


@dataclass(frozen=True)
class Pairing(Generic[T]):
    value: T
    score: float
    label: Box
    where: str  # "same box" | "right" | "below"

    @property
    def conf(self) -> float:
        return self.label.conf


# any label of the forms, to stop a search at the next field (fr/de/it)
_ANY_LABEL = re.compile(
    r"^\W*(n\s?[°º o.]|no\b|nr\b|num|date|datum|data\b|gln|rcc|zsr|loi\b|gesetz|legge|motif|"
    r"grund|motivo|period|behandlung|traitement|trattamento|patient|pazient|nom\b|name\b|nome\b|"
    r"ne\(e\)|nee?\b|nato|geb|naiss|nasc|sex|geschlecht|sesso|avs|ahv|assur|versich|"
    r"assicur|karte|carte|tessera|facture|rechnung|fattura|case|fall|caso|sejour|aufenthalt|"
    r"degenza|total|montant|betrag|importo|acompte|anzahlung|acconto|solde|saldo|tel|fax|iban|"
    r"ref|beleg|quittance|scontrino|prelevement|entnahme|prelievo|medecin|auftrag|medico|"
    r"eintritt|austritt|entree|sortie|entrata|uscita|davon|dont|di cui|ordonnance|rezept|ricetta|"
    r"geboren|devis|kostenvoranschlag|preventivo)"
)


def any_label(box: Box) -> bool:
    t = box.folded
    return bool(_ANY_LABEL.search(t)) and not re.match(r"^\W*\d", t)


def _same_row(a: Box, b: Box) -> bool:
    if a.page != b.page:
        return False
    overlap = min(a.y1, b.y1) - max(a.y0, b.y0)
    return overlap >= 0.5 * min(a.h, b.h)


def _table_header(label: Box, boxes: list[Box]) -> bool:
    """A label in a row of four or more short boxes is a column heading (Date | Tarif | ...);
    a table's columns have names of their own, so a row that repeats its label ("GLN | GLN |
    GLN" over the boxes of each party) is a row of boxes, not a table's head."""
    # specks and dots a scan leaves on the row are no columns
    row = [b for b in boxes if _same_row(b, label) and re.search(r"\w", b.text)]
    short = [b for b in row if len(b.text) <= 12]
    repeated = sum(b.folded == label.folded for b in row) > 1
    return len(row) >= 4 and len(short) >= 4 and not repeated


def right_of(label: Box, boxes: list[Box]) -> list[Box]:
    out = [b for b in boxes if b is not label and _same_row(b, label) and b.x0 >= label.x1 - 2]
    return sorted(out, key=lambda b: b.x0)


def below(label: Box, boxes: list[Box]) -> Box | None:
    best = None
    for b in boxes:
        if b is label or b.page != label.page or b.y0 < label.y1 - 0.3 * label.h:
            continue
        if b.y0 - label.y1 > 1.6 * max(label.h, b.h):
            continue
        aligned = abs(b.x0 - label.x0) < 3 * label.h or (
            min(b.x1, label.x1) - max(b.x0, label.x0) > 0.5 * min(b.x1 - b.x0, label.x1 - label.x0)
        )
        if aligned and (best is None or b.y0 < best.y0):
            best = b
    return best


def above(value: Box, boxes: list[Box]) -> Box | None:
    """The box right above ``value`` whose ``below`` it is: a label over its value."""
    over = [b for b in boxes if b is not value and b.page == value.page and b.y1 <= value.y0 + 2
            and value.y0 - b.y1 <= 1.6 * max(b.h, value.h)]
    for b in sorted(over, key=lambda b: -b.y0):
        if below(b, boxes) is value:
            return b
    return None


def _rest_of_box(box: Box, end: int) -> str:
    rest = box.text[end:]
    # cut at the next label inside the same run ("Patient: A. Muster  Né le: 17.04.1981")
    folded = fold(rest)
    stop = _NEXT_IN_BOX.search(folded if len(folded) == len(rest) else rest.lower())
    if stop and stop.start() > 0:
        rest = rest[: stop.start()]
    return rest.strip(" :.;,|-–°º")


_NEXT_IN_BOX = re.compile(
    r"\s(?=(ne\(e\)|nee?\s+le|geb\.|geburtsdatum|geboren|date de naissance|data di nascita|nato/a|"
    r"n° avs|ahv-nr|n\. avs|assureur|versicherer|assicuratore|gln\b|tel\.|fax\b)\W)"
)


# the bare words that head a tariff table's columns
_COLUMN_WORD = re.compile(r"^\W*(date|datum|data|n\s?[°º.]|nr\b|no\b|numero|nummer)\W*$")
# one-character tokens the OCR makes of specks and rules before a label ("À | Numéro")
_SPECKS = re.compile(r"(?:^|(?<=\s))\S(?=\s|$)")


def _match(box: Box, labels: list[Label], skip: re.Pattern[str] | None
           ) -> tuple[Label, re.Match[str]] | None:
    """The first of ``labels`` the box carries (an ``alone`` label must open it)."""
    f = box.folded
    for label in labels:
        m = label.pattern.search(f)
        if not m or (label.alone and _SPECKS.sub(" ", f[: m.start()]).strip(" :.-|")):
            continue
        if skip is not None and skip.search(f[max(0, m.start() - 25) : m.end() + 12]):
            continue
        return label, m
    return None


def _right(box: Box, label: Label, boxes: list[Box], parse: Callable[[str], T | None], *,
           then_a_label: bool = False) -> Pairing[T] | None:
    """The value in the next box to the right; with ``then_a_label``, only when the box after
    it is a label or the row's end (label | value | label | value, not a table's figures)."""
    # dot leaders and column rules between a label and its value carry no value
    right = [b for b in right_of(box, boxes) if re.search(r"\w", b.text)][:2]
    if not right or any_label(right[0]):
        return None
    if then_a_label and len(right) > 1 and not any_label(right[1]):
        return None
    value = parse(right[0].text)
    return Pairing(value, label.score - 0.1, box, "right") if value is not None else None


def _beside(box: Box, label: Label, boxes: list[Box], parse: Callable[[str], T | None]
            ) -> Pairing[T] | None:
    """The value in the next box to the right, else in the box below; a label stops."""
    right = _right(box, label, boxes, parse)
    if right is not None:
        return right
    nb = below(box, boxes)
    if nb is not None and not any_label(nb):
        value = parse(nb.text)
        if value is not None:
            return Pairing(value, label.score - 0.2, box, "below")
    return None


_PART = re.compile(r"\s*/\s*")


def _combined(text: str, start: int, end: int, parse: Callable[[str], T | None]
              ) -> Callable[[str], T | None] | None:
    """A box of labels joined by slashes ("Date de naissance / Sexe", "N° facture / Date")
    gives its values joined the same way ("17.04.1981 / F"): the parser of this label's part
    of the value, or None when the box is a single label."""
    before, after = text[:start], text[end:]
    # "Rechnungs-Nr./-Datum": the second label may open with the hyphen of its compound
    second, first = r"\s*/\s*-?[^\W\d]", r"[^\W\d]\.?\s*/\s*-?$"
    if not re.match(second, after) and not re.search(first, before):
        return None
    k, n = before.count("/"), before.count("/") + 1 + after.count("/")

    def part(value: str) -> T | None:
        parts = _PART.split(value.strip())
        if len(parts) == n:
            return parse(parts[k])
        return parse(value) if k == 0 else None  # "F25/8551 / 12.03.2026": its start

    return part


def _pair_box(box: Box, labels: list[Label], boxes: list[Box],
              parse: Callable[[str], T | None], skip: re.Pattern[str] | None
              ) -> Pairing[T] | None:
    hit = _match(box, labels, skip)
    if hit is None:
        return None
    label, m = hit
    rest = _rest_of_box(box, m.end())
    if re.search(r"\d", rest):  # "GLN/EAN: 7601…": the other name of the label is no value
        rest = re.sub(r"^/\s*[^\W\d][^\d]*?(?=\d)", "", rest)
    elif not label.alone:  # a bare "Date/N° cas" may be another date's: not joined
        combined = _combined(box.text, m.start(), m.end(), parse)
        if combined is not None:  # "Date de naissance / Sexe": the value is beside, in parts
            if label.score < 3 and _table_header(box, boxes):
                return None
            return _beside(box, label, boxes, combined)
    value = parse(rest) if rest else None
    if value is not None:
        return Pairing(value, label.score, box, "same box")
    if rest and re.search(r"\w", _SPECKS.sub(" ", rest)):
        return None  # the label's own box goes on with something else: look no further
    # a bare or weak label in a heading row heads a table column (Date | Tarif | Code ...);
    # a full label ("Rechnungsdatum") heading a band of the invoice's data keeps its value
    if (label.alone or label.score < 3) and _table_header(box, boxes):
        # a table's column heading has another heading beside it, not a value: a value then
        # a label beside make it a label in a row of the grid ("Beleg-Nr. | 2026-0042 |
        # Patient", "Name | Meier | Geburtsdatum | ..."), except a word that heads a tariff
        # table's column ("Date", "N°"); a table's footer ("Total | 215.50 | 0.89 | 191.80")
        # has figures only
        if _COLUMN_WORD.match(box.folded):
            return None
        return _right(box, label, boxes, parse, then_a_label=True)
    return _beside(box, label, boxes, parse)


def pair_label(
    boxes: list[Box],
    labels: list[Label],
    parse: Callable[[str], T | None],
    *,
    skip: re.Pattern[str] | None = None,
) -> list[Pairing[T]]:
    """Every value ``parse`` accepts next to one of ``labels``, best first then reading order."""
    out = [p for box in boxes if (p := _pair_box(box, labels, boxes, parse, skip)) is not None]
    out.sort(key=lambda p: -p.score)
    return out
