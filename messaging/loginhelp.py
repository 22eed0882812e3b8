"""Help for people who cannot log in: a ticket for the advisors, abuse-resistant.

The answer is the same whether or not the number matches a contract; only advisors see the
match. Each address may send ``RATE_LIMIT`` requests per ``RATE_WINDOW_SECONDS``, counted in
the shared cache (Redis in production) with atomic ``add``/``incr``.
"""

import secrets

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Customer
from messaging.models import LoginHelpRequest

RATE_LIMIT = 5
RATE_WINDOW_SECONDS = 10 * 60


def allow_attempt(ip_address: str | None) -> bool:
    """Count one attempt from this address; False once it is over the limit."""
    from django.core.cache import cache

    key = f"loginhelp:{ip_address or 'unknown'}"
    if cache.add(key, 1, timeout=RATE_WINDOW_SECONDS):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=RATE_WINDOW_SECONDS)
        return True
    return count <= RATE_LIMIT


def format_reference(year: int, number: int) -> str:
    return f"LH-{year}-{number:06d}"


def decoy_reference() -> str:
    """What a bot that filled the honeypot is shown: looks real, is stored nowhere."""
    return format_reference(timezone.now().year, 100000 + secrets.randbelow(900000))


def _match_customer(number: str) -> Customer | None:
    number = number.strip().upper().replace(" ", "")
    if not number:
        return None
    return (Customer.objects.filter(Q(account__username=number) | Q(customer_number=number))
            .first())


@transaction.atomic
def submit_request(*, name: str, contract_number: str, birth_date, phone: str,
                   description: str, ip_address: str | None) -> LoginHelpRequest:
    ticket = LoginHelpRequest.objects.create(
        name=name, contract_number=contract_number, birth_date=birth_date, phone=phone,
        description=description, ip_address=ip_address,
        matched_customer=_match_customer(contract_number),
    )
    ticket.reference = format_reference(ticket.created_at.year, ticket.pk)
    ticket.save(update_fields=["reference"])
    return ticket
