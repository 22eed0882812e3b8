"""A six-digit code that confirms a sensitive change, kept in the browser's session.

The session holds what is to be changed and the HMAC of (user, what, code), never the code
itself; the code expires after ``ttl`` seconds and after ``attempts`` wrong tries. The same
pattern as the mobile number's change in ``accounts.profile``.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from django.utils.crypto import constant_time_compare, salted_hmac

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase

    from accounts.models import User


class CodeResult(Enum):
    CONFIRMED = "confirmed"
    WRONG = "wrong"
    EXPIRED = "expired"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    NOTHING_PENDING = "nothing_pending"


@dataclass(frozen=True)
class Checked:
    result: CodeResult
    payload: dict[str, str] | None = None  # what the code confirmed, when CONFIRMED


@dataclass(frozen=True)
class SessionCode:
    session_key: str
    purpose: str  # the HMAC's salt: a code for one purpose never confirms another
    ttl: int = 10 * 60
    attempts: int = 5

    def _digest(self, user: User, payload: dict[str, str], code: str) -> str:
        what = "\x1f".join(f"{name}={payload[name]}" for name in sorted(payload))
        return salted_hmac(f"accounts.session_codes.{self.purpose}",
                           f"{user.pk}\x1e{what}\x1e{code}", algorithm="sha256").hexdigest()

    def issue(self, session: SessionBase, user: User, payload: dict[str, str]) -> str:
        """A new code for ``payload`` (replacing any pending one); the caller sends it."""
        code = f"{secrets.randbelow(1_000_000):06d}"
        session[self.session_key] = {
            "payload": dict(payload), "digest": self._digest(user, payload, code),
            "expires": time.time() + self.ttl, "attempts": 0,
        }
        return code

    def pending(self, session: SessionBase) -> dict[str, str] | None:
        """What waits for its code, unless it expired."""
        state: dict[str, Any] | None = session.get(self.session_key)
        if not state or state["expires"] < time.time():
            return None
        return dict(state["payload"])

    def check(self, session: SessionBase, user: User, code: str) -> Checked:
        state: dict[str, Any] | None = session.get(self.session_key)
        if not state:
            return Checked(CodeResult.NOTHING_PENDING)
        if state["expires"] < time.time():
            self.forget(session)
            return Checked(CodeResult.EXPIRED)
        payload = dict(state["payload"])
        if not constant_time_compare(self._digest(user, payload, code.strip()),
                                     state["digest"]):
            state["attempts"] += 1
            if state["attempts"] >= self.attempts:
                self.forget(session)
                return Checked(CodeResult.TOO_MANY_ATTEMPTS)
            session[self.session_key] = state
            return Checked(CodeResult.WRONG)
        self.forget(session)
        return Checked(CodeResult.CONFIRMED, payload)

    def forget(self, session: SessionBase) -> None:
        session.pop(self.session_key, None)
