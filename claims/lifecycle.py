"""A claim's statuses and the moves between them.

Every status change goes through ``change_status``: it writes the ``StatusChange`` history
row (the customer's timeline), the audit log when a person acted, and notifies the customer
of the outcomes they care about (accepted, rejected, settled). ``settle`` is the move to
"settled" by a benefit statement, which it links to the claim.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit import log as audit
from claims import events
from claims.models import Claim, ClaimStatus, StatusChange
from core.errors import PortalError
from documents.models import BenefitStatement
from notifications.activity import notify_new_activity

if TYPE_CHECKING:
    from django.http import HttpRequest

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


class TransitionNotAllowed(PortalError):
    """A move the lifecycle does not allow: another advisor (or the worker) moved it first."""

    message_template = _("Cette demande est passée entre-temps à « %(current)s »: elle ne peut "
                         "plus passer à « %(wanted)s ». Rechargez la page.")



class AlreadySettled(PortalError):
    """The claim is linked to another statement: one invoice is not reimbursed twice."""

    message_template = _("Cette demande est déjà réglée par le décompte %(reference)s.")


class NotTheClaimsStatement(PortalError):
    """A statement of another household or another insured person."""

    message_template = _("Ce décompte ne concerne pas la personne assurée de cette demande.")


class ReasonRequired(PortalError):
    """A refusal without a reason: the customer would not know why."""

    message_template = _("Indiquez le motif du refus: le client le lit dans son portail.")


class AmountRequired(PortalError):
    """An acceptance without an amount, or a negative one: nothing to settle."""

    message_template = _("Indiquez le montant accepté (CHF 0.00 ou plus).")


def change_status(
    claim: Claim,
    status: str,
    *,
    actor: User | None = None,
    note: str = "",
    rejection_reason: str = "",
    amount: Decimal | None = None,
    request: HttpRequest | None = None,
) -> Claim:
    """Move ``claim`` to ``status``, write its history, audit an advisor's decision.

    ``amount`` is the accepted amount of an acceptance: kept on its history row and in the
    audit log, while the claim's own ``amount`` stays what the invoice reads."""
    if status not in ALLOWED_TRANSITIONS[ClaimStatus(claim.status)]:
        raise TransitionNotAllowed(current=ClaimStatus(claim.status).label,
                                   wanted=ClaimStatus(status).label)
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
                                    note=note[:300], amount=amount)
        if actor is not None:
            extra = {"accepted_amount": f"{amount:.2f}"} if amount is not None else {}
            audit.record(events.CHANGED, request=request, actor=actor, customer=claim.customer,
                         user=None, claim=claim.pk, change="status", previous=previous,
                         status=status, reason=rejection_reason, **extra)
        if status in NOTIFIED_STATUSES:
            notify_new_activity(claim.customer, reason="claim")
    return claim


def accept(claim: Claim, *, advisor: User, amount: Decimal,
           request: HttpRequest | None = None, note: str = "") -> Claim:
    """An advisor accepts ``claim`` for ``amount`` CHF (one claim, its amount looked at)."""
    if amount is None or amount < 0:
        raise AmountRequired
    return change_status(claim, ClaimStatus.ACCEPTED, actor=advisor, note=note,
                         amount=amount.quantize(Decimal("0.01")), request=request)


def reject(claim: Claim, *, advisor: User, reason: str,
           request: HttpRequest | None = None) -> Claim:
    if not reason.strip():
        raise ReasonRequired
    return change_status(claim, ClaimStatus.REJECTED, actor=advisor,
                         rejection_reason=reason.strip(), request=request)


def settle(claim: Claim, *, statement: BenefitStatement, position: int,
           actor: User | None = None, request: HttpRequest | None = None) -> bool:
    """Line ``position`` of ``statement`` settles ``claim``: an accepted claim moves to
    "settled" (history, notification), one already marked settled by hand gets its statement.
    Audited either way. Returns False when that line was already linked (nothing to do)."""
    if (statement.customer_id, statement.insured_person_id) != (claim.customer_id,
                                                                claim.insured_person_id):
        raise NotTheClaimsStatement
    if claim.settlement_id is not None:
        if (claim.settlement_id, claim.settlement_line) == (statement.pk, position):
            return False
        linked = BenefitStatement.objects.select_related("document").get(pk=claim.settlement_id)
        raise AlreadySettled(reference=linked.document.reference or linked.document_id)
    reference = statement.document.reference
    with transaction.atomic():
        if claim.status != ClaimStatus.SETTLED:
            change_status(claim, ClaimStatus.SETTLED, actor=actor, request=request,
                          note=reference)
        claim.settlement, claim.settlement_line = statement, position
        claim.save(update_fields=["settlement", "settlement_line", "updated_at"])
        audit.record(events.CHANGED, request=request, actor=actor, customer=claim.customer,
                     user=None, claim=claim.pk, change="settled",
                     document=statement.document_id, reference=reference)
    return True
