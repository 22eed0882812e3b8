"""Celery tasks of the claims: the intake (``ocr`` queue) and the re-queue of stuck claims.

Thin: they take ids and call ``claims.processing``; both are safe to run twice.
"""

import logging

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval

from claims.intake import TransientIntakeError
from kptportal.celery import RETRY_OPTIONS, app

logger = logging.getLogger(__name__)

# A claim "received" this long was never picked up (broker down when it was stored); one
# "processing" this long lost its worker (longer than a task's retries with backoff).
STUCK_RECEIVED_MINUTES = 10
STUCK_PROCESSING_MINUTES = 90
REQUEUE_EVERY_SECONDS = 5 * 60

app.conf.beat_schedule["claims-requeue-stuck"] = {
    "task": "claims.tasks.requeue_stuck_claims",
    "schedule": REQUEUE_EVERY_SECONDS,
}


@shared_task(bind=True, **RETRY_OPTIONS)
def run_intake(self, claim_id: int) -> dict:
    """Read one claim's pages and pass it to the advisors (see ``process_claim``)."""
    from claims.processing import give_up, process_claim

    try:
        outcome = process_claim(claim_id)
    except TransientIntakeError as exc:
        if self.request.retries >= self.max_retries:
            give_up(claim_id, f"Lecture automatique impossible (erreur temporaire répétée: "
                              f"{exc.message}).")
            return {"claim": claim_id, "status": "to_review", "gave_up": True}
        countdown = get_exponential_backoff_interval(
            factor=RETRY_OPTIONS["retry_backoff"], retries=self.request.retries,
            maximum=RETRY_OPTIONS["retry_backoff_max"], full_jitter=True,
        )
        raise self.retry(exc=exc, countdown=countdown) from exc
    return {"claim": claim_id, "status": outcome.status, "skipped": outcome.skipped,
            "fields": outcome.fields, "duplicate_of": outcome.duplicate_of}


@shared_task
def requeue_stuck_claims() -> int:
    """Queue the intake again for claims waiting too long; returns how many were sent."""
    from claims.processing import claims_stuck
    from claims.services import queue_intake

    ids = list(claims_stuck(received_minutes=STUCK_RECEIVED_MINUTES,
                            processing_minutes=STUCK_PROCESSING_MINUTES)
               .order_by("created_at").values_list("pk", flat=True)[:500])
    sent = sum(1 for claim_id in ids if queue_intake(claim_id))
    if ids:
        logger.info("requeued %s of %s stuck claims", sent, len(ids))
    return sent
