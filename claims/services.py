"""Writing claims: creating one from an upload, and reading it again after an improvement.

Status changes go through ``claims.lifecycle``; the intake is queued by ``claims.tasks``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import Customer, InsuredPerson, User
from audit import log as audit
from claims import events
from claims.lifecycle import ALLOWED_TRANSITIONS, change_status
from claims.models import Claim, ClaimKind, ClaimPage, ClaimStatus, StatusChange
from claims.tasks import queue_intake
from core.uploads import ValidatedUpload

if TYPE_CHECKING:
    from django.http import HttpRequest

logger = logging.getLogger(__name__)

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
    request: HttpRequest | None = None,
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
            audit.record(events.CHANGED, request=request, user=user, customer=customer,
                         claim=claim.pk, change="created", pages=len(uploads))
            queue_intake(claim.pk)  # the outbox row commits with the claim
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
