"""A household asks for its data export: a few a day, an open request reused."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer, User
from core.errors import PortalError
from exports.models import DataExport
from exports.tasks import queue_build

EXPORTS_PER_DAY = 3


class TooManyExports(PortalError):
    """The household asked for ``EXPORTS_PER_DAY`` exports within a day already."""

    message_template = _("Vous avez déjà demandé %(n)s exports aujourd'hui. Téléchargez l'un "
                         "d'eux ou réessayez demain.")


def request_export(customer: Customer, user: User) -> DataExport:
    """Record a request and queue its build after commit; an open request is reused.

    Each export reads and copies every file of the household: a few a day are plenty, and
    the limit keeps a script from turning the export into a denial of service.
    """
    existing = customer.exports.filter(status=DataExport.Status.PENDING).first()
    if existing is not None:
        return existing
    since = timezone.now() - timedelta(days=1)
    if customer.exports.filter(requested_at__gte=since).count() >= EXPORTS_PER_DAY:
        raise TooManyExports(n=EXPORTS_PER_DAY)
    export = DataExport.objects.create(customer=customer, requested_by=user)
    queue_build(export.pk)
    return export
