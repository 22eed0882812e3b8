"""The limits of the login, the password reset and the registration, in database token buckets
(``core.buckets``): they hold across processes and through a cache outage.

Each limit is a small named object: ``LOGIN_CODES_PER_CONTRACT.allow(contract)`` counts one
attempt and says whether it is still within the limit. The numbers, and why, are in
docs/security.md ("Lockout and limits").
"""

from __future__ import annotations

from dataclasses import dataclass

from core.buckets import Bucket

HOUR = 60 * 60
DAY = 24 * HOUR


@dataclass(frozen=True)
class RateLimit:
    name: str
    limit: float
    period_seconds: float

    @property
    def bucket(self) -> Bucket:
        return Bucket(self.name, self.limit, self.period_seconds)

    def allow(self, subject: str) -> bool:
        """Count one attempt for ``subject``; False once its budget is spent."""
        return self.bucket.take(subject)

    def exhausted(self, subject: str) -> bool:
        """Whether the next attempt would be refused (nothing is counted)."""
        return self.bucket.empty(subject)

    def reset(self, subject: str) -> None:
        self.bucket.reset(subject)


# SMS codes: the login's and the reset's budgets are separate, so that anonymous reset
# requests (contract number + birth date) never use up the codes of the owner's login.
LOGIN_CODES_PER_CONTRACT = RateLimit("sms-login-contract", limit=5, period_seconds=HOUR)
RESET_CODES_PER_CONTRACT = RateLimit("sms-reset-contract", limit=3, period_seconds=HOUR)
# A new payout account is confirmed by a code to the verified mobile: a few tries an hour.
# Codes that confirm a new mobile number, sent to that number (profile).
MOBILE_CODES_PER_CONTRACT = RateLimit("sms-mobile-contract", limit=5, period_seconds=HOUR)
PAYOUT_CODES_PER_CONTRACT = RateLimit("sms-payout-contract", limit=3, period_seconds=HOUR)
SMS_PER_IP = RateLimit("sms-ip", limit=20, period_seconds=HOUR)
# The password asked again inside a session (accounts.password_recheck): the fifth wrong one
# within the hour ends the session; a login gives the budget back.
PASSWORD_RECHECKS_PER_ACCOUNT = RateLimit("password-recheck", limit=5, period_seconds=HOUR)
REGISTRATION_PER_IP = RateLimit("register-ip", limit=10, period_seconds=HOUR)
PASSWORD_RESET_PER_IP = RateLimit("reset-ip", limit=10, period_seconds=HOUR)
# Wrong passwords and codes for one contract from all addresses together: far above what a
# person mistypes (django-axes already slows each address down after 5), this is what stops
# a guessing campaign spread over many addresses. Lifted by a password reset.
FAILURES_PER_CONTRACT = RateLimit("fail-contract", limit=50, period_seconds=DAY)
# Wrong passwords from one address on any contracts (credential stuffing). Contracts that
# logged in from that address before are let through, so a family is never locked out.
FAILURES_PER_IP = RateLimit("fail-ip", limit=30, period_seconds=HOUR)
