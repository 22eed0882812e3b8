"""The customer's view of a claim's progress: each step with the date it was reached."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from claims.models import Claim, ClaimStatus

DECISION_PENDING = _("Décision")


@dataclass(frozen=True)
class Step:
    status: str
    label: str
    at: datetime | None
    current: bool

    @property
    def done(self) -> bool:
        return self.at is not None


def timeline_for(claim: Claim) -> list[Step]:
    """Uses ``claim.status_changes.all()`` (prefetch it for lists: no query per claim)."""
    reached: dict[str, datetime] = {}
    for change in claim.status_changes.all():
        reached[change.status] = change.at  # the latest time each status was reached
    decision = None
    if claim.status in (ClaimStatus.ACCEPTED, ClaimStatus.SETTLED):
        decision = ClaimStatus.ACCEPTED
    elif claim.status == ClaimStatus.REJECTED:
        decision = ClaimStatus.REJECTED
    order = [ClaimStatus.RECEIVED, ClaimStatus.PROCESSING, ClaimStatus.TO_REVIEW]
    steps = [Step(s.value, str(s.label), reached.get(s.value), claim.status == s) for s in order]
    if decision is None:
        steps.append(Step("decision", str(DECISION_PENDING), None, False))
    else:
        steps.append(Step(decision.value, str(decision.label), reached.get(decision.value),
                          claim.status == decision))
    if decision != ClaimStatus.REJECTED:
        steps.append(Step(ClaimStatus.SETTLED.value, str(ClaimStatus.SETTLED.label),
                          reached.get(ClaimStatus.SETTLED.value),
                          claim.status == ClaimStatus.SETTLED))
    return steps


def accepted_amount(claim: Claim) -> Decimal | None:
    """What the advisor accepted, from the latest acceptance in ``claim.status_changes.all()``
    (prefetched by the pages); None while no acceptance stands."""
    if claim.status not in (ClaimStatus.ACCEPTED, ClaimStatus.SETTLED):
        return None
    accepted = [change for change in claim.status_changes.all()
                if change.status == ClaimStatus.ACCEPTED]
    return accepted[-1].amount if accepted else None
