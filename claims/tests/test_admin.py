from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import SecurityEvent
from accounts.tests.factories import AdvisorFactory
from claims.models import ClaimStatus, ExtractedField, FieldSource
from claims.tests.factories import ClaimFactory, ExtractedFieldFactory
from conftest import log_in_verified

QUEUE = reverse("admin:claims_claimtoreview_changelist")


@pytest.fixture
def reviewer(db):
    user = AdvisorFactory()
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="claims", codename__in=["view_claim", "change_claim",
                                                        "view_extractedfield",
                                                        "change_extractedfield",
                                                        "add_extractedfield"]))
    return user


@pytest.fixture
def reviewer_client(client, reviewer):
    return log_in_verified(client, reviewer)


def change_url(claim):
    return reverse("admin:claims_claimtoreview_change", args=[claim.pk])


def post_data(claim, **extra):
    """The change form as the browser sends it (fields inline + status history inline)."""
    fields = list(claim.fields.order_by("id"))
    data = {
        "decision_reason": "",
        "fields-TOTAL_FORMS": str(len(fields)), "fields-INITIAL_FORMS": str(len(fields)),
        "fields-MIN_NUM_FORMS": "0", "fields-MAX_NUM_FORMS": "1000",
        "status_changes-TOTAL_FORMS": "0", "status_changes-INITIAL_FORMS": "0",
        "status_changes-MIN_NUM_FORMS": "0", "status_changes-MAX_NUM_FORMS": "1000",
    }
    for index, field in enumerate(fields):
        data.update({f"fields-{index}-id": str(field.pk), f"fields-{index}-claim": str(claim.pk),
                     f"fields-{index}-name": field.name, f"fields-{index}-value": field.value})
    data.update(extra)
    return data


def test_queue_lists_claims_to_review_oldest_first_with_age_and_duplicate_warning(
        reviewer_client):
    now = timezone.now()
    newer = ClaimFactory(status=ClaimStatus.TO_REVIEW, created_at=now - timedelta(hours=2),
                         status_changed_at=now - timedelta(hours=1))
    older = ClaimFactory(status=ClaimStatus.TO_REVIEW, created_at=now - timedelta(days=4),
                         status_changed_at=now - timedelta(days=3), is_duplicate=True,
                         duplicate_of=newer)
    ClaimFactory(status=ClaimStatus.RECEIVED)
    ClaimFactory(status=ClaimStatus.ACCEPTED)
    response = reviewer_client.get(QUEUE)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [older, newer]
    html = response.content.decode()
    assert "sla--late" in html and "3 jours" in html
    assert "doublon probable" in html


def test_queue_query_count_does_not_grow_with_rows(reviewer_client):
    ClaimFactory(status=ClaimStatus.TO_REVIEW)
    reviewer_client.get(QUEUE)
    with CaptureQueriesContext(connection) as few:
        reviewer_client.get(QUEUE)
    for _ in range(6):
        ClaimFactory(status=ClaimStatus.TO_REVIEW)
    with CaptureQueriesContext(connection) as many:
        reviewer_client.get(QUEUE)
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


def test_change_page_shows_page_images_beside_fields_with_low_confidence_flagged(
        reviewer_client):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    ExtractedFieldFactory(claim=claim, name="amount", value="183.45", confidence=0.99)
    ExtractedFieldFactory(claim=claim, name="invoice_number", value="F-42", confidence=0.3)
    html = reviewer_client.get(change_url(claim)).content.decode()
    page_url = reverse("admin:claims_claimtoreview_page", args=[claim.pk, claim.pages.get().pk])
    assert page_url in html
    assert "claim-review__pages" in html
    assert html.count("confidence--low") == 1 and "confidence--high" in html
    assert 'name="_accept"' in html and 'name="_reject"' in html


def test_staff_page_image_is_audited_with_the_advisor(reviewer_client, reviewer):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    page = claim.pages.get()
    response = reviewer_client.get(reverse("admin:claims_claim_page", args=[claim.pk, page.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert SecurityEvent.objects.filter(kind="document_viewed", actor=reviewer,
                                        customer=claim.customer).exists()


def test_customers_cannot_reach_the_staff_page_image(customer_client, customer):
    claim = ClaimFactory(customer=customer)
    url = reverse("admin:claims_claim_page", args=[claim.pk, claim.pages.get().pk])
    response = customer_client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_accepting_records_history_audit_and_notifies(reviewer_client, reviewer):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    with mock.patch("claims.services.notify_new_activity") as notify:
        response = reviewer_client.post(change_url(claim), post_data(claim, _accept="1"))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCEPTED and claim.reviewed_by == reviewer
    assert claim.status_changes.order_by("-at", "-id").first().actor == reviewer
    assert SecurityEvent.objects.filter(kind="claim_changed", actor=reviewer,
                                        detail__status="accepted").exists()
    notify.assert_called_once_with(claim.customer, reason="claim")


def test_rejecting_needs_a_reason_and_keeps_the_claim_to_review(reviewer_client):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    response = reviewer_client.post(change_url(claim), post_data(claim, _reject="1"))
    assert response.status_code == 200
    assert "Indiquez le motif du refus" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.TO_REVIEW


def test_rejecting_with_a_reason_shows_it_to_the_customer(reviewer_client):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    reviewer_client.post(change_url(claim), post_data(
        claim, _reject="1", decision_reason="Ce n'est pas une facture médicale."))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED
    assert claim.rejection_reason == "Ce n'est pas une facture médicale."


def test_editing_a_field_marks_it_checked_by_the_advisor_and_audits(reviewer_client, reviewer):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW, amount=Decimal("18.00"))
    ExtractedFieldFactory(claim=claim, name="amount", value="18.00", confidence=0.4)
    data = post_data(claim, _continue="1")
    data["fields-0-value"] = "183.45"
    response = reviewer_client.post(change_url(claim), data)
    assert response.status_code == 302
    field = ExtractedField.objects.get(claim=claim, name="amount")
    assert (field.value, field.source, field.edited_by) == ("183.45", FieldSource.ADVISOR,
                                                           reviewer)
    claim.refresh_from_db()
    assert claim.amount == Decimal("183.45") and claim.status == ClaimStatus.TO_REVIEW
    assert SecurityEvent.objects.filter(kind="claim_changed", actor=reviewer,
                                        detail__field="amount").exists()


def test_an_invalid_amount_is_refused_with_a_message(reviewer_client):
    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    ExtractedFieldFactory(claim=claim, name="amount", value="18.00")
    data = post_data(claim, _continue="1")
    data["fields-0-value"] = "dix-huit"
    response = reviewer_client.post(change_url(claim), data)
    assert response.status_code == 200
    assert "Montant invalide" in response.content.decode()


def test_bulk_accept_action_accepts_only_claims_to_review(reviewer_client):
    to_review = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    received = ClaimFactory(status=ClaimStatus.RECEIVED)
    reviewer_client.post(reverse("admin:claims_claim_changelist"), {
        "action": "accept_selected", "_selected_action": [to_review.pk, received.pk]})
    to_review.refresh_from_db()
    received.refresh_from_db()
    assert (to_review.status, received.status) == (ClaimStatus.ACCEPTED, ClaimStatus.RECEIVED)


def test_staff_without_claim_permissions_cannot_open_the_queue(advisor_client):
    assert advisor_client.get(QUEUE).status_code == 403


def test_settle_action_moves_accepted_claims_only_and_notifies(reviewer_client):
    accepted = ClaimFactory(status=ClaimStatus.ACCEPTED)
    to_review = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    with mock.patch("claims.services.notify_new_activity") as notify:
        reviewer_client.post(reverse("admin:claims_claim_changelist"), {
            "action": "settle_selected", "_selected_action": [accepted.pk, to_review.pk]})
    accepted.refresh_from_db()
    to_review.refresh_from_db()
    assert (accepted.status, to_review.status) == (ClaimStatus.SETTLED, ClaimStatus.TO_REVIEW)
    notify.assert_called_once_with(accepted.customer, reason="claim")
