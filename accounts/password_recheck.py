"""The password asked again inside a session, before a sensitive change (mobile, payout
account, password, authenticator, passkeys, backup codes).

Someone holding an open session (a phone left unlocked, a shared computer) could otherwise try
passwords there without end: the login's limits do not see these checks. A few wrong answers
an hour are allowed, as people mistype; past them the session ends and the activity page says
why. Logging in again (password and second factor) gives the full budget back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.ratelimit import PASSWORD_RECHECKS_PER_ACCOUNT
from core.errors import PortalError

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

    from accounts.models import User


class TooManyWrongPasswords(PortalError):
    """Raised by a form's password check; ``RecheckLimitMiddleware`` ends the session."""

    message_template = _(
        "Le mot de passe a été mal saisi trop souvent. Par sécurité, vous avez été "
        "déconnecté·e: reconnectez-vous pour continuer.")


def password_is_right(user: User, password: str) -> bool:
    """Whether ``password`` is ``user``'s; a wrong one counts against the hour's budget.

    Raises ``TooManyWrongPasswords`` when the budget is spent, before checking: a right
    password found after many guesses must not open the change either.
    """
    subject = str(user.pk)
    if PASSWORD_RECHECKS_PER_ACCOUNT.exhausted(subject):
        raise TooManyWrongPasswords
    if user.check_password(password):
        return True
    PASSWORD_RECHECKS_PER_ACCOUNT.allow(subject)  # counts this wrong one
    if PASSWORD_RECHECKS_PER_ACCOUNT.exhausted(subject):
        raise TooManyWrongPasswords
    return False


def wrong_password_error(user: User, message: str | StrPromise, code: str) -> ValidationError:
    """The form's error for a wrong password, warning before the last try."""
    if PASSWORD_RECHECKS_PER_ACCOUNT.bucket.left(str(user.pk)) < 2:
        return ValidationError([
            ValidationError(message, code=code),
            ValidationError(gettext(
                "Attention: au prochain mot de passe erroné, vous serez déconnecté·e."),
                code="last_try"),
        ])
    return ValidationError(message, code=code)


def restore_budget(user: User) -> None:
    """A full login proved who this is again."""
    PASSWORD_RECHECKS_PER_ACCOUNT.reset(str(user.pk))
