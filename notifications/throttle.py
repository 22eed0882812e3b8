"""How often a customer is told that something new waits: a burst (an import of twelve
invoices, three advisor replies) becomes one notification.

- at most one notification per customer per ``THROTTLE_SECONDS`` (an hour), any reason;
- for new documents, at most one per ``DOCUMENT_THROTTLE_SECONDS`` (a day).

Batching: activity within ``BURST_SECONDS`` of a notification is covered by it. The first
message or claim suppressed later in the hour plans one follow-up for the moment the hour
is over, so a reply that arrives twenty minutes after a notification is still announced
(once, together with anything else that came meanwhile). Documents held
back by the daily limit wait for the next notification or the next day's document.
"""

import time

from django.core.cache import cache

THROTTLE_SECONDS = 60 * 60
DOCUMENT_THROTTLE_SECONDS = 24 * 60 * 60
BURST_SECONDS = 5 * 60


def _hour_key(customer_id: int) -> str:
    return f"notify:{customer_id}"


def _document_key(customer_id: int) -> str:
    return f"notify:document:{customer_id}"


def _follow_up_key(customer_id: int) -> str:
    return f"notify:follow-up:{customer_id}"


def claim_notification_slot(customer_id: int, reason: str) -> bool:
    """Reserve the right to notify now; False when the customer was told recently enough.

    ``cache.add`` is atomic in Redis, so two workers racing for the same customer send once.
    """
    if reason == "document" and cache.get(_document_key(customer_id)) is not None:
        return False
    reopens_at = time.time() + THROTTLE_SECONDS
    if not cache.add(_hour_key(customer_id), reopens_at, timeout=THROTTLE_SECONDS):
        return False
    if reason == "document":
        cache.set(_document_key(customer_id), reason, timeout=DOCUMENT_THROTTLE_SECONDS)
    return True


def release_notification_slot(customer_id: int, reason: str) -> None:
    """Undo ``claim_notification_slot`` when sending failed, so the retry may send."""
    cache.delete(_hour_key(customer_id))
    if reason == "document":
        cache.delete(_document_key(customer_id))


def plan_follow_up(customer_id: int, reason: str) -> int | None:
    """After a suppressed notification: seconds until the hour is over, the first time only.

    None when documents wait for the day, the activity belongs to the burst just notified,
    or a follow-up is already planned for this hour.
    """
    if reason == "document":
        return None
    reopens_at = cache.get(_hour_key(customer_id))
    if reopens_at is None:
        return None
    notified_at = reopens_at - THROTTLE_SECONDS
    if time.time() - notified_at < BURST_SECONDS:
        return None
    delay = max(1, int(reopens_at - time.time()) + 1)
    if not cache.add(_follow_up_key(customer_id), reason, timeout=delay + 300):
        return None
    return delay


def follow_up_done(customer_id: int) -> None:
    cache.delete(_follow_up_key(customer_id))
