"""Token buckets in the database, for the limits that cost money or protect accounts.

A bucket holds up to ``capacity`` tokens and refills at ``capacity`` per ``period_seconds``;
each attempt takes ``cost`` tokens (one SMS, or a file's bytes) and is refused when not enough
are left. Taking is one conditional ``UPDATE`` (three statements for a subject's first
attempt): the database refills and spends in the same statement, on the locked row, so two
workers never both spend the last token, and the cache going down changes nothing.

    SMS = Bucket("sms-contract", capacity=5, period_seconds=3600)
    if not SMS.take(contract_number): ...
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Expression, F, FloatField, Value
from django.db.models.functions import Greatest, Least
from django.db.models.lookups import GreaterThanOrEqual

from core.models import TokenBucket


def _hashed(name: str, subject: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{name}:{subject}".encode(),
                    hashlib.sha256).hexdigest()


def _number(value: float) -> Value:
    return Value(float(value), output_field=FloatField())


@dataclass(frozen=True)
class Bucket:
    name: str
    capacity: float
    period_seconds: float

    @property
    def _per_second(self) -> float:
        return self.capacity / self.period_seconds

    def _refilled(self, row: TokenBucket, now: float) -> float:
        elapsed = max(now - row.refilled_at, 0.0)
        return min(self.capacity, row.tokens + elapsed * self._per_second)

    def _refilled_in_sql(self, now: float) -> Expression:
        """``_refilled`` as the database computes it on the row it updates."""
        elapsed = Greatest(_number(0), _number(now) - F("refilled_at"))
        return Least(_number(self.capacity), F("tokens") + elapsed * _number(self._per_second))

    def take(self, subject: str, cost: float = 1) -> bool:
        """Spend ``cost`` tokens of ``subject``'s budget; False (nothing spent) if too few."""
        if cost > self.capacity:
            return False  # more than a full bucket
        key = _hashed(self.name, subject)
        if self._spend(key, cost):
            return True
        # Nothing spent: too few tokens left, or the subject's first attempt within reach of
        # the database. A full bucket is added unless one is there (a concurrent worker's
        # included), and the spending tried once more.
        TokenBucket.objects.bulk_create(
            [TokenBucket(key=key, tokens=self.capacity, refilled_at=time.time())],
            ignore_conflicts=True)
        return self._spend(key, cost)

    def _spend(self, key: str, cost: float) -> bool:
        now = time.time()
        refilled = self._refilled_in_sql(now)
        return bool(TokenBucket.objects.filter(key=key)
                    .filter(GreaterThanOrEqual(refilled, _number(cost)))
                    .update(tokens=refilled - _number(cost), refilled_at=_number(now)))

    def left(self, subject: str) -> float:
        """The tokens ``subject`` could spend now (without spending any)."""
        row = TokenBucket.objects.filter(key=_hashed(self.name, subject)).first()
        return self.capacity if row is None else self._refilled(row, time.time())

    def empty(self, subject: str) -> bool:
        return self.left(subject) < 1

    def reset(self, subject: str) -> None:
        """A full budget again (an unlock)."""
        TokenBucket.objects.filter(key=_hashed(self.name, subject)).delete()
