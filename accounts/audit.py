"""Writing the audit log. Callers pass facts, never secrets (no passwords, codes, contents)."""

from django.conf import settings
from django.http import HttpRequest

from accounts.models import Customer, SecurityEvent, User


def client_ip(request: HttpRequest | None) -> str | None:
    """The visitor's address. Behind ``TRUSTED_PROXY_COUNT`` proxies (the load balancer), it is
    the entry those proxies appended to X-Forwarded-For; anything left of it is client-made."""
    if request is None:
        return None
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies] or None
    return request.META.get("REMOTE_ADDR") or None


def record(
    kind: str,
    *,
    request: HttpRequest | None = None,
    user: User | None = None,
    actor: User | None = None,
    customer: Customer | None = None,
    username: str = "",
    **detail,
) -> SecurityEvent:
    """Append one event. ``user`` is the account concerned, ``actor`` who acted if not them."""
    if customer is None and user is not None:
        customer = getattr(user, "customer", None)
    agent = request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else ""
    return SecurityEvent.objects.create(
        kind=kind,
        user=user,
        actor=actor,
        customer=customer,
        username=(username or (user.get_username() if user else ""))[:150],
        ip_address=client_ip(request),
        user_agent=agent,
        detail=detail,
    )
