"""What the operators' error mail says (``ADMINS``, see settings.LOGGING).

Django's default report lists every local variable of every frame, the request's GET, POST,
cookies and headers, and the settings: personal data of customers (addresses, messages,
health details) would leave the portal by e-mail. This report keeps what is needed to find
the fault: where it happened (method, path without the query string, the user's id) and the
traceback as the server log shows it.
"""

from __future__ import annotations

import traceback

from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.views.debug import ExceptionReporter


class OperatorErrorReporter(ExceptionReporter):
    # Django's text report comes out of a template, hence SafeString; this one is plain text,
    # and marking it safe would let it into HTML unescaped.
    def get_traceback_text(self) -> str:  # type: ignore[override]
        lines = []
        if self.request is not None:
            lines.append(f"{self.request.method} {self.request.path}")
            lines.append(f"user id: {_user_id(self.request)}")
        if self.exc_type is not None:
            lines.append("".join(traceback.format_exception(self.exc_type, self.exc_value,
                                                            self.tb)).rstrip())
        return "\n".join(lines) + "\n"

    def get_traceback_html(self) -> SafeString:
        return format_html("<pre>{}</pre>", self.get_traceback_text())


def _user_id(request: HttpRequest) -> str:
    try:
        user = request.user
        return str(user.pk) if user.is_authenticated else "anonymous"
    except Exception:  # the report must not fail while reporting a failure
        return "unknown"
