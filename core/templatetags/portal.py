from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django import template
from django.utils.translation import ngettext, pgettext

from core.dates import month_and_year
from core.money import format_chf

register = template.Library()

KIB = 1024


@register.filter
def chf(amount: Decimal | None) -> str:
    """``{{ premium|chf }}`` → ``CHF 1'234.50``."""
    return format_chf(amount)


@register.filter(expects_localtime=True)
def dmy(value: date | None) -> str:
    """``{{ document.issue_date|dmy }}`` → ``07.12.2026``, the portal's date in every language.

    The same as ``|date:"d.m.Y"``, written directly: the ``date`` filter parses its format
    and asks for the active language on every call, and a list prints two dates per row.
    """
    if not isinstance(value, date):
        return ""
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"


@register.filter(expects_localtime=True)
def dmy_hm(value: datetime | None) -> str:
    """``{{ event.created_at|dmy_hm }}`` → ``07.12.2026 11:23`` in the portal's time zone."""
    if not isinstance(value, datetime):
        return dmy(value)
    return (f"{value.day:02d}.{value.month:02d}.{value.year:04d} "
            f"{value.hour:02d}:{value.minute:02d}")


@register.filter(expects_localtime=True)
def iso(value: date | None) -> str:
    """``<time datetime="{{ day|iso }}">``: ISO 8601, a date or a local date and time."""
    return value.isoformat() if isinstance(value, date) else ""


@register.filter
def month_year(day: date | None) -> str:
    """``{{ statement.month|month_year }}`` → ``décembre 2026`` (``12.2026`` reads like code)."""
    return month_and_year(day) if day else ""


@register.filter
def file_size(size: int | str | None) -> str:
    """``{{ document.size|file_size }}`` → ``2,2 Ko`` (fr), ``2,2 KB`` (de, it), ``2.2 KB`` (en).

    Django's ``filesizeformat`` says "2.2 Kio" in French: binary units and the point the
    portal's Swiss number format uses for money. Sizes read better the way people write them.
    """
    if size is None:
        return ""
    try:
        count = int(size)
    except (TypeError, ValueError):
        return ""
    if count < KIB:
        return ngettext("%(size)s octet", "%(size)s octets", count) % {"size": count}
    units = [pgettext("file size", "Ko"), pgettext("file size", "Mo"),
             pgettext("file size", "Go")]
    value, unit = count / KIB, units[0]
    for bigger in units[1:]:
        if value < KIB:
            break
        value, unit = value / KIB, bigger
    number = f"{value:.1f}".replace(".", pgettext("decimal separator", ","))
    return f"{number}\u00a0{unit}"
