"""Session limits: logout after 15 minutes without activity and after 12 hours at most."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts.password_recheck import TooManyWrongPasswords
from core.middleware import ExceptionAnswerMiddleware

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponseBase

View = TypeVar("View", bound=Callable[..., Any])


def not_activity(view: View) -> View:
    """Mark a view that pages call by themselves (status polls): it must not keep an idle
    session alive."""
    # A mark on the function object; process_view below reads it.
    view.not_activity = True  # type: ignore[attr-defined]
    return view


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            last_activity = session.get("last_activity", now)
            login_at = session.get("login_at", now)
            if now - last_activity > settings.SESSION_IDLE_TIMEOUT:
                return end_session(request, "idle", _(
                    "Vous avez été déconnecté·e après 15 minutes d'inactivité."))
            if now - login_at > settings.SESSION_COOKIE_AGE:
                return end_session(request, "max_age", _(
                    "Par sécurité, une session dure 12 heures au plus. Veuillez vous "
                    "reconnecter."))
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable[..., Any],
                     view_args: tuple[Any, ...], view_kwargs: dict[str, Any]) -> None:
        """Count the request as the person's activity, unless the page made it by itself."""
        if not request.user.is_authenticated or getattr(view_func, "not_activity", False):
            return None
        now = int(time.time())
        session = request.session
        # Minute granularity is plenty for a 15-minute limit and spares a session write
        # (three queries with the cached_db store) on most requests.
        if now - session.get("last_activity", 0) >= 60:
            session["last_activity"] = now
        return None

class RecheckLimitMiddleware(ExceptionAnswerMiddleware):
    """Ends the session when the password asked again for a sensitive change was wrong too
    often (``accounts.password_recheck``): the person at the keyboard must log in again."""

    answers = TooManyWrongPasswords

    def answer(self, request: HttpRequest, exception: Exception) -> HttpResponseBase:
        return end_session(request, "password_rechecks",
                           cast(TooManyWrongPasswords, exception).message)


def end_session(request: HttpRequest, reason: str, message: str) -> HttpResponseBase:
    """Log out, say why, and go to the login page the person came through."""
    # Read by the logout receiver (accounts.signals) for the audit log.
    request.logout_reason = reason  # type: ignore[attr-defined]
    path = request.get_full_path()
    logout(request)
    messages.info(request, message)
    staff = path.startswith(("/admin/", "/staff/"))
    return redirect("accounts:staff_login" if staff else "accounts:login")
