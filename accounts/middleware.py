"""Session limits: logout after 15 minutes without activity and after 12 hours at most."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.translation import gettext as _


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            last_activity = session.get("last_activity", now)
            login_at = session.get("login_at", now)
            if now - last_activity > settings.SESSION_IDLE_TIMEOUT:
                return self._expire(request, "idle", _(
                    "Vous avez été déconnecté·e après 15 minutes d'inactivité."))
            if now - login_at > settings.SESSION_COOKIE_AGE:
                return self._expire(request, "max_age", _(
                    "Par sécurité, une session dure 12 heures au plus. Veuillez vous "
                    "reconnecter."))
            # Minute granularity is plenty for a 15-minute limit and spares a session write
            # (three queries with the cached_db store) on most requests.
            if now - last_activity >= 60 or "last_activity" not in session:
                session["last_activity"] = now
        return self.get_response(request)

    @staticmethod
    def _expire(request, reason: str, message: str):
        request.logout_reason = reason
        path = request.get_full_path()
        logout(request)
        messages.info(request, message)
        login_url = "accounts:staff_login" if path.startswith("/admin/") else "accounts:login"
        return redirect(login_url)
