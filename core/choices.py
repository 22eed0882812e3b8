"""Labels of model choices, cheaply."""

from __future__ import annotations

from django.db import models


def choice_label(choices: type[models.Choices], value: str) -> str:
    """The translated label of ``value`` among ``choices``, or ``value`` itself if unknown.

    What ``get_FOO_display()`` answers, at the cost of one translation: Django's version hashes
    every choice of the field to find one, which translates each lazy label on each call (a
    list of 25 documents translated 125 labels for 25 type names).
    """
    try:
        return str(choices(value).label)
    except ValueError:
        return value
