"""Who is kept out after wrong passwords and codes, and for how long.

Three rules (numbers and reasons in docs/security.md, "Lockout and limits"):

- django-axes locks a (contract, address) pair after 5 failures, 15 minutes for a first lock,
  doubling with each lock of the same pair in 7 days, up to 24 hours. Somebody else's wrong
  passwords, from another address, never lock the owner.
- ``FAILURES_PER_CONTRACT``: after 50 failures in 24 hours from all addresses together, the
  contract is locked everywhere (a campaign spread over many addresses) until its owner
  chooses a new password with the SMS code, or an advisor unlocks it.
- ``FAILURES_PER_IP``: after 30 failures in an hour from one address, that address may try
  only contracts that logged in from it in the last 90 days (the household), no others.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.ratelimit import FAILURES_PER_CONTRACT, FAILURES_PER_IP
from accounts.validators import normalise_contract_number
from core.net import client_network, network_key

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from accounts.models import User

BASE_COOLOFF = timedelta(minutes=15)
MAX_COOLOFF = timedelta(hours=24)
KNOWN_ADDRESS_FOR = timedelta(days=90)

CONTRACT_LOCKED = _("Ce contrat online est bloqué après de très nombreuses tentatives "
                    "erronées. Pour le débloquer, choisissez un nouveau mot de passe avec "
                    "« Mot de passe oublié » (code par SMS), ou contactez-nous.")
ADDRESS_LOCKED = _("Trop de tentatives erronées depuis cette connexion. Réessayez dans une "
                   "heure, ou depuis une autre connexion.")


def username_from_request(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The contract number as axes should count it: normalised, whatever was typed."""
    # No credentials: those axes kept on the request, then the login form's field (a passkey
    # login or the code step sends no contract number).
    known = credentials or getattr(request, "axes_credentials", None) or {}
    raw = known.get("username") or request.POST.get("auth-username", "")
    try:
        return normalise_contract_number(raw)
    except ValidationError:
        return raw.strip()[:150]


def cooloff_for(request: HttpRequest, credentials: dict[str, Any] | None = None) -> timedelta:
    """15 minutes for a first lock of this contract from this address, doubling with each
    lock of the same pair in 7 days, at most 24 hours."""
    from accounts import events
    from audit.models import AuditEvent

    locks = AuditEvent.objects.filter(
        kind=events.LOCKOUT, username=username_from_request(request, credentials),
        created_at__gte=timezone.now() - timedelta(days=7),
    ).values_list("ip_address", flat=True)
    network = client_network(request)
    previous = sum(network_key(address) == network for address in locks)
    return min(BASE_COOLOFF * (2 ** max(previous - 1, 0)), MAX_COOLOFF)


# The household's logins looked at: its addresses of the last months, most recent first.
_KNOWN_LOGINS_READ = 200


def _logged_in_from(username: str, network: str) -> bool:
    """Whether ``username`` logged in from ``network`` (an IPv6 home's addresses change)."""
    from accounts import events
    from audit.models import AuditEvent

    addresses = (AuditEvent.objects.filter(
        kind=events.LOGIN, user__username=username,
        created_at__gte=timezone.now() - KNOWN_ADDRESS_FOR)
        .order_by("-created_at").values_list("ip_address", flat=True)[:_KNOWN_LOGINS_READ])
    return any(network_key(address) == network for address in addresses)


def refuse_if_locked(request: HttpRequest | None, username: str) -> None:
    """Raise ``ValidationError`` (with the customer's way out) when ``username`` may not try
    now from this address, before any password is checked."""
    if FAILURES_PER_CONTRACT.exhausted(username):
        raise ValidationError(CONTRACT_LOCKED, code="contract_locked")
    address = client_network(request)
    if address and FAILURES_PER_IP.exhausted(address) and not _logged_in_from(username,
                                                                              address):
        raise ValidationError(ADDRESS_LOCKED, code="address_locked")


def count_failure(request: HttpRequest | None, username: str) -> None:
    """One wrong password or code for ``username`` from this address."""
    from accounts import events
    from audit import log as audit

    if not FAILURES_PER_CONTRACT.allow(username):
        return  # already locked: counted once, when it locked
    if FAILURES_PER_CONTRACT.exhausted(username):
        audit.record(events.LOCKOUT, request=request, username=username, scope="contract")
    address = client_network(request)
    if address:
        FAILURES_PER_IP.allow(address)


def attempts_left(request: HttpRequest, username: str) -> int | None:
    """How many more wrong passwords or codes this contract may have from this address before
    django-axes locks the pair (``None`` when the lock is switched off)."""
    from axes.handlers.proxy import AxesProxyHandler
    from django.conf import settings

    if not settings.AXES_ENABLED:
        return None
    failures = AxesProxyHandler.get_failures(request, {"username": username})
    return max(int(settings.AXES_FAILURE_LIMIT) - failures, 0)


def unlock_time(request: HttpRequest, credentials: dict[str, Any] | None = None) -> datetime:
    """When the lock of this contract from this address ends: its last failure plus the
    cool-off (``cooloff_for``); failures during the lock do not move it."""
    from axes.models import AccessAttempt

    last = (AccessAttempt.objects
            .filter(username=username_from_request(request, credentials),
                    ip_address=client_network(request))
            .order_by("-attempt_time").values_list("attempt_time", flat=True).first())
    return timezone.localtime((last or timezone.now()) + cooloff_for(request, credentials))


def locked_out_response(request: HttpRequest, original_response: HttpResponse | None = None,
                        credentials: dict[str, Any] | None = None) -> HttpResponse:
    """The page a locked login gets (django-axes' ``AXES_LOCKOUT_CALLABLE``), with the time
    the lock ends."""
    from django.conf import settings
    from django.shortcuts import render

    return render(request, settings.AXES_LOCKOUT_TEMPLATE, {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "unlock_at": unlock_time(request, credentials),
    }, status=429)


def lift_locks(username: str) -> None:
    """Every lock on ``username``: axes' per-address ones and the contract-wide one."""
    from axes.utils import reset as axes_reset

    axes_reset(username=username)
    FAILURES_PER_CONTRACT.reset(username)


def unlock_contract(user: User, *, actor: User, request: HttpRequest | None = None) -> None:
    """Lift the lock on a login after too many failures, as an advisor decided (audited)."""
    from accounts import events
    from audit import log as audit

    lift_locks(user.username)
    audit.record(events.UNLOCK, request=request, user=user, actor=actor)
