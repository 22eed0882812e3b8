"""Which browsers are logged in to an account, for "active sessions" on the profile.

Sessions stay in Django's session store (``cached_db``); this middleware keeps a small
``PortalSession`` row per logged-in session key (user agent, IP address, last seen, written at
most once a minute), so the profile can list them and end the others by deleting their keys
from the store. Add ``accounts.session_tracking.SessionTrackingMiddleware`` after the
authentication middleware.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from accounts.profile import forget_session, track_session

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponseBase

    from accounts.models import User


class SessionTrackingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if (user is not None and user.is_authenticated and session is not None
                and session.session_key and not session.is_empty()):
            track_session(request)
        return response


@receiver(user_logged_out, dispatch_uid="accounts.session_tracking.forget")
def _forget_on_logout(sender: object, request: HttpRequest | None, user: User | None,
                      **kwargs: Any) -> None:
    if request is not None and getattr(request, "session", None) is not None:
        forget_session(request.session.session_key)


@receiver(user_logged_in, dispatch_uid="accounts.session_tracking.track_login")
def _track_on_login(sender: object, request: HttpRequest | None, user: User,
                    **kwargs: Any) -> None:
    """A session is listed from its login on, not only from its next page."""
    if request is not None and getattr(request, "session", None) is not None:
        if not request.session.session_key:
            request.session.save()
        track_session(request, user=user)
