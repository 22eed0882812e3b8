"""Which advisor looks after a household: set by staff in the advisors' space, audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from accounts import events
from accounts.models import Customer, User
from audit import log as audit

if TYPE_CHECKING:
    from django.http import HttpRequest


def assign_advisor(customer: Customer, *, to: User | None, actor: User,
                   request: HttpRequest | None = None) -> bool:
    """Make ``to`` (a staff login, or nobody) the household's advisor; False if it already is.

    Written to the audit log with ``actor`` (the staff member who changed it)."""
    if to is not None and not to.is_staff:
        raise ValueError("an advisor is a staff login")
    if customer.advisor_id == (to.pk if to else None):
        return False
    with transaction.atomic():
        previous = customer.advisor_id
        customer.advisor = to
        customer.save(update_fields=["advisor", "updated_at"])
        audit.record(events.ADVISOR_ASSIGNED, request=request, actor=actor, customer=customer,
                     previous=previous, advisor=to.pk if to else None)
    return True
