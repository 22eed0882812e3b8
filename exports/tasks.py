"""The data export's tasks: build one, purge the expired, re-queue what waits too long."""

from datetime import timedelta

from celery import shared_task
from celery.schedules import crontab
from django.utils import timezone

from core.celery import RETRY_OPTIONS, app
from core.outbox import enqueue
from exports.building import MAX_ATTEMPTS, build_export, purge_expired
from exports.models import DataExport


@shared_task(**RETRY_OPTIONS)
def build_data_export(export_id: int) -> str:
    """Build one household's export ZIP (safe to run twice: a ready export is left alone)."""
    export = DataExport.objects.filter(pk=export_id).select_related("customer").first()
    if export is None:
        return "gone"
    return build_export(export).status


@shared_task
def purge_expired_exports() -> int:
    return purge_expired()


@shared_task
def requeue_pending_exports() -> int:
    return requeue_pending()


def queue_build(export_id: int) -> None:
    """Queue the build with the request (``core.outbox``: published after commit, repaired
    by the relay); ``requeue_pending`` also catches builds that keep failing."""
    enqueue(build_data_export, export_id)


def requeue_pending(older_than_seconds: int = 300) -> int:
    """Queue again the requests no worker built (broker was down, worker lost)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    pending = DataExport.objects.filter(status=DataExport.Status.PENDING,
                                        requested_at__lte=cutoff)
    # A request that failed to build this many times is given up (the page says so).
    pending.filter(attempts__gte=MAX_ATTEMPTS).update(status=DataExport.Status.FAILED)
    ids = list(pending.filter(attempts__lt=MAX_ATTEMPTS).values_list("pk", flat=True))
    for export_id in ids:
        enqueue(build_data_export, export_id)
    return len(ids)


app.conf.beat_schedule["exports.purge_expired_exports"] = {
    "task": "exports.tasks.purge_expired_exports",
    "schedule": crontab(hour=3, minute=15),
}
app.conf.beat_schedule["exports.requeue_pending_exports"] = {
    "task": "exports.tasks.requeue_pending_exports",
    "schedule": crontab(minute="*/10"),
}
