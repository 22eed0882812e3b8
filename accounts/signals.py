"""Security events from Django's and django-axes' signals into the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from accounts import events
from accounts.lockout import count_failure, username_from_request
from accounts.password_recheck import restore_budget
from audit import log as audit

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import User


@receiver(user_logged_in)
def on_login(sender: object, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(timezone.now().timestamp())
        request.session["login_at"] = now
        request.session["last_activity"] = now
    restore_budget(user)
    method = login_method(user)
    if method:
        audit.record(events.LOGIN, request=request, user=user, method=method)
    else:
        audit.record(events.LOGIN, request=request, user=user)
    if request is not None and hasattr(request, "_messages"):
        _tell_of_pending_reset(request, user)


def _tell_of_pending_reset(request: HttpRequest, user: User) -> None:
    from django.contrib import messages
    from django.utils import formats
    from django.utils.translation import gettext as _

    from accounts.delayed_reset import pending_for

    reset = pending_for(user)
    if reset is None:
        return
    when = timezone.localtime(reset.effective_at)
    messages.warning(request, _(
        "Un nouveau mot de passe a été demandé pour votre contrat; il remplacera l'actuel le "
        "%(date)s à %(time)s. Si ce n'était pas vous, annulez-le sous « Sécurité ».") % {
        "date": formats.date_format(when, "SHORT_DATE_FORMAT"),
        "time": formats.time_format(when, "H:i")})


def login_method(user: User) -> str:
    """How the login's second factor was given ("" when it is not known)."""
    device = getattr(user, "otp_device", None)
    return LOGIN_METHODS.get(type(device).__name__, "") if device is not None else ""


LOGIN_METHODS = {"SMSDevice": "sms", "TOTPDevice": "authenticator",
                 "StaticDevice": "backup_code", "WebAuthnCredential": "passkey"}


@receiver(user_logged_out)
def on_logout(sender: object, request: HttpRequest | None, user: User | None,
              **kwargs: Any) -> None:
    if user is not None:
        audit.record(events.LOGOUT, request=request, user=user,
                     reason=getattr(request, "logout_reason", "user"))


@receiver(user_login_failed)
def on_login_failed(sender: object, credentials: dict[str, Any],
                    request: HttpRequest | None = None, **kwargs: Any) -> None:
    # Only the contract number as typed: Django has already masked the password.
    username = username_from_request(request, credentials) if request is not None else \
        str(credentials.get("username", ""))[:150]
    count_failure(request, username)
    if credentials.get("second_factor"):
        return  # wrong codes are recorded as CODE_FAILED by the token form
    audit.record(events.LOGIN_FAILED, request=request, username=username,
                 user=_account_named(username))


@receiver(user_locked_out)
def on_locked_out(sender: object, request: HttpRequest | None, username: str | None,
                  ip_address: str | None, **kwargs: Any) -> None:
    # axes also sends this signal for each try made while already locked; only a new lock
    # (the try that reached the limit, counted just before) is one, or every such try would
    # double the next lock's length (``lockout.cooloff_for`` counts these events).
    if request is not None and getattr(request, "axes_failures_since_start", None) is None:
        return
    audit.record(events.LOCKOUT, request=request, username=username or "",
                 user=_account_named(username))


def _account_named(username: str | None) -> User | None:
    """The account a failed attempt was aimed at, so its owner sees it in their activity
    (``/profile/activity/`` reads by account, an indexed query)."""
    from accounts.models import User

    if not username:
        return None
    return User.objects.filter(username=username).first()
