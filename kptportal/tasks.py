import logging

from celery import shared_task
from django.db import connection

from kptportal import sms
from kptportal.celery import RETRY_OPTIONS

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
