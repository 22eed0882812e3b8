"""django-axes glue: which contract a failed attempt counts against, and how long a lock lasts."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.validators import normalise_contract_number

BASE_COOLOFF = timedelta(minutes=15)
MAX_COOLOFF = timedelta(hours=24)


def username_from_request(request, credentials) -> str:
    """The contract number as axes should count it: normalised, whatever was typed."""
    raw = (credentials or {}).get("username") or request.POST.get("auth-username", "")
    try:
        return normalise_contract_number(raw)
    except ValidationError:
        return raw.strip()[:150]


def cooloff_for(request) -> timedelta:
    """15 minutes for a first lock, doubling with each lock of the same contract in 7 days."""
    from accounts.models import SecurityEvent

    username = username_from_request(request, None)
    previous = SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.LOCKOUT, username=username,
        created_at__gte=timezone.now() - timedelta(days=7),
    ).count()
    return min(BASE_COOLOFF * (2 ** max(previous - 1, 0)), MAX_COOLOFF)
