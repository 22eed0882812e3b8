"""A second reading, of a few rows only, for the fields the first one missed.

The rows read again are those that carry the label of a missing field (and the row under it,
where a stacked value sits), else the least confident rows of the page; each band is cut out
and enlarged twice, the bands are stacked and read again in one Tesseract run with all three
languages, and their new words take the place of the old ones. A whole second pass over the
page costs as much as the first; a few bands cost a fraction of it.
"""

from __future__ import annotations

import re

import cv2
import numpy as np
from PIL import Image

from .labelled import (
    AMOUNT_DUE,
    BIRTH_DATE,
    INVOICE_DATE,
    INVOICE_NUMBER,
    PATIENT,
    PROVIDER_GLN,
)
from .layout import Label, fold
from .normalise import Page
from .ocr import ALL_LANGS, Line, Word, merge_rows, ocr_image

__all__ = ["rescue_lines", "rows_to_read_again"]

SCALE = 2.0
MARGIN = 0.8  # of a row's height, above and below its band
PSM = 11  # sparse text: a band holds words of several sizes and columns
MAX_BANDS = 6  # per page
GAP = 80  # white rows between two bands in the stack read at once
MAX_STACK = 16000  # pixels: well under Tesseract's limit of 32767 rows per image
LOW_CONFIDENCE = 0.75
_LABELS: dict[str, list[Label]] = {
    "amount": AMOUNT_DUE,
    "invoice_date": INVOICE_DATE,
    "invoice_number": INVOICE_NUMBER,
    "patient_name": PATIENT,
    "provider_gln": PROVIDER_GLN,
    "patient_birth_date": BIRTH_DATE,
}
_GLN_LIKE = re.compile(r"\b7\s?6\s?[0O]\s?1")


def _carries(line: Line, labels: list[Label]) -> bool:
    f = fold(line.text)
    return any(label.pattern.search(f) for label in labels if not label.alone)


# the heading of a QR-bill's payment part (SIX: beside the receipt, in the bottom 105 mm of
# the page); "Récépissé" / "Ricevuta" alone also head a till receipt
_PAYMENT_PART = re.compile(r"\b(section\s*(de\s*)?paiement|zahlteil|sezione\s*(di\s*)?"
                           r"pagamento|payment\s*part)\b")


def payment_part_top(lines: list[Line], page: int) -> int | None:
    """Where the QR-bill's receipt and payment part begin on the page (the top of the row
    of their headings), None when the page has none. Below it the QR code's modules read as
    rows of noise, the least confident of the page, and its printed text repeats what the
    QR code says."""
    tops = [ln.top for ln in lines if ln.page == page and ln.words
            and _PAYMENT_PART.search(fold(ln.text))]
    return min(tops) if tops else None


def rows_to_read_again(lines: list[Line], missing: list[str], page: int) -> list[int]:
    """Indexes (in ``lines``) of the page's rows worth a second reading, best first."""
    rows = [i for i, ln in enumerate(lines) if ln.page == page and ln.words]
    wanted: list[int] = []
    for i in rows:
        ln = lines[i]
        hit = any(_carries(ln, _LABELS[name]) for name in missing if name in _LABELS)
        if hit or ("provider_gln" in missing and _GLN_LIKE.search(ln.text)):
            wanted.append(i)
    if not wanted:  # no label of theirs in sight: the rows the OCR was least sure of, above
        # the payment part (whose noise would take every band)
        bottom = payment_part_top(lines, page)
        wanted = sorted((i for i in rows if lines[i].conf < LOW_CONFIDENCE
                         and (bottom is None or lines[i].top < bottom)),
                        key=lambda i: lines[i].conf)
    return wanted[:MAX_BANDS]


def _band(line: Line, below: Line | None, height: int) -> tuple[int, int]:
    h = max((w.height for w in line.words), default=20)
    pad = round(MARGIN * h)
    top = line.top - pad
    bottom = max(w.top + w.height for w in line.words) + pad
    if below is not None and below.words and below.top - bottom < 2 * h:
        bottom = max(w.top + w.height for w in below.words) + pad
    return max(0, top), min(height, bottom)


Band = tuple[Page, int, int]  # a page and the top and bottom of a band on it


def _stacks(bands: list[Band]) -> list[tuple[np.ndarray, list[tuple[int, Band]]]]:
    """The bands enlarged and stacked one under the other, white rows between them, each
    stack at most MAX_STACK high (Tesseract refuses taller images); with where each band
    starts in its stack. One Tesseract run reads a stack: each run loads the three
    languages' models first."""
    stacks: list[tuple[np.ndarray, list[tuple[int, Band]]]] = []
    parts: list[np.ndarray] = []
    starts: list[tuple[int, Band]] = []
    y = 0

    def close() -> None:
        width = max(part.shape[1] for part in parts)
        stacks.append((np.vstack([np.pad(part, ((0, GAP), (0, width - part.shape[1])),
                                         constant_values=255) for part in parts]), starts))

    for band in bands:
        page, top, bottom = band
        part = cv2.resize(np.asarray(page.image)[top:bottom], None, fx=SCALE, fy=SCALE,
                          interpolation=cv2.INTER_CUBIC)
        if parts and y + part.shape[0] + GAP > MAX_STACK:
            close()
            parts, starts, y = [], [], 0
        parts.append(part)
        starts.append((y, band))
        y += part.shape[0] + GAP
    if parts:
        close()
    return stacks


def _read_bands(bands: list[Band]) -> list[Line]:
    """The bands read again, their words put back at their places on their pages: each word
    by where it stands in the stack (a tall speck can join rows of two bands in one line)."""
    out = []
    for stack, starts in _stacks(bands):
        result = ocr_image(Image.fromarray(stack), psm=PSM, langs=ALL_LANGS)
        for ln in result.lines:
            placed: dict[int, list[Word]] = {}
            for w in ln.words:
                k = max(i for i, (start, _) in enumerate(starts) if start <= w.top + w.height / 2)
                start, (_, top, _) = starts[k]
                placed.setdefault(k, []).append(Word(
                    w.text, w.conf, round(w.left / SCALE), round((w.top - start) / SCALE) + top,
                    round(w.width / SCALE), round(w.height / SCALE)))
            for k, words in placed.items():
                page = starts[k][1][0]
                text = ln.text if len(placed) == 1 else " ".join(w.text for w in words)
                conf = sum(w.conf for w in words) / len(words) / 100
                out.append(Line(text, ln.conf if len(placed) == 1 else conf, tuple(words),
                                page=page.index))
    return out


def _bands(lines: list[Line], wanted: list[int], height: int) -> list[tuple[int, int]]:
    """The rows' bands on the page, overlapping ones joined."""
    by_top = sorted((ln for ln in lines if ln.words), key=lambda ln: ln.top)
    out: list[tuple[int, int]] = []
    for i in wanted:
        line = lines[i]
        after = [ln for ln in by_top if ln.page == line.page and ln.top > line.top]
        out.append(_band(line, after[0] if after else None, height))
    out.sort()
    joined: list[tuple[int, int]] = []
    for top, bottom in out:
        if joined and top <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], bottom))
        else:
            joined.append((top, bottom))
    return joined


def rescue_lines(pages: list[Page], lines: list[Line], missing: list[str]) -> list[Line]:
    """The page's lines with the rows read again in place of the first reading's; [] when
    there was nothing to read again."""
    kept = list(lines)
    bands: list[Band] = []
    for page in pages:
        wanted = rows_to_read_again(lines, missing, page.index)
        for top, bottom in _bands(lines, wanted, page.image.height) if wanted else []:
            kept = [ln for ln in kept if not (ln.page == page.index and ln.words
                                              and top <= ln.top and ln.top < bottom)]
            bands.append((page, top, bottom))
    replaced = _read_bands(bands) if bands else []
    if not replaced:
        return []
    touched = {page.index for page, _, _ in bands}
    out: list[Line] = []
    for index in sorted({ln.page for ln in kept + replaced}):
        mine = [ln for ln in kept + replaced if ln.page == index]
        out.extend(merge_rows(mine) if index in touched else mine)
    return out
