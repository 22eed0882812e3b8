"""Answer a form sent twice the way the first one was answered.

A phone on a bad connection re-sends an upload when the answer does not arrive (see the
retry in ``static/js/claims-upload.js``); when the server had in fact received the first one,
the second must not create a second claim. The page's script sends a random
``upload_once`` id with each submission; the view asks ``earlier_answer`` first and calls
``remember_answer`` with the URL it redirects to.
"""

from __future__ import annotations

import re
import uuid

from django.core.cache import cache
from django.http import HttpRequest

FIELD = "upload_once"
KEEP_FOR = 60 * 60  # seconds; retries give up long before
_VALID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def _key(request: HttpRequest) -> str | None:
    token = request.POST.get(FIELD, "")
    if not _VALID.match(token) or not request.session.session_key:
        return None
    return f"once:{request.session.session_key}:{token}"


def submission_id(request: HttpRequest) -> str:
    """The id a server-rendered form carries: the one it was sent with (a form shown again
    with an error keeps it), or a new one."""
    token = request.POST.get(FIELD, "")
    return token if _VALID.match(token) else uuid.uuid4().hex


def earlier_answer(request: HttpRequest) -> str | None:
    """The redirect URL of an earlier submission with this id from this session, if any."""
    key = _key(request)
    return cache.get(key) if key else None


def remember_answer(request: HttpRequest, url: str) -> None:
    key = _key(request)
    if key:
        cache.set(key, url, KEEP_FOR)
