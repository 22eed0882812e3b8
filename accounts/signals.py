"""Security events from Django's and django-axes' signals into the audit log."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from accounts import audit
from accounts.lockout import username_from_request
from accounts.models import SecurityEvent


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = int(timezone.now().timestamp())
        request.session["login_at"] = now
        request.session["last_activity"] = now
    audit.record(SecurityEvent.Kind.LOGIN, request=request, user=user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(SecurityEvent.Kind.LOGOUT, request=request, user=user,
                     reason=getattr(request, "logout_reason", "user"))


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    # Only the contract number as typed: Django has already masked the password.
    username = username_from_request(request, credentials) if request is not None else \
        str(credentials.get("username", ""))[:150]
    if credentials.get("second_factor"):
        return  # wrong codes are recorded as CODE_FAILED by the token form
    audit.record(SecurityEvent.Kind.LOGIN_FAILED, request=request, username=username,
                 user=_account_named(username))


@receiver(user_locked_out)
def on_locked_out(sender, request, username, ip_address, **kwargs):
    audit.record(SecurityEvent.Kind.LOCKOUT, request=request, username=username or "",
                 user=_account_named(username))


def _account_named(username: str | None):
    """The account a failed attempt was aimed at, so its owner sees it in their activity
    (``/profile/activity/`` reads by account, an indexed query)."""
    from accounts.models import User

    if not username:
        return None
    return User.objects.filter(username=username).first()
