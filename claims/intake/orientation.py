"""Which way up a page is, from its ink alone (milliseconds, where Tesseract's OSD takes half a
second), and how noisy it is.

Printed lines of text leave empty rows between them: the row profile of an upright or upside-
down page swings much more than its column profile, and the other way round for a page on its
side. Latin text has many more ascenders (b, d, h, k, l, t, capitals, digits) than descenders
(g, j, p, q, y): in each line, more ink sits above the band of the small letters than below it;
upside down, more below. Where either signal is weak the answer is ``None`` and the caller asks
Tesseract. Ruled lines are neither: ``erase_rules`` takes them out, for this count and for the
OCR.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["quick_orientation", "noise_level", "is_bilevel", "erase_rules"]

HORIZONTAL = 1.25  # row swing / column swing above this: lines run across the page
VERTICAL = 0.5  # below this: the page lies on its side
UPRIGHT = 0.58  # share of the off-band ink above the small letters: upright above this
UPSIDE_DOWN = 0.42  # ... upside down below this
MIN_LINES = 8


# ink darker than this is a stroke; a ruled line is a run of it longer than a fraction of the
# image's long side (A4: about 8 mm across, 7 mm down), far longer than any stroke of a letter
# whatever the shape of the page (a till roll is narrow and long)
INK = 170
RULE_ACROSS = 35
RULE_DOWN = 40


def erase_rules(gray: np.ndarray) -> np.ndarray:
    """The image without its ruled lines (the boxes of a form, a table's rules, underlines):
    reading a page as one block, Tesseract drops the words of a row framed by rules; the
    words themselves are left."""
    ink = (gray < INK).astype(np.uint8)
    side = max(gray.shape)
    across = cv2.getStructuringElement(cv2.MORPH_RECT, (max(20, side // RULE_ACROSS), 1))
    down = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(20, side // RULE_DOWN)))
    rules = cv2.bitwise_or(cv2.morphologyEx(ink, cv2.MORPH_OPEN, across),
                           cv2.morphologyEx(ink, cv2.MORPH_OPEN, down))
    if not rules.any():
        return gray
    out = gray.copy()
    out[cv2.dilate(rules, np.ones((3, 3), np.uint8)) > 0] = 255
    return out


def _swing(profile: np.ndarray) -> float:
    total = float(np.sum(profile.astype(np.float64) ** 2))
    return float(np.sum(np.diff(profile.astype(np.float64)) ** 2)) / total if total else 0.0


def _ink(gray: np.ndarray, long_side: int = 1600) -> np.ndarray:
    scale = min(1.0, long_side / max(gray.shape))
    small = gray if scale == 1.0 else cv2.resize(gray, None, fx=scale, fy=scale,
                                                 interpolation=cv2.INTER_AREA)
    _, ink = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return ink


def _lines_across(ink: np.ndarray) -> bool | None:
    """True: text lines run across; False: down the page; None: cannot tell."""
    tiny = cv2.resize(ink.astype(np.float32), None, fx=0.4, fy=0.4,
                      interpolation=cv2.INTER_AREA)
    rows, cols = _swing(tiny.sum(axis=1)), _swing(tiny.sum(axis=0))
    ratio = rows / cols if cols else 0.0
    if ratio >= HORIZONTAL:
        return True
    if ratio <= VERTICAL:
        return False
    return None


def _bands(ink: np.ndarray) -> list[np.ndarray]:
    """The row profiles of the text lines (runs of rows with ink)."""
    profile = ink.sum(axis=1)
    on = profile > max(2, 0.01 * ink.shape[1])
    out, y, n = [], 0, len(on)
    while y < n:
        if not on[y]:
            y += 1
            continue
        start = y
        while y < n and on[y]:
            y += 1
        if 8 <= y - start <= 90:
            out.append(profile[start:y].astype(np.float64))
    return out


def _share_above(ink: np.ndarray) -> tuple[float, int]:
    """Of the ink outside the small letters' band, the share above it, and the lines seen."""
    above = below = 0.0
    bands = _bands(ink)
    for band in bands:
        core = np.flatnonzero(band >= 0.5 * band.max())
        above += float(band[: core[0]].sum())
        below += float(band[core[-1] + 1 :].sum())
    return (above / (above + below) if above + below else 0.5), len(bands)


def quick_orientation(gray: np.ndarray) -> int | None:
    """Clockwise turn (0/90/180/270) that makes a deskewed page upright, or None if unsure
    (a form's rules and boxes, a filled logo, are no text: left out of the count)."""
    ink = _ink(erase_rules(gray))
    across = _lines_across(ink)
    if across is None:
        return None
    turn = 0 if across else 90
    if not across:
        ink = np.ascontiguousarray(np.rot90(ink, -1))  # a quarter turn clockwise
    share, lines = _share_above(ink)
    if lines < MIN_LINES or UPSIDE_DOWN < share < UPRIGHT:
        return None
    return turn if share >= UPRIGHT else (turn + 180) % 360


def noise_level(gray: np.ndarray) -> float:
    """Mean difference between the page and its 3x3 median: about 1 on a clean scan or photo,
    about 9 on a noisy one."""
    return float(np.mean(cv2.absdiff(gray, cv2.medianBlur(gray, 3))))


def is_bilevel(gray: np.ndarray) -> bool:
    """Black and white only (a fax, a 1-bit scan)."""
    sample = gray[:: max(1, gray.shape[0] // 400), :: max(1, gray.shape[1] // 400)]
    return int(np.count_nonzero((sample > 10) & (sample < 245))) < 0.002 * sample.size
