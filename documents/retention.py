"""How long documents are kept, and the one way to delete them: after ``retain_until``.

Swiss insurers keep correspondence at least ten years. Every deletion path (model
``delete()``, queryset ``delete()``, the admin) asks ``ensure_deletable`` first and refuses
with ``RetentionError``; only ``documents.purging.purge_expired`` (``manage.py
purge_expired_documents``) deletes, past retention, and writes ``documents.purged`` to the
audit log for each document.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import PortalError

RETENTION_YEARS = 10


class Retained(Protocol):
    """What the rule reads of a document (the model imports this module, not the reverse)."""

    pk: int
    retain_until: date


class RetentionError(PortalError):
    """Deleting this document now would break the legal retention period."""

    message_template = _("Suppression refusée: %(count)s document(s) sont conservés au moins "
                         "jusqu'au %(until)s (document %(document)s). Rien n'est supprimé avant "
                         "la fin de la conservation légale de dix ans.")


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 1 March, never earlier
        return day.replace(year=day.year + years, month=3, day=1)


def minimum_retain_until(issue_date: date) -> date:
    return add_years(issue_date, RETENTION_YEARS)


def today() -> date:
    return timezone.localdate()


def ensure_deletable(documents: Iterable[Retained], *, on: date | None = None) -> None:
    """Raise ``RetentionError`` if any of ``documents`` is still within retention."""
    on = on or today()
    blocked = [doc for doc in documents if doc.retain_until > on]
    if blocked:
        first = blocked[0]
        raise RetentionError(count=len(blocked), until=f"{first.retain_until:%d.%m.%Y}",
                             document=first.pk)
