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


# --- The data export (issue 8): kptportal/export.py ------------------------------------

@shared_task(**RETRY_OPTIONS)
def build_data_export(export_id: int) -> str:
    """Build one household's export ZIP (safe to run twice: a ready export is left alone)."""
    from kptportal.export import build_export
    from kptportal.models import DataExport

    export = DataExport.objects.filter(pk=export_id).select_related("customer").first()
    if export is None:
        return "gone"
    return build_export(export).status


@shared_task
def flush_deferred_tasks() -> int:
    """Send the tasks kept while the broker was down (kptportal.outbox)."""
    from kptportal.outbox import flush

    return flush()


@shared_task
def purge_expired_exports() -> int:
    from kptportal.export import purge_expired

    return purge_expired()


@shared_task
def purge_shared_uploads() -> int:
    """Delete files shared from a phone and not attached to a claim within their time."""
    from kptportal.sharing import purge_expired

    return purge_expired()


@shared_task
def requeue_pending_exports() -> int:
    from kptportal.export import requeue_pending

    return requeue_pending()


def _schedule() -> None:
    from celery.schedules import crontab


    app.conf.beat_schedule["kptportal.purge_expired_exports"] = {
        "task": "kptportal.tasks.purge_expired_exports",
        "schedule": crontab(hour=3, minute=15),
    }
    app.conf.beat_schedule["kptportal.flush_deferred_tasks"] = {
        "task": "kptportal.tasks.flush_deferred_tasks",
        "schedule": 60.0,
    }
    app.conf.beat_schedule["kptportal.purge_shared_uploads"] = {
        "task": "kptportal.tasks.purge_shared_uploads",
        "schedule": 5 * 60,  # a share is held 30 minutes at most (+5)
    }
    app.conf.beat_schedule["kptportal.requeue_pending_exports"] = {
        "task": "kptportal.tasks.requeue_pending_exports",
        "schedule": crontab(minute="*/10"),
    }


_schedule()
