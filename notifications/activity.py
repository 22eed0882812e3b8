"""The one call the apps make: ``notify_new_activity(customer, reason=...)``, after their
change, once it is committed. The notification itself is a task (``notifications.tasks``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.outbox import enqueue
from notifications.tasks import send_activity_notification

if TYPE_CHECKING:
    from accounts.models import Customer

# "requested": a document the customer asked for and was promised a message about (a tax
# certificate); told within the hour like a message, not held back by the daily limit of
# new documents.
REASONS = {"message", "document", "claim", "requested"}


def notify_new_activity(customer: Customer, *, reason: str) -> None:
    if reason not in REASONS:
        raise ValueError(f"unknown notification reason {reason!r}")
    customer_id = customer.pk
    # Written with the change (the outbox), published once it is committed; a broker that is
    # down or loses the message is repaired by the relay, never a failed page.
    enqueue(send_activity_notification, customer_id, reason)
