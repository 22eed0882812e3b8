"""The claim lifecycle's refusals are domain errors that say why in the advisor's language."""

from decimal import Decimal

import pytest
from django.utils import translation

from accounts.tests.factories import AdvisorFactory
from claims import lifecycle
from claims.models import ClaimStatus
from claims.tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


def test_a_settled_claim_cannot_be_accepted_again_and_the_error_says_so():
    claim = ClaimFactory(status=ClaimStatus.SETTLED, page=False)
    with pytest.raises(lifecycle.TransitionNotAllowed) as caught:
        lifecycle.accept(claim, advisor=AdvisorFactory(), amount=Decimal("10.00"))
    assert "« Remboursée »" in caught.value.message
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SETTLED
    assert list(claim.status_changes.values_list("status", flat=True)) == [ClaimStatus.SETTLED]


def test_the_error_message_follows_the_active_language():
    claim = ClaimFactory(status=ClaimStatus.SETTLED, page=False)
    with pytest.raises(lifecycle.TransitionNotAllowed) as caught:
        lifecycle.accept(claim, advisor=AdvisorFactory(), amount=Decimal("10.00"))
    with translation.override("de"):
        german = caught.value.message
    with translation.override("fr"):
        french = caught.value.message
    assert german != french and "Laden Sie die Seite neu" in german


def test_a_refusal_without_a_reason_is_refused_and_changes_nothing():
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW, page=False)
    with pytest.raises(lifecycle.ReasonRequired):
        lifecycle.reject(claim, advisor=AdvisorFactory(), reason="   ")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.TO_REVIEW


def test_an_acceptance_keeps_its_amount_beside_the_invoices():
    from audit.models import AuditEvent

    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW, page=False, amount=Decimal("183.45"))
    advisor = AdvisorFactory()
    lifecycle.accept(claim, advisor=advisor, amount=Decimal("150"))
    claim.refresh_from_db()
    assert claim.amount == Decimal("183.45")  # what the invoice reads
    decision = claim.status_changes.get(status=ClaimStatus.ACCEPTED)
    assert (decision.amount, decision.actor) == (Decimal("150.00"), advisor)
    event = AuditEvent.objects.get(kind="claims.changed", detail__status="accepted")
    assert event.detail["accepted_amount"] == "150.00" and event.actor == advisor


def test_an_acceptance_needs_an_amount_of_zero_or_more():
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW, page=False)
    with pytest.raises(lifecycle.AmountRequired):
        lifecycle.accept(claim, advisor=AdvisorFactory(), amount=Decimal("-1"))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.TO_REVIEW
