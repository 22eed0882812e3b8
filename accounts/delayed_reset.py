"""A new password chosen with nothing but the SMS code takes effect after a delay.

Whoever holds the customer's SIM (a SIM swap, a stolen unlocked phone) receives the reset's
SMS code. An account that also has a factor the SIM does not give (authenticator, backup
codes) proves itself with it and gets its new password at once (``accounts.views``); any
other account gets it after ``PASSWORD_RESET_DELAY_HOURS``, announced at once on every
channel the customer has: an SMS, an e-mail with a link that cancels it, a letter to the home
address (printed with the activation letters) and a notice in the portal, where the owner,
still able to log in with the current password, cancels it in one click. An advisor can cancel
it too, for a customer who calls. Until then the current password keeps working.

The verified SMS code lifts the lockout at once (``lift_locks``): that only gives back the
owner's own password, which the SIM's holder does not know.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from accounts import events
from accounts.lockout import lift_locks
from accounts.models import DelayedPasswordReset, User
from accounts.notices import send_security_notice
from audit import log as audit

if TYPE_CHECKING:
    from django.http import HttpRequest

_CANCEL_SALT = "accounts.delayed_reset.cancel"
# A cancel link keeps working a little past the delay, to say the reset already applied.
_CANCEL_LINK_DAYS = 14


def delay() -> timedelta:
    return timedelta(hours=settings.PASSWORD_RESET_DELAY_HOURS)


def pending_for(user: User) -> DelayedPasswordReset | None:
    return (DelayedPasswordReset.objects.filter(account=user, applied_at__isnull=True,
                                                cancelled_at__isnull=True)
            .order_by("-requested_at").first())


def cancel_token(reset: DelayedPasswordReset) -> str:
    return signing.dumps(reset.pk, salt=_CANCEL_SALT)


def reset_for_token(token: str) -> DelayedPasswordReset | None:
    """The reset a cancel link names, or None for a forged, altered or outdated link."""
    try:
        reset_id = signing.loads(token, salt=_CANCEL_SALT,
                                 max_age=timedelta(days=_CANCEL_LINK_DAYS))
    except signing.BadSignature:
        return None
    return DelayedPasswordReset.objects.select_related("account").filter(pk=reset_id).first()


@transaction.atomic
def start(user: User, *, password_hash: str,
          request: HttpRequest | None = None) -> DelayedPasswordReset:
    """Record the new password to apply after the delay and announce it on every channel.

    A reset requested again replaces the one still waiting (the delay starts over).
    """
    now = timezone.now()
    DelayedPasswordReset.objects.filter(account=user, applied_at__isnull=True,
                                        cancelled_at__isnull=True).update(cancelled_at=now)
    reset = DelayedPasswordReset.objects.create(account=user, password_hash=password_hash,
                                                requested_at=now, effective_at=now + delay())
    lift_locks(user.get_username())  # the SMS code proved the phone; see the module's text
    audit.record(events.PASSWORD_RESET_PENDING, request=request, user=user,
                 effective_at=reset.effective_at.isoformat())
    _announce(reset)
    return reset


def _when(moment: datetime) -> dict[str, str]:
    local = timezone.localtime(moment)
    return {"date": formats.date_format(local, "SHORT_DATE_FORMAT"),
            "time": formats.time_format(local, "H:i")}


def cancel_url(reset: DelayedPasswordReset) -> str:
    path = reverse("accounts:password_reset_cancel", args=[cancel_token(reset)])
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def _announce(reset: DelayedPasswordReset) -> None:
    """SMS and e-mail now (through the outbox); the letter with the next print run."""
    user = reset.account
    with translation.override(user.language or settings.LANGUAGE_CODE):
        when = _when(reset.effective_at)
        sms = _("KPT: un nouveau mot de passe a été demandé pour votre contrat online. Il "
                "remplacera l'actuel le %(date)s à %(time)s. Si ce n'était pas vous, annulez-le "
                "sous « Sécurité » dans le portail ou via « Problèmes de connexion ».") % when
        subject = _("Nouveau mot de passe demandé pour votre contrat online KPT")
        body = "\n\n".join([
            _("Bonjour,"),
            _("Un nouveau mot de passe a été demandé pour votre contrat online %(contract)s. "
              "Pour votre sécurité, il ne remplacera votre mot de passe actuel que le "
              "%(date)s à %(time)s.") % {"contract": user.get_username(), **when},
            _("Si ce n'était pas vous, annulez cette demande ici: %(url)s") % {
                "url": cancel_url(reset)},
            _("Si c'était vous, vous n'avez rien à faire. Pour un nouveau mot de passe "
              "immédiat à l'avenir, ajoutez une application d'authentification ou des codes "
              "de secours dans le portail, sous « Sécurité »."),
            _("Votre équipe KPT"),
        ])
    send_security_notice(user, sms=sms, subject=subject, body=body)


@transaction.atomic
def cancel(reset: DelayedPasswordReset, *, request: HttpRequest | None = None,
           actor: User | None = None, via: str) -> bool:
    """Cancel a waiting reset; False when it had already been applied or cancelled."""
    locked = DelayedPasswordReset.objects.select_for_update().get(pk=reset.pk)
    if not locked.pending:
        return False
    locked.cancelled_at = timezone.now()
    locked.save(update_fields=["cancelled_at"])
    reset.cancelled_at = locked.cancelled_at
    audit.record(events.PASSWORD_RESET_CANCELLED, request=request, user=locked.account,
                 actor=actor, via=via)
    return True


@dataclass(frozen=True)
class Applied:
    reset_id: int
    username: str


def apply_due(*, now: datetime | None = None, username: str | None = None) -> list[Applied]:
    """Give the waiting new passwords whose time has come (beat, and at each login attempt).

    Each in its own transaction with the row locked, so two runners never apply one twice.
    """
    now = now or timezone.now()
    due = DelayedPasswordReset.objects.filter(applied_at__isnull=True, cancelled_at__isnull=True,
                                              effective_at__lte=now)
    if username is not None:
        due = due.filter(account__username=username)
    applied = []
    for reset_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            reset = (DelayedPasswordReset.objects.select_for_update(skip_locked=True)
                     .select_related("account").filter(pk=reset_id, applied_at__isnull=True,
                                                       cancelled_at__isnull=True).first())
            if reset is None:
                continue
            user = reset.account
            user.password = reset.password_hash  # a new hash ends every other session
            user.save(update_fields=["password"])
            reset.applied_at = now
            reset.save(update_fields=["applied_at"])
            audit.record(events.PASSWORD_CHANGED, user=user, via="delayed_password_reset")
            with translation.override(user.language or settings.LANGUAGE_CODE):
                sms = _("KPT: votre nouveau mot de passe est maintenant actif. Si ce n'était "
                        "pas vous, contactez-nous sans attendre via « Problèmes de connexion ».")
                subject = _("Votre nouveau mot de passe KPT est actif")
            send_security_notice(user, sms=sms, subject=subject, body=sms)
        applied.append(Applied(reset_id=reset.pk, username=user.get_username()))
    return applied


def letters_to_print() -> list[DelayedPasswordReset]:
    """Waiting or applied resets not yet announced by post (a cancelled one needs no letter)."""
    return list(DelayedPasswordReset.objects.filter(letter_printed_at__isnull=True,
                                                    cancelled_at__isnull=True)
                .select_related("account__customer").order_by("requested_at"))
