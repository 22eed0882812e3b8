"""Fixed-window rate limits in the cache (Redis in production, so they hold across processes).

Each limit is a small named object: ``SMS_PER_CONTRACT.allow(contract)`` counts one attempt
and says whether it is still within the limit.
"""

from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class RateLimit:
    name: str
    limit: int
    period_seconds: int

    def _key(self, subject: str) -> str:
        return f"ratelimit:{self.name}:{subject}"

    def allow(self, subject: str) -> bool:
        """Count one attempt for ``subject``; False once the window's budget is spent."""
        key = self._key(subject)
        if cache.add(key, 1, timeout=self.period_seconds):
            return True
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=self.period_seconds)
            return True
        return count <= self.limit

    def reset(self, subject: str) -> None:
        cache.delete(self._key(subject))


SMS_PER_CONTRACT = RateLimit("sms-contract", limit=5, period_seconds=60 * 60)
SMS_PER_IP = RateLimit("sms-ip", limit=20, period_seconds=60 * 60)
REGISTRATION_PER_IP = RateLimit("register-ip", limit=10, period_seconds=60 * 60)
PASSWORD_RESET_PER_IP = RateLimit("reset-ip", limit=10, period_seconds=60 * 60)
