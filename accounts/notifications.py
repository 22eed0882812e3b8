"""Telling a customer that something new waits in the portal: never the content itself.

Apps call ``notify_new_activity(customer, reason)`` after their change is committed; the
message is sent by a Celery task, at most once per ``THROTTLE_SECONDS`` per customer, so a
burst (an import of twelve invoices, three advisor replies) becomes one SMS or e-mail.
The messaging app refines preferences and opt-out; this is the one entry point.
"""

from django.db import transaction

THROTTLE_SECONDS = 60 * 60

REASONS = {"message", "document", "claim"}


def notify_new_activity(customer, *, reason: str) -> None:
    if reason not in REASONS:
        raise ValueError(f"unknown notification reason {reason!r}")
    from accounts.tasks import send_activity_notification

    customer_id = customer.pk
    transaction.on_commit(lambda: send_activity_notification.delay(customer_id, reason))
