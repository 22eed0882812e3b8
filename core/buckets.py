"""Token buckets in the database, for the limits that cost money or protect accounts.

A bucket holds up to ``capacity`` tokens and refills at ``capacity`` per ``period_seconds``;
each attempt takes ``cost`` tokens (one SMS, or a file's bytes) and is refused when not enough
are left. The row is locked while it is read and written, so two workers never both spend the
last token, and the cache going down changes nothing.

    SMS = Bucket("sms-contract", capacity=5, period_seconds=3600)
    if not SMS.take(contract_number): ...
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import TokenBucket


def _hashed(name: str, subject: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{name}:{subject}".encode(),
                    hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Bucket:
    name: str
    capacity: float
    period_seconds: float

    def _refilled(self, row: TokenBucket) -> float:
        elapsed = max((timezone.now() - row.updated_at).total_seconds(), 0.0)
        return min(self.capacity, row.tokens + elapsed * self.capacity / self.period_seconds)

    def take(self, subject: str, cost: float = 1) -> bool:
        """Spend ``cost`` tokens of ``subject``'s budget; False (nothing spent) if too few."""
        key = _hashed(self.name, subject)
        for _attempt in range(2):
            try:
                with transaction.atomic():
                    row = TokenBucket.objects.select_for_update().filter(key=key).first()
                    if row is None:
                        if cost > self.capacity:
                            return False
                        TokenBucket.objects.create(key=key, tokens=self.capacity - cost,
                                                   updated_at=timezone.now())
                        return True
                    tokens = self._refilled(row)
                    allowed = tokens >= cost
                    row.tokens = tokens - cost if allowed else tokens
                    row.updated_at = timezone.now()
                    row.save(update_fields=["tokens", "updated_at"])
                    return allowed
            except IntegrityError:  # another worker created the row first: read it
                continue
        return False

    def left(self, subject: str) -> float:
        """The tokens ``subject`` could spend now (without spending any)."""
        row = TokenBucket.objects.filter(key=_hashed(self.name, subject)).first()
        return self.capacity if row is None else self._refilled(row)

    def empty(self, subject: str) -> bool:
        return self.left(subject) < 1

    def reset(self, subject: str) -> None:
        """A full budget again (an unlock)."""
        TokenBucket.objects.filter(key=_hashed(self.name, subject)).delete()
