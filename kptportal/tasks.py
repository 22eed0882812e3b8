import logging

from celery import shared_task
from django.db import connection

from kptportal import sms
from kptportal.celery import RETRY_OPTIONS, app

logger = logging.getLogger(__name__)


@shared_task(**RETRY_OPTIONS)
def deliver_sms(to: str, text: str) -> str:
    """Hand one SMS to Twilio; transient failures retry with backoff."""
    sid = sms.deliver_via_twilio(to, text)
    logger.info("sms delivered", extra={"sms_to": sms.mask_phone_number(to), "sid": sid})
    return sid


@shared_task
def database_roundtrip() -> int:
    """Proves a worker reaches the database (used by /healthz checks and CI)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone()[0]


@shared_task
def purge_shared_uploads() -> int:
    """Delete files shared from a phone and not attached to a claim within their time."""
    from kptportal.sharing import purge_expired

    return purge_expired()


app.conf.beat_schedule["kptportal.purge_shared_uploads"] = {
    "task": "kptportal.tasks.purge_shared_uploads",
    "schedule": 5 * 60,  # every five minutes: a share is held 30 minutes at most (+5)
}
