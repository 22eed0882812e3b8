"""Celery tasks of the claims: the intake (``ocr`` queue) and the re-queue of stuck claims.

Thin: they take ids and call ``claims.processing``; both are safe to run twice.
"""

import logging
from typing import Any

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from kombu.exceptions import OperationalError

from claims.intake import TransientIntakeError
from claims.intake.memory import give_back_memory
from claims.models import ClaimStatus
from claims.notes import note
from claims.processing import claims_stuck, give_up, process_claim
from core.celery import RETRY_OPTIONS, app
from core.models import DeferredTask
from core.outbox import enqueue

logger = logging.getLogger(__name__)

# A claim "received" this long was never picked up (the outbox's relay normally sends it
# within a minute); one "processing" this long lost its worker: the intake's hard time limit
# (settings.INTAKE_TIME_LIMIT, 5 min) has passed, so no run of it can still be alive. With
# the sweep every 2 minutes a claim whose worker died is read again within 8 minutes.
STUCK_RECEIVED_MINUTES = 5
STUCK_PROCESSING_MINUTES = 6
REQUEUE_EVERY_SECONDS = 2 * 60

app.conf.beat_schedule["claims-requeue-stuck"] = {
    "task": "claims.tasks.requeue_stuck_claims",
    "schedule": REQUEUE_EVERY_SECONDS,
}


@shared_task(bind=True, **RETRY_OPTIONS)
def run_intake(self, claim_id: int) -> dict[str, Any]:
    """Read one claim's pages and pass it to the advisors (see ``process_claim``)."""
    try:
        outcome = process_claim(claim_id)
    except TransientIntakeError as exc:
        if self.request.retries >= self.max_retries:
            give_up(claim_id, note("gave_up_transient", {"detail": exc.message}))
            return {"claim": claim_id, "status": "to_review", "gave_up": True}
        countdown = get_exponential_backoff_interval(
            factor=RETRY_OPTIONS["retry_backoff"], retries=self.request.retries,
            maximum=RETRY_OPTIONS["retry_backoff_max"], full_jitter=True,
        )
        raise self.retry(exc=exc, countdown=countdown) from exc
    finally:
        # the pages' images are freed by now: back to the system, before the next claim and
        # before the pool weighs the child against --max-memory-per-child
        give_back_memory()
    return {"claim": claim_id, "status": outcome.status, "skipped": outcome.skipped,
            "fields": outcome.fields, "duplicate_of": outcome.duplicate_of}


@shared_task
def requeue_stuck_claims() -> int:
    """Queue the intake again for claims waiting too long; returns how many were sent."""
    stuck = list(claims_stuck(received_minutes=STUCK_RECEIVED_MINUTES,
                              processing_minutes=STUCK_PROCESSING_MINUTES)
                 .order_by("created_at").values_list("pk", "status")[:500])
    ids = [claim_id for claim_id, _status in stuck]
    # A claim still "received" whose intake waits in the outbox (unpublished, or published and
    # queued behind a backlog) is the relay's: queuing it again every sweep would pile copies
    # into the OCR queue. One "processing" lost its run: queued again.
    sent = sum(1 for claim_id, status in stuck
               if queue_intake(claim_id, unless_queued=status == ClaimStatus.RECEIVED))
    if ids:
        logger.info("requeued %s of %s stuck claims", sent, len(ids))
    return sent


def queue_intake(claim_id: int, *, unless_queued: bool = False) -> bool:
    """Queue the intake in the outbox (with the claim's transaction, published after commit;
    a broker that is down is the relay's business, never the customer's). False when the
    claim already waits in the outbox unpublished (``unless_queued``: or published)."""
    rows = DeferredTask.objects.filter(task_name=run_intake.name, args=[claim_id])
    if not unless_queued:
        rows = rows.filter(published_at__isnull=True)
    if rows.exists():
        return False
    try:
        enqueue(run_intake, claim_id)
    except OperationalError:  # pragma: no cover - enqueue publishes after commit only
        return False
    except Exception:  # noqa: BLE001 - eager mode (no broker) runs the task right here
        logger.exception("intake of claim %s failed; the periodic re-queue will retry it",
                         claim_id)
        return False
    return True


@shared_task(soft_time_limit=20, time_limit=30)
def pre_read_claim(customer_id: int, data_b64: str) -> int | None:
    """Which insured person of the household a page about to be sent names (``prereads``):
    their id, or None. Never raises: a page it cannot read simply gives no hint."""
    import base64

    from accounts.models import InsuredPerson
    from claims.intake import IntakeError
    from claims.intake.preread import pre_read_patient
    from claims.notes import household_match

    try:
        read = pre_read_patient(base64.b64decode(data_b64))
    except (IntakeError, ValueError):
        return None
    match = household_match(read.name, read.birth,
                            InsuredPerson.objects.filter(customer_id=customer_id))
    return match.pk if match is not None else None
