from celery import shared_task

from core.celery import RETRY_OPTIONS
from core.outbox import enqueue
from notifications.delivery import deliver


@shared_task(**RETRY_OPTIONS)
def send_activity_notification(customer_id: int, reason: str, follow_up: bool = False) -> bool:
    """Tell the customer something new waits (``notifications.delivery``); plan the one
    follow-up it asks for. True when a message went out."""
    delivery = deliver(customer_id, reason, follow_up=follow_up)
    if delivery.follow_up_in is not None:
        # Planned in the outbox, not as a broker countdown: nothing waits in Redis for an
        # hour (a restart would lose it, and it would outlive the visibility timeout).
        enqueue(send_activity_notification, customer_id, reason, True,
                countdown=delivery.follow_up_in)
    return delivery.sent
