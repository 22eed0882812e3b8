"""Writing the audit log. Callers pass facts, never secrets (no passwords, codes, contents)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from audit.kinds import EventKind, kind_of
from audit.models import AuditEvent
from core.net import client_ip

if TYPE_CHECKING:
    from accounts.models import Customer, User


class UnknownEventKind(ValueError):
    """A kind no app registered: a programming error, never a customer's."""


def record(
    kind: EventKind,
    *,
    request: HttpRequest | None = None,
    user: User | None = None,
    actor: User | None = None,
    customer: Customer | None = None,
    username: str = "",
    **detail: Any,
) -> AuditEvent:
    """Append one event. ``user`` is the account concerned, ``actor`` who acted if not them."""
    if kind_of(kind) is None:
        raise UnknownEventKind(kind)
    if customer is None and user is not None:
        customer = getattr(user, "customer", None)
    agent = request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else ""
    return AuditEvent.objects.create(
        kind=str(kind),
        user=user,
        actor=actor,
        customer=customer,
        username=(username or (user.get_username() if user else ""))[:150],
        ip_address=client_ip(request),
        user_agent=agent,
        detail=detail,
    )
