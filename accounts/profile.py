"""Rules of the profile: what a customer may change about themselves, and how.

Plain functions, called by the profile pages (``accounts/profile_views.py``), by
``policies`` (the one-click switch to paperless) and by ops commands. Each change is written
to the audit log (``audit.log.record``) with the names of the fields that changed, never
a secret; advisors read it in the admin.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any

from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import events
from accounts.models import (
    Correspondence,
    CorrespondenceChange,
    Customer,
    PendingAddressChange,
    PortalSession,
    SMSDevice,
    User,
)
from accounts.ratelimit import MOBILE_CODES_PER_CONTRACT
from audit import log as audit
from core.errors import PortalError
from core.net import client_ip
from core.sms import mask_phone_number, send_sms

if TYPE_CHECKING:
    from django.http import HttpRequest

# --- Correspondence preference ---------------------------------------------------------------


def set_correspondence(customer: Customer, preference: str, *,
                       request: HttpRequest | None = None, actor: User | None = None,
                       now: datetime | None = None) -> CorrespondenceChange | None:
    """Switch to ``online`` or ``post``; recorded in the history (the discount reads it).

    Returns the history row, or None when the preference was already that one.
    """
    preference = Correspondence(preference).value
    if customer.correspondence == preference:
        return None
    with transaction.atomic():
        previous = customer.correspondence
        customer.correspondence = preference
        customer.save(update_fields=["correspondence", "updated_at"])
        change = CorrespondenceChange.objects.create(
            customer=customer, preference=preference, changed_at=now or timezone.now()
        )
        audit.record(events.PROFILE_CHANGED, request=request,
                     user=customer.account, actor=actor, customer=customer,
                     fields=["correspondence"], correspondence=[previous, preference])
    return change


def update_preferences(customer: Customer, *, language: str, correspondence: str,
                       notify_channel: str, request: HttpRequest | None = None) -> list[str]:
    """Correspondence language, preference and how to be notified; returns what changed."""
    changed: list[str] = []
    with transaction.atomic():
        if customer.language != language or customer.notify_channel != notify_channel:
            detail: dict[str, Any] = {}
            if customer.language != language:
                changed.append("language")
                detail["language"] = [customer.language, language]
            if customer.notify_channel != notify_channel:
                changed.append("notify_channel")
                detail["notify_channel"] = [customer.notify_channel, notify_channel]
            customer.language = language
            customer.notify_channel = notify_channel
            customer.save(update_fields=["language", "notify_channel", "updated_at"])
            audit.record(events.PROFILE_CHANGED, request=request,
                         user=customer.account, customer=customer, fields=list(changed),
                         **detail)
        if set_correspondence(customer, correspondence, request=request):
            changed.append("correspondence")
    return changed


# --- Contact details -----------------------------------------------------------------------------


def update_contact(customer: Customer, *, email: str, landline_phone: str,
                   request: HttpRequest | None = None) -> list[str]:
    """E-mail and landline (already validated and normalised); returns the changed fields."""
    changed = [name for name, value in (("email", email), ("landline_phone", landline_phone))
               if getattr(customer, name) != value]
    if changed:
        customer.email = email
        customer.landline_phone = landline_phone
        customer.save(update_fields=[*changed, "updated_at"])
        audit.record(events.PROFILE_CHANGED, request=request,
                     user=customer.account, customer=customer, fields=changed)
    return changed


# --- Postal address, effective on a chosen date --------------------------------------------------


def pending_address_change(customer: Customer) -> PendingAddressChange | None:
    return (customer.address_changes
            .filter(applied_at__isnull=True, cancelled_at__isnull=True)
            .order_by("-created_at", "-id").first())


def request_address_change(customer: Customer, *, street: str, postcode: str, locality: str,
                           effective_on: date, request: HttpRequest | None = None,
                           today: date | None = None) -> PendingAddressChange:
    """Store the new address; applied at once when ``effective_on`` is today (or past).

    A newer request replaces an earlier one that was still waiting.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        customer.address_changes.filter(applied_at__isnull=True, cancelled_at__isnull=True) \
            .update(cancelled_at=now)
        change = PendingAddressChange.objects.create(
            customer=customer, street=street, postcode=postcode, locality=locality,
            effective_on=effective_on,
        )
        audit.record(events.PROFILE_CHANGED, request=request,
                     user=customer.account, customer=customer, fields=["address"],
                     effective_on=effective_on.isoformat())
        if effective_on <= today:
            _apply_address(change, now)
    return change


def _apply_address(change: PendingAddressChange, now: datetime) -> None:
    customer = change.customer
    customer.street, customer.postcode, customer.locality = (
        change.street, change.postcode, change.locality)
    customer.save(update_fields=["street", "postcode", "locality", "updated_at"])
    change.applied_at = now
    change.save(update_fields=["applied_at"])


def apply_due_address_changes(*, today: date | None = None,
                              customer: Customer | None = None) -> int:
    """Apply every waiting address change whose date has come; safe to run twice."""
    today = today or timezone.localdate()
    due = PendingAddressChange.objects.filter(
        applied_at__isnull=True, cancelled_at__isnull=True, effective_on__lte=today
    ).select_related("customer")
    if customer is not None:
        due = due.filter(customer=customer)
    count = 0
    for change in due:
        with transaction.atomic():
            _apply_address(change, timezone.now())
        count += 1
    return count


# --- Mobile phone, confirmed by a code sent to the new number ----------------------------------

MOBILE_SESSION_KEY = "profile_pending_mobile"
MOBILE_CODE_TTL = 10 * 60
MOBILE_CODE_ATTEMPTS = 5
MOBILE_CODES_PER_HOUR = MOBILE_CODES_PER_CONTRACT.limit


class MobileCodeResult(Enum):
    CONFIRMED = "confirmed"
    WRONG = "wrong"
    EXPIRED = "expired"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    NOTHING_PENDING = "nothing_pending"


class TooManyCodes(PortalError):
    """More codes asked within the hour than allowed."""

    message_template = gettext_lazy("Vous avez demandé trop de codes. Réessayez dans une heure.")


def _code_digest(user: User, number: str, code: str) -> str:
    return salted_hmac("accounts.profile.mobile", f"{user.pk}:{number}:{code}",
                       algorithm="sha256").hexdigest()


def pending_mobile(session: SessionBase) -> str | None:
    pending = session.get(MOBILE_SESSION_KEY)
    if not pending or pending["expires"] < time.time():
        return None
    return pending["number"]


def start_mobile_change(session: SessionBase, user: User, number: str, *,
                        request: HttpRequest | None = None) -> None:
    """Send a 6-digit code to ``number`` (E.164); keep only its digest in the session."""
    # A database bucket, like every SMS limit: it holds across processes and a cache outage.
    if not MOBILE_CODES_PER_CONTRACT.allow(user.get_username()):
        raise TooManyCodes
    code = f"{secrets.randbelow(1_000_000):06d}"
    session[MOBILE_SESSION_KEY] = {
        "number": number, "digest": _code_digest(user, number, code),
        "expires": time.time() + MOBILE_CODE_TTL, "attempts": 0,
    }
    with translation.override(user.language):
        # Urgent: a code is sent now or the customer is told to retry; it never waits in a
        # queue (nor in the deferred-task table) where it would be stored in plain text.
        send_sms(number, _("Votre code KPT pour confirmer ce numéro de mobile: %(code)s. "
                           "Ne le communiquez à personne.") % {"code": code}, urgent=True)
    audit.record(events.CODE_SENT, request=request, user=user,
                 purpose="mobile_change", to=mask_phone_number(number))


@dataclass
class MobileChange:
    result: MobileCodeResult
    number: str | None = None


def confirm_mobile_change(session: SessionBase, user: User, code: str, *,
                          request: HttpRequest | None = None) -> MobileChange:
    """Check the code; when right, the new number replaces the old one everywhere."""
    pending = session.get(MOBILE_SESSION_KEY)
    if not pending:
        return MobileChange(MobileCodeResult.NOTHING_PENDING)
    if pending["expires"] < time.time():
        del session[MOBILE_SESSION_KEY]
        return MobileChange(MobileCodeResult.EXPIRED)
    expected = pending["digest"]
    if not constant_time_compare(_code_digest(user, pending["number"], code.strip()), expected):
        pending["attempts"] += 1
        audit.record(events.CODE_FAILED, request=request, user=user,
                     purpose="mobile_change")
        if pending["attempts"] >= MOBILE_CODE_ATTEMPTS:
            del session[MOBILE_SESSION_KEY]
            return MobileChange(MobileCodeResult.TOO_MANY_ATTEMPTS)
        session[MOBILE_SESSION_KEY] = pending
        return MobileChange(MobileCodeResult.WRONG)
    del session[MOBILE_SESSION_KEY]
    change_mobile(user, pending["number"], request=request)
    return MobileChange(MobileCodeResult.CONFIRMED, pending["number"])


def forget_pending_mobile(session: SessionBase) -> None:
    """Drop a pending mobile change (its code could not be sent)."""
    session.pop(MOBILE_SESSION_KEY, None)


def change_mobile(user: User, number: str, *, request: HttpRequest | None = None) -> None:
    """Use ``number`` for SMS codes from now on and tell the old number it changed."""
    old = user.mobile_phone
    with transaction.atomic():
        user.mobile_phone = number
        user.save(update_fields=["mobile_phone"])
        # The login's SMS device follows the confirmed number.
        SMSDevice.objects.update_or_create(user=user, name="default",
                                           defaults={"number": number, "confirmed": True})
        audit.record(events.PHONE_CHANGED, request=request, user=user,
                     old=mask_phone_number(old) if old else "", new=mask_phone_number(number))
        if old and old != number:
            # In this transaction: with Twilio the SMS is a row of the outbox, sent once
            # committed (and never for a change that was rolled back).
            with translation.override(user.language):
                send_sms(old, _("KPT: le numéro de mobile de votre portail clients a été "
                                "remplacé. Si ce n'est pas vous, appelez-nous immédiatement."))


# --- Sessions ------------------------------------------------------------------------------------

SESSION_TOUCH_SECONDS = 60
SESSION_TRACKED_AT = "tracked_at"  # session key: when track_session last wrote


def track_session(request: HttpRequest, *, user: User | None = None) -> None:
    """Remember this logged-in browser (user agent, address, last seen), at most once a minute.

    When it was last written is kept in the session itself, which every request loads anyway:
    a page in between costs no cache or database round trip.
    """
    session = request.session
    key = session.session_key
    if not key:
        return
    now = int(time.time())
    if now - session.get(SESSION_TRACKED_AT, 0) < SESSION_TOUCH_SECONDS:
        return
    session[SESSION_TRACKED_AT] = now
    PortalSession.objects.update_or_create(
        session_key=key,
        defaults={"user": user or request.user, "last_seen": timezone.now(),
                  "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
                  "ip_address": client_ip(request)},
    )


def active_sessions(user: User) -> list[PortalSession]:
    from django.conf import settings

    since = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    return list(user.portal_sessions.filter(last_seen__gte=since))


def log_out_other_sessions(user: User, *, keep: str | None,
                           request: HttpRequest | None = None) -> int:
    """End every tracked session of ``user`` except ``keep``; returns how many ended."""
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore
    others = list(user.portal_sessions.exclude(session_key=keep or ""))
    for tracked in others:
        store(session_key=tracked.session_key).delete()
    PortalSession.objects.filter(pk__in=[tracked.pk for tracked in others]).delete()
    if others and request is not None:
        audit.record(events.LOGOUT, request=request, user=user,
                     other_sessions=len(others))
    return len(others)


def forget_session(session_key: str | None) -> None:
    if session_key:
        PortalSession.objects.filter(session_key=session_key).delete()
