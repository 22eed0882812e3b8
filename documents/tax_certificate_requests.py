"""A household asks for a tax certificate in the portal, for a past year with data.

The page answers at once: a certificate that exists is shown straight away; otherwise the
request is recorded (audit log), a task is queued through the outbox and the page says
the certificate is being prepared. The task issues it (``tax_certificate_issuing``) and
tells the customer, content-free, through the notifications app.

Limits: ``REQUESTS_PER_DAY`` per household (each request renders a PDF and may send an
SMS), and a year already being prepared is not queued again (a second click, a reload).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.log import record
from core.buckets import Bucket
from core.errors import PortalError
from core.outbox import enqueue
from documents import events
from documents.tasks import issue_tax_certificate
from documents.tax_certificate import years_with_data
from documents.tax_certificate_issuing import (
    PENDING_SECONDS,
    NoDataForYear,
    YearNotOver,
    current_certificate,
    pending_key,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import Customer, User
    from documents.models import TaxCertificate

DAY = 24 * 60 * 60
REQUESTS_PER_DAY = Bucket("tax-certificate-request", capacity=10, period_seconds=DAY)


class TooManyRequests(PortalError):
    message_template = _("Vous avez demandé beaucoup d'attestations aujourd'hui. Réessayez "
                         "demain ou écrivez-nous si vous en avez besoin plus tôt.")


@dataclass(frozen=True)
class RequestOutcome:
    """``certificate``: it exists, show it. Otherwise it is being prepared; ``queued`` says
    whether this request queued it (False: an earlier request already had)."""

    certificate: TaxCertificate | None
    queued: bool = False


def request_certificate(customer: Customer, user: User, year: int, *,
                        request: HttpRequest | None = None,
                        today: date | None = None) -> RequestOutcome:
    """Show the certificate of ``year`` or have it prepared. Raises ``YearNotOver``,
    ``NoDataForYear`` (not a year the household can ask for) and ``TooManyRequests``."""
    today = today or timezone.localdate()
    if year >= today.year:
        raise YearNotOver(year=year)
    existing = current_certificate(customer, year)
    if existing is not None:
        return RequestOutcome(existing)
    if year not in years_with_data(customer, today):
        raise NoDataForYear(year=year)
    if cache.get(pending_key(customer.pk, year)) is not None:
        return RequestOutcome(None, queued=False)
    if not REQUESTS_PER_DAY.take(str(customer.pk)):
        raise TooManyRequests
    cache.set(pending_key(customer.pk, year), True, timeout=PENDING_SECONDS)
    with transaction.atomic():
        record(events.TAX_CERTIFICATE_REQUESTED, request=request, user=user,
               customer=customer, year=year)
        enqueue(issue_tax_certificate, customer.pk, year, True)
    return RequestOutcome(None, queued=True)

