"""The core's tasks: SMS delivery, the worker's database check, the deferred-task relay and the
clean-up of files shared from a phone."""

import logging

from celery import shared_task
from django.db import connection

from core.celery import app
from core.sms import deliver_sms  # noqa: F401  (the worker finds it among the core's tasks)

logger = logging.getLogger(__name__)


@shared_task
def database_roundtrip() -> int:
    """Proves a worker reaches the database (used by /healthz checks and CI)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


@shared_task
def flush_deferred_tasks() -> int:
    """The outbox's relay: publish what was never published or never ran (core.outbox)."""
    from core.outbox import relay

    return relay()


@shared_task
def purge_shared_uploads() -> int:
    """Delete files shared from a phone and not attached to a claim within their time."""
    from core.sharing import purge_expired

    return purge_expired()


app.conf.beat_schedule["core.flush_deferred_tasks"] = {
    "task": "core.tasks.flush_deferred_tasks",
    "schedule": 60.0,
}
app.conf.beat_schedule["core.purge_shared_uploads"] = {
    "task": "core.tasks.purge_shared_uploads",
    "schedule": 5 * 60,  # a share is held 30 minutes at most (+5)
}
