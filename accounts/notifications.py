"""Telling a customer that something new waits in the portal: never the content itself.

Apps call ``notify_new_activity(customer, reason=...)`` after their change is committed; the
message is sent by a Celery task in the customer's language, over the channel they chose
(``Customer.notify_channel``: SMS, e-mail when they have an address, or nothing), and
throttled so a burst (an import of twelve invoices, three advisor replies) becomes one:

- at most one notification per customer per ``THROTTLE_SECONDS`` (an hour), any reason;
- for new documents, at most one per ``DOCUMENT_THROTTLE_SECONDS`` (a day).

What is suppressed is not lost: the portal shows everything new at the next visit.
"""

from django.core.cache import cache
from django.db import transaction

THROTTLE_SECONDS = 60 * 60
DOCUMENT_THROTTLE_SECONDS = 24 * 60 * 60

REASONS = {"message", "document", "claim"}


def notify_new_activity(customer, *, reason: str) -> None:
    if reason not in REASONS:
        raise ValueError(f"unknown notification reason {reason!r}")
    from accounts.tasks import send_activity_notification

    customer_id = customer.pk
    transaction.on_commit(lambda: send_activity_notification.delay(customer_id, reason))


def _hour_key(customer_id: int) -> str:
    return f"notify:{customer_id}"


def _document_key(customer_id: int) -> str:
    return f"notify:document:{customer_id}"


def claim_notification_slot(customer_id: int, reason: str) -> bool:
    """Reserve the right to notify now; False when the customer was told recently enough.

    ``cache.add`` is atomic in Redis, so two workers racing for the same customer send once.
    """
    if reason == "document" and cache.get(_document_key(customer_id)) is not None:
        return False
    if not cache.add(_hour_key(customer_id), reason, timeout=THROTTLE_SECONDS):
        return False
    if reason == "document":
        cache.set(_document_key(customer_id), reason, timeout=DOCUMENT_THROTTLE_SECONDS)
    return True


def release_notification_slot(customer_id: int, reason: str) -> None:
    """Undo ``claim_notification_slot`` when sending failed, so the retry may send."""
    cache.delete(_hour_key(customer_id))
    if reason == "document":
        cache.delete(_document_key(customer_id))
