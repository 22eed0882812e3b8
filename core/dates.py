"""Dates written out for customers, in the active language, and dates read as Swiss systems
and people write them."""

from datetime import date, datetime

from django.utils.formats import date_format
from django.utils.translation import get_language

# Languages that write month names in lower case inside a sentence (Django's Italian
# catalogue capitalises them: "Dicembre").
LOWER_CASE_MONTHS = ("fr", "it")


def month_and_year(day: date) -> str:
    """``décembre 2026``, ``Dezember 2026``, ``dicembre 2026``, ``December 2026``."""
    text = date_format(day, "F Y")
    if (get_language() or "fr")[:2] in LOWER_CASE_MONTHS:
        text = text[:1].lower() + text[1:]
    return text


def parse_written_date(raw: str) -> date | None:
    """``14.03.2026`` (as the Swiss write it) or ``2026-03-14`` (ISO); None if it is neither."""
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    return None
