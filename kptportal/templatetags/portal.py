from django import template

from kptportal.money import format_chf

register = template.Library()


@register.filter
def chf(amount):
    """``{{ premium|chf }}`` → ``CHF 1'234.50``."""
    return format_chf(amount)
