"""Writing claims: creating one from an upload, and moving it through its statuses.

Every status change goes through ``change_status``: it writes the ``StatusChange`` history
row (the customer's timeline), the audit log when a person acted, and notifies the customer
of the outcomes they care about (accepted, rejected, settled).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.models import Customer, InsuredPerson, User
from accounts.notifications import notify_new_activity
from claims.models import Claim, ClaimKind, ClaimPage, ClaimStatus, StatusChange
from kptportal.uploads import ValidatedUpload

logger = logging.getLogger(__name__)

# Outcomes the customer hears about (by SMS/e-mail: "something new in the portal").
NOTIFIED_STATUSES = {ClaimStatus.ACCEPTED, ClaimStatus.REJECTED, ClaimStatus.SETTLED}

ALLOWED_TRANSITIONS = {
    ClaimStatus.RECEIVED: {ClaimStatus.PROCESSING, ClaimStatus.TO_REVIEW},
    ClaimStatus.PROCESSING: {ClaimStatus.RECEIVED, ClaimStatus.TO_REVIEW},
    ClaimStatus.TO_REVIEW: {ClaimStatus.ACCEPTED, ClaimStatus.REJECTED, ClaimStatus.RECEIVED},
    ClaimStatus.ACCEPTED: {ClaimStatus.SETTLED, ClaimStatus.TO_REVIEW},
    ClaimStatus.REJECTED: {ClaimStatus.TO_REVIEW},
    ClaimStatus.SETTLED: set(),
}


class TransitionNotAllowed(ValueError):
    pass


def checksum_of(uploads: Sequence[ValidatedUpload]) -> str:
    digest = hashlib.sha256()
    for upload in uploads:
        digest.update(hashlib.sha256(upload.data).digest())
    return digest.hexdigest()


def create_claim(
    *,
    customer: Customer,
    insured_person: InsuredPerson,
    kind: str,
    uploads: Sequence[tuple[str, ValidatedUpload]],
    note: str = "",
    user: User | None = None,
    request=None,
) -> Claim:
    """Store a claim and its pages in one transaction, then queue the intake.

    ``uploads`` are (original file name, validated upload) pairs. If anything fails, no row
    stays and the files already written are deleted. The intake task is queued only after
    the commit, and a broker that is down leaves the claim "received" for the periodic job.
    """
    if insured_person.customer_id != customer.pk:
        raise ValueError("insured person of another household")
    if kind not in ClaimKind.values:
        raise ValueError(f"unknown claim kind {kind!r}")
    if not uploads:
        raise ValueError("a claim needs at least one page")
    written: list[ClaimPage] = []
    try:
        with transaction.atomic():
            now = timezone.now()
            claim = Claim.objects.create(
                customer=customer, insured_person=insured_person, kind=kind, note=note,
                status=ClaimStatus.RECEIVED, status_changed_at=now, created_at=now,
                checksum=checksum_of([u for _name, u in uploads]),
            )
            StatusChange.objects.create(claim=claim, status=ClaimStatus.RECEIVED, at=now)
            for order, (name, upload) in enumerate(uploads):
                page = ClaimPage(
                    claim=claim, order=order, content_type=upload.content_type,
                    sha256=hashlib.sha256(upload.data).hexdigest(),
                    page_count=upload.page_count, original_name=name[:200],
                    size=len(upload.data),
                )
                page.file.save(f"page.{upload.extension}", ContentFile(upload.data), save=False)
                written.append(page)
                page.save()
            audit.record("claim_changed", request=request, user=user, customer=customer,
                         claim=claim.pk, change="created", pages=len(uploads))
            transaction.on_commit(lambda: queue_intake(claim.pk))
    except Exception:
        for page in written:
            _delete_quietly(page)
        raise
    return claim


def _delete_quietly(page: ClaimPage) -> None:
    try:
        if page.file.name:
            page.file.storage.delete(page.file.name)
    except Exception:  # noqa: BLE001 - cleanup must not hide the original error
        logger.exception("could not delete orphan claim file %s", page.file.name)


def queue_intake(claim_id: int) -> bool:
    """Send the intake task; a broker that is down is logged, never the customer's problem."""
    from kombu.exceptions import OperationalError

    from claims.tasks import run_intake

    try:
        run_intake.delay(claim_id)
    except (OperationalError, ConnectionError, TimeoutError, OSError):
        logger.warning("broker unavailable: claim %s stays received until re-queued", claim_id,
                       exc_info=True)
        return False
    except Exception:  # noqa: BLE001 - eager mode (no broker) runs the task right here
        logger.exception("intake of claim %s failed; the periodic re-queue will retry it",
                         claim_id)
        return False
    return True


def change_status(
    claim: Claim,
    status: str,
    *,
    actor: User | None = None,
    note: str = "",
    rejection_reason: str = "",
    request=None,
) -> Claim:
    """Move ``claim`` to ``status``, write its history, audit an advisor's decision."""
    if status not in ALLOWED_TRANSITIONS[ClaimStatus(claim.status)]:
        raise TransitionNotAllowed(f"{claim.status} → {status}")
    now = timezone.now()
    with transaction.atomic():
        previous = claim.status
        claim.status = status
        claim.status_changed_at = now
        fields = ["status", "status_changed_at", "updated_at"]
        if status == ClaimStatus.REJECTED:
            claim.rejection_reason = rejection_reason
            fields.append("rejection_reason")
        if actor is not None and status in {ClaimStatus.ACCEPTED, ClaimStatus.REJECTED}:
            claim.reviewed_by = actor
            fields.append("reviewed_by")
        claim.save(update_fields=fields)
        StatusChange.objects.create(claim=claim, status=status, at=now, actor=actor,
                                    note=note[:300])
        if actor is not None:
            audit.record("claim_changed", request=request, actor=actor, customer=claim.customer,
                         user=None, claim=claim.pk, change="status", previous=previous,
                         status=status, reason=rejection_reason)
        if status in NOTIFIED_STATUSES:
            notify_new_activity(claim.customer, reason="claim")
    return claim


def accept(claim: Claim, *, advisor: User, request=None) -> Claim:
    return change_status(claim, ClaimStatus.ACCEPTED, actor=advisor, request=request)


def reject(claim: Claim, *, advisor: User, reason: str, request=None) -> Claim:
    if not reason.strip():
        raise ValueError("a rejection needs a reason the customer can read")
    return change_status(claim, ClaimStatus.REJECTED, actor=advisor,
                         rejection_reason=reason.strip(), request=request)


def reprocess(claim_id: int) -> bool:
    """Put a claim back to "received" (kept fields edited by an advisor) and queue the intake.

    A claim an advisor decided goes back to review: the new reading must be checked again.
    """
    with transaction.atomic():
        claim = Claim.objects.select_for_update().filter(pk=claim_id).first()
        if claim is None or claim.status == ClaimStatus.SETTLED:
            return False
        if claim.status != ClaimStatus.RECEIVED:
            if ClaimStatus.RECEIVED not in ALLOWED_TRANSITIONS[ClaimStatus(claim.status)]:
                change_status(claim, ClaimStatus.TO_REVIEW, note="reprocess")
            change_status(claim, ClaimStatus.RECEIVED, note="reprocess")
        claim.attempts = 0
        claim.save(update_fields=["attempts", "updated_at"])
    return queue_intake(claim_id)
