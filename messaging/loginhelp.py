"""Help for people who cannot log in: a ticket for the advisors, abuse-resistant.

The answer is the same whether or not the number matches a contract; only advisors see the
match. Each address may send ``RATE_LIMIT`` requests per ``RATE_WINDOW_SECONDS``, counted in
the shared cache (Redis in production) with atomic ``add``/``incr``.
"""

import secrets
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Customer, User
from audit import log as audit
from messaging import events
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
def submit_request(*, name: str, contract_number: str, birth_date: date, phone: str,
                   description: str, ip_address: str | None) -> LoginHelpRequest:
    ticket = LoginHelpRequest.objects.create(
        name=name, contract_number=contract_number, birth_date=birth_date, phone=phone,
        description=description, ip_address=ip_address,
        matched_customer=_match_customer(contract_number),
    )
    ticket.reference = format_reference(ticket.created_at.year, ticket.pk)
    ticket.save(update_fields=["reference"])
    return ticket


@transaction.atomic
def handle(ticket: LoginHelpRequest, *, advisor: User, status: str | None = None,
           note: str | None = None, request: HttpRequest | None = None) -> bool:
    """An advisor works a request: its status (in progress, done) and the internal note.
    Whoever moves it out of "new" first becomes the one handling it. Audited with the advisor
    as actor (never the note's text). False when nothing changed."""
    changed: list[str] = []
    previous = ticket.status
    if status is not None and status != ticket.status:
        if status not in LoginHelpRequest.Status.values:
            raise ValueError(f"unknown login-help status {status!r}")
        ticket.status = status
        changed.append("status")
    if note is not None and note != ticket.advisor_note:
        ticket.advisor_note = note
        changed.append("advisor_note")
    if not changed:
        return False
    if ticket.status != LoginHelpRequest.Status.NEW and ticket.handled_by_id is None:
        ticket.handled_by = advisor
        changed.append("handled_by")
    ticket.save(update_fields=changed)
    audit.record(events.LOGIN_HELP_CHANGED, request=request, actor=advisor,
                 customer=ticket.matched_customer, ticket=ticket.reference,
                 previous=previous, status=ticket.status,
                 note_changed="advisor_note" in changed)
    return True


def mark_done(ticket: LoginHelpRequest, *, advisor: User,
              request: HttpRequest | None = None) -> bool:
    return handle(ticket, advisor=advisor, status=LoginHelpRequest.Status.DONE, request=request)
