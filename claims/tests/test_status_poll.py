"""The claim page follows the intake by itself: a status poll that never keeps a session
alive and never shows another household's claim."""

import time

import pytest
from django.urls import reverse

from claims.models import ClaimStatus
from claims.tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


def test_the_poll_answers_the_claims_status_while_it_is_read(customer_client, customer):
    claim = ClaimFactory(customer=customer, status=ClaimStatus.PROCESSING)
    state = customer_client.get(reverse("claims:status", args=[claim.pk])).json()
    assert state == {"status": "processing", "label": "En lecture", "reading": True}


def test_the_poll_says_when_reading_is_over(customer_client, customer):
    claim = ClaimFactory(customer=customer, status=ClaimStatus.TO_REVIEW)
    state = customer_client.get(reverse("claims:status", args=[claim.pk])).json()
    assert state["status"] == "to_review" and state["reading"] is False


def test_the_page_polls_only_while_the_claim_is_read(customer_client, customer):
    reading = ClaimFactory(customer=customer, status=ClaimStatus.RECEIVED)
    done = ClaimFactory(customer=customer, status=ClaimStatus.TO_REVIEW)
    reading_html = customer_client.get(reverse("claims:detail", args=[reading.pk])).text
    done_html = customer_client.get(reverse("claims:detail", args=[done.pk])).text
    assert reverse("claims:status", args=[reading.pk]) in reading_html
    assert "claim-status.js" in reading_html
    assert "claim-status.js" not in done_html
    assert "data-claim-status-url" not in done_html


def test_another_households_claim_status_answers_404(other_client, customer):
    claim = ClaimFactory(customer=customer)
    assert other_client.get(reverse("claims:status", args=[claim.pk])).status_code == 404


def test_polling_does_not_count_as_activity(customer_client, customer):
    claim = ClaimFactory(customer=customer, status=ClaimStatus.PROCESSING)
    session = customer_client.session
    idle_since = int(time.time()) - 10 * 60
    session["last_activity"] = idle_since
    session.save()
    customer_client.get(reverse("claims:status", args=[claim.pk]))
    assert customer_client.session["last_activity"] == idle_since
    customer_client.get(reverse("claims:detail", args=[claim.pk]))  # a person's request
    assert customer_client.session["last_activity"] > idle_since


def test_a_session_idle_too_long_ends_even_while_the_page_polls(customer_client, customer):
    claim = ClaimFactory(customer=customer, status=ClaimStatus.PROCESSING)
    session = customer_client.session
    session["last_activity"] = int(time.time()) - 16 * 60
    session.save()
    response = customer_client.get(reverse("claims:status", args=[claim.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]
