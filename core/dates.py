"""Dates written out for customers, in the active language."""

from datetime import date

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
