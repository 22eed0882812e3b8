from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from celery import shared_task
from celery.schedules import crontab
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts import notices  # noqa: F401 - registers the notice task with the workers
from accounts.payout import send_payout_notice  # noqa: F401  (the worker finds it here)
from core.celery import RETRY_OPTIONS, app
from core.outbox import enqueue

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)


@shared_task
def apply_due_address_changes() -> int:
    """Apply the address changes whose date has come (daily; safe to run twice)."""
    from accounts.profile import apply_due_address_changes as apply_due

    return apply_due()


@shared_task
def apply_due_password_resets() -> int:
    """Give the delayed new passwords whose time has come (safe to run twice)."""
    from accounts import delayed_reset

    return len(delayed_reset.apply_due())


@shared_task(**RETRY_OPTIONS)
def send_reset_code(user_id: int, requested_at: str) -> bool:
    """The password reset's SMS code, sent by a worker so the request's answer takes the same
    time whether or not the details matched; the code is made here, never queued in clear.

    A message delivered late (a broker that came back, the outbox relay) sends nothing once
    the code would have expired: the customer has asked again meanwhile.
    """
    from accounts import events
    from accounts.models import SMSDevice
    from audit import log as audit
    from core.sms import SMSDeliveryError

    asked = parse_datetime(requested_at)
    if asked is None or (timezone.now() - asked).total_seconds() > SMSDevice.CODE_VALIDITY:
        return False
    device = (SMSDevice.objects.select_related("user")
              .filter(user_id=user_id, name="default", confirmed=True).first())
    if device is None:
        return False
    try:
        device.send_code()
    except SMSDeliveryError:
        logger.warning("password reset code refused by the SMS provider")
        audit.record(events.SMS_FAILED, user=device.user, purpose="password_reset")
        return False
    audit.record(events.CODE_SENT, user=device.user, purpose="password_reset")
    return True


def queue_reset_code(user: User, *, now: datetime | None = None) -> None:
    enqueue(send_reset_code, user.pk, (now or timezone.now()).isoformat())


app.conf.beat_schedule["accounts.apply_due_address_changes"] = {
    "task": "accounts.tasks.apply_due_address_changes",
    "schedule": crontab(hour=0, minute=5),
}
app.conf.beat_schedule["accounts.apply_due_password_resets"] = {
    "task": "accounts.tasks.apply_due_password_resets",
    "schedule": crontab(minute="*/5"),
}
