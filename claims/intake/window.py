"""The patient's name from the address window when no label names it.

Swiss invoices are posted in window envelopes: the addressee's block (name, street and number,
postcode and town) stands where the window is, 45 to 90 mm from the top of an A4 page (about
15 to 35 % of its height), left or right. The name is the row right above the street, itself
right above the "NNNN Town" row. The biller's own block in the letterhead has the same shape,
higher up; it is left aside.
"""

from __future__ import annotations

import re

from .layout import Box, fold
from .values import Field, _clean_name

__all__ = ["name_in_window"]

WINDOW_TOP, WINDOW_BOTTOM = 0.13, 0.36  # share of the page's height
_POSTCODE_TOWN = re.compile(r"^(CH-?)?\d{4}\s+[A-ZÀ-Ýa-zà-ÿ]")
_STREET = re.compile(r"[A-Za-zÀ-ÿ.'-]{3,}\s+\d{1,4}\s?[a-zA-Z]?$|^(case postale|postfach|casella)")
_NOT_A_NAME = re.compile(r"\b(tel|fax|gln|www|e-?mail|iban|facture|rechnung|fattura)\b|@")


def _under(upper: Box, lower: Box) -> bool:
    """``lower`` is the next printed row under ``upper``, starting in the same column."""
    gap = lower.y0 - upper.y1
    return (lower.page == upper.page and abs(lower.x0 - upper.x0) < 1.5 * upper.h
            and -0.2 * upper.h <= gap <= 1.2 * max(upper.h, lower.h))


def name_in_window(boxes: list[Box]) -> Field | None:
    """The first line of a name / street / postcode-and-town block in the window's band of
    the first page, or None."""
    first = [b for b in boxes if b.page == 0]
    if not first:
        return None
    height = max(b.y1 for b in first)
    for town in first:
        if not _POSTCODE_TOWN.search(town.text.strip()):
            continue
        street = next((b for b in first if _under(b, town) and _STREET.search(b.text.strip())),
                      None)
        name = street and next((b for b in first if _under(b, street)), None)
        if name is None or not WINDOW_TOP <= name.y0 / height <= WINDOW_BOTTOM:
            continue
        if _NOT_A_NAME.search(fold(name.text)):
            continue
        value = _clean_name(name.text)
        if value and len(value.split()) >= 2:
            return Field(value, name.source, round(0.7 * max(0.0, min(1.0, name.conf)), 3))
    return None
