"""The provider's name: the biller's letterhead, at the top of the first page.

Swiss invoices open with the biller's block (top left, sometimes centred): a logo or initials,
the provider's name, the practitioner and speciality, the address, phone and fax; the title
and the billing mode stand on the right, the patient's address window below. The name is
usually the biggest text of that block. So the candidates are the boxes of the first page's
top rows that are not an address, a phone line, a title, a salutation or a label; each scores
by its size against the page's usual text, by words that name a provider (Dr, cabinet, Praxis,
pharmacie, Spital, laboratoire, SA, AG…), by how high and how far left it stands. The letterhead
is a compact block: a row after a wide blank gap belongs to the title, the window or the
identification block, so only the first block of rows holding a candidate is looked at (a
fax machine's transmission line above it aside).

An invoice a billing centre prints for the provider bears the centre's letterhead; the provider
is then named in a block or a line labelled as the provider's (``labelled_provider``), which
wins over the letterhead.
"""

from __future__ import annotations

import re
import statistics

from .labelled import last_role, party_band
from .layout import Box, any_label, below, fold, right_of
from .ocr import Line
from .values import Field, is_fax_header

__all__ = ["labelled_provider", "provider_name"]

HEAD_ROWS = 12  # the printed rows of page 1 the letterhead lives in
BLOCK_GAP = 2.0  # a blank gap this many text heights high ends the letterhead's block

_HINT = re.compile(
    r"\b(dr|dre|dr\.ssa|prof|med|cabinet|studio|centre|centro|physio\w*|fisio\w*|ergo\w*|"
    r"clinique|clinica|hopital|ospedale|pharmacie|farmacia|sarl|gmbh|sa|ag|medical|"
    r"laboratoire|laboratorio|psycho\w*|therap\w*)\b|"
    # German compounds: Kantonsspital, Bahnhof-Apotheke, Gemeinschaftspraxis, Laborzentrum
    r"(spital|apotheke|praxis|klinik|zentrum|labor)\w*\b"
)
_NOT_A_NAME = re.compile(
    r"\b(tel|fax|gln|zsr|rcc|iban|www|e-?mail|rue|strasse|str|via|avenue|av|chemin|weg|gasse|"
    r"corso|viale|route|platz|place|piazza|case postale|postfach|casella)\b|@|\d{4}\s+\w|"
    # German street names are compounds: Bahnhofstrasse 53, Hauptgasse 21, Kirchweg 5
    r"\w(strasse|str\.|gasse|weg|platz|allee|ring)\s*\d|"
    r"\+41|\b0\d{2}\s?\d{3}"
)
# the title and mode of the form (an invoice, its tiers garant copy, a fee note, a duplicate,
# a reminder, a credit note), the salutation of the address window, a page count
_TITLE = re.compile(
    r"^\W*(facture|rechnung|fattura|invoice|quittance|quittung|beleg|scontrino|ricevuta|"
    r"justificatif|ruckforderungsbeleg|giustificativo|copie|kopie|copia|rechnungskopie|"
    r"duplicata|duplikat|duplicato|honorarnote|honorarrechnung|note\s+d.honoraires?|"
    r"nota\s+d.onorari[oi]|rappel|mahnung|zahlungserinnerung|sollecito|gutschrift|"
    r"note\s+de\s+credit|nota\s+di\s+credito|tiers\s+(garant|payant)|"
    r"madame|monsieur|mme|frau|herr|signora|signor|signore|page|seite|pagina)\b"
)
_SPECIALITY = re.compile(r"\bfmh\b|\bfsp\b|\bsso\b|^\W*(service|abteilung|servizio)\b")
# a practitioner's profession and diploma, printed under the name ("Fisioterapista diplomato",
# "Physiothérapeute diplômée", "Dipl. Ergotherapeutin"): no name, the words of a name are none
# of these
_PROFESSION_WORD = re.compile(
    r"dipl\.?|diplom\w*|eidg\.?|anerkannt\w*|agreee?|reconnue?|et|und|e|en|in|fur|di|de|"
    r"\w*(therapeut(in|e)?|terapista|terapeuta|olog(ue|e|in|o|a)|path(e|in)|opata|"
    r"masseu(r|se)|massaggiat(ore|rice)|opticien(ne)?|optiker(in)?|ottico|heilpraktiker(in)?|"
    r"ernahrungsberater\w*|dietista|dieteticien(ne)?|hebamme|levatrice|infirmier|infirmiere|"
    r"generaliste|specialiste|spezialist(in)?|specialista|medecin|arzt(in)?|medic[oa])"
)


def _profession_only(folded: str) -> bool:
    words = [w for w in re.split(r"[\s,/]+", folded.strip(" .,;:")) if w]
    return bool(words) and all(_PROFESSION_WORD.fullmatch(w) for w in words)


def _clean(text: str) -> str:
    # the OCR often sets a space on either side of a name's hyphen: "See - Apotheke",
    # "SEE -APOTHEKE"
    return re.sub(r"(?<=\w) ?- ?(?=\w)", "-", text.split("  ")[0].strip(" |:;,.-_=*'\""))


def _candidate(box: Box) -> bool:
    t = _clean(box.text)
    f = fold(t)
    if len(t) < 4 or _NOT_A_NAME.search(f) or _TITLE.search(f) or _profession_only(f):
        return False
    # big bold letterheads read with little confidence still name a provider when they say so
    if box.conf < (0.1 if _HINT.search(f) else 0.45):
        return False
    if any_label(box) and not _HINT.search(f):
        return False
    letters = sum(c.isalpha() for c in t)
    return letters >= 0.6 * len(t.replace(" ", ""))


def _score(box: Box, rank: int, usual: float, width: float) -> float:
    f = fold(_clean(box.text))
    size = min(box.h / usual, 2.0) if usual else 1.0
    score = 3.0 * size + (0.8 if _HINT.search(f) else 0.0) - 0.08 * rank
    if _SPECIALITY.search(f):
        score -= 0.8  # the practitioner's speciality or the department, under the name
    if width and box.x0 > 0.55 * width:
        score -= 0.6  # the right side holds the title and the window
    return score


def _blocks(boxes: list[Box], rows: list[int], usual: float) -> dict[int, int]:
    """Each row's block: the count of wide blank gaps above it; -1 for a fax machine's
    transmission line (the sender's name cut short there)."""
    out: dict[int, int] = {}
    block, bottom = 0, None
    for row in rows:
        boxes_of_row = [b for b in boxes if b.row == row]
        if is_fax_header(fold(" ".join(b.text for b in boxes_of_row))):
            out[row] = -1
            continue
        top = min(b.y0 for b in boxes_of_row)
        if bottom is not None and top - bottom > BLOCK_GAP * usual:
            block += 1
        out[row] = block
        bottom = max(bottom or 0.0, max(b.y1 for b in boxes_of_row))
    return out


def provider_name(lines: list[Line], boxes: list[Box]) -> Field | None:
    """The biller's name from the first page's letterhead, or None."""
    first = [b for b in boxes if b.page == 0]
    if not first:
        return None
    usual = statistics.median(b.h for b in first)
    width = max(b.x1 for b in first)
    rows = sorted({b.row for b in first}, key=lambda r: min(b.y0 for b in first if b.row == r))
    head = {row: rank for rank, row in enumerate(rows[:HEAD_ROWS])}
    block = _blocks(first, rows[:HEAD_ROWS], usual)
    cands = [(_score(b, head[b.row], usual, width), b) for b in first
             if b.row in head and block[b.row] >= 0 and _candidate(b)]
    if not cands:
        return None
    top = min(block[b.row] for _s, b in cands)
    cands = [(s, b) for s, b in cands if block[b.row] == top]
    score, box = max(cands, key=lambda c: c[0])
    conf = (0.85 if score >= 3.6 else 0.6) * max(0.0, min(1.0, box.conf))
    return Field(_clean(box.text), box.source, round(conf, 3))


def _party_words(box: Box) -> str | None:
    """The party a box names in a few words and nothing else ("Leistungserbringer",
    "Fournisseur de prestations:", "Auteur de la facture"), else None."""
    return last_role(box.folded) if party_band(box) else None


def labelled_provider(boxes: list[Box]) -> Field | None:
    """The provider's name where a label gives it: a block headed "Leistungserbringer" /
    "Fournisseur de prestations" / "Fornitore di prestazioni" with the name under the heading,
    or that label with the name beside it. An invoice a billing centre prints and sends bears
    the centre's letterhead, and names the provider only there. Not read when the page names a
    biller too ("Rechnungssteller", "Auteur de la facture"): the biller's letterhead is then the
    name asked for, the provider's block a practitioner of its staff."""
    first = [b for b in boxes if b.page == 0]
    roles = [(b, _party_words(b)) for b in first]
    if any(role == "biller" for _b, role in roles):
        return None
    for head, role in roles:
        if role != "provider" or re.search(r"\b(gln|ean|zsr|rcc)\b", head.folded):
            continue
        right = [b for b in right_of(head, first) if re.search(r"\w", b.text)][:1]
        for value in [*right, below(head, first)]:
            if value is not None and _candidate(value) and not _party_words(value):
                return Field(_clean(value.text), value.source, round(0.8 * value.conf, 3))
    return None
