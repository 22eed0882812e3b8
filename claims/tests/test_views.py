from datetime import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from claims import lifecycle
from claims.models import ClaimStatus
from claims.tests.factories import ClaimFactory

LIST = reverse("claims:list")


def test_list_shows_the_households_claims_newest_first_with_amount_and_provider(
        customer_client, customer, other_customer):
    older = ClaimFactory(customer=customer, created_at=timezone.now() - timezone.timedelta(2))
    newer = ClaimFactory(customer=customer, status=ClaimStatus.TO_REVIEW,
                         amount=Decimal("1234.50"), provider_name="Cabinet Exemple")
    ClaimFactory(customer=other_customer, provider_name="Secret Clinic")
    response = customer_client.get(LIST)
    html = response.content.decode()
    assert [row["claim"] for row in response.context["rows"]] == [newer, older]
    assert "CHF 1&#x27;234.50" in html or "CHF 1'234.50" in html
    assert "Cabinet Exemple" in html
    assert "Secret Clinic" not in html


def test_list_timeline_shows_each_step_with_its_date(customer_client, customer, advisor):
    claim = ClaimFactory(customer=customer, status=ClaimStatus.TO_REVIEW)
    claim.status_changes.update(at=timezone.make_aware(datetime(2026, 3, 14, 10)))
    lifecycle.reject(claim, advisor=advisor, reason="Facture d'un autre assureur")
    html = customer_client.get(LIST).content.decode()
    assert "14.03.2026" in html
    assert "Refusée" in html
    assert "Facture d&#x27;un autre assureur" in html


def test_list_is_paginated(customer_client, customer):
    for _ in range(12):
        ClaimFactory(customer=customer, page=False)
    first = customer_client.get(LIST)
    second = customer_client.get(LIST, {"page": 2})
    assert len(first.context["rows"]) == 10
    assert len(second.context["rows"]) == 2


def test_list_query_count_does_not_grow_with_claims(customer_client, customer):
    ClaimFactory(customer=customer)
    customer_client.get(LIST)  # warm up the session and caches
    with CaptureQueriesContext(connection) as few:
        customer_client.get(LIST)
    for _ in range(8):
        ClaimFactory(customer=customer, status=ClaimStatus.TO_REVIEW)
    with CaptureQueriesContext(connection) as many:
        customer_client.get(LIST)
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)
    assert len(many) <= 12, "\n".join(q["sql"] for q in many.captured_queries)


def test_detail_shows_thumbnails_of_each_page(customer_client, customer):
    claim = ClaimFactory(customer=customer)
    response = customer_client.get(reverse("claims:detail", args=[claim.pk]))
    page = claim.pages.get()
    assert response.status_code == 200
    assert reverse("claims:page", args=[claim.pk, page.pk]) in response.content.decode()


def test_page_image_is_served_to_the_household_and_audited(customer_client, customer):
    claim = ClaimFactory(customer=customer)
    page = claim.pages.get()
    response = customer_client.get(reverse("claims:page", args=[claim.pk, page.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(kind="claims.page_viewed", customer=customer,
                                        detail__claim_page=page.pk).exists()


def test_a_pdf_page_is_rendered_as_an_image(customer_client, customer):
    from claims.tests.factories import QR_TEXT_PDF, ClaimPageFactory

    claim = ClaimFactory(customer=customer, page=False)
    page = ClaimPageFactory(claim=claim, data=QR_TEXT_PDF.read_bytes(),
                            content_type="application/pdf")
    response = customer_client.get(reverse("claims:page", args=[claim.pk, page.pk]))
    assert response.content[:3] == b"\xff\xd8\xff"


@pytest.mark.parametrize("name", ["claims:detail", "claims:page"])
def test_another_households_claim_answers_404(other_client, customer, name):
    claim = ClaimFactory(customer=customer)
    args = [claim.pk] if name == "claims:detail" else [claim.pk, claim.pages.get().pk]
    assert other_client.get(reverse(name, args=args)).status_code == 404


def test_a_page_under_the_wrong_claim_answers_404(customer_client, customer):
    mine = ClaimFactory(customer=customer)
    other = ClaimFactory(customer=customer)
    url = reverse("claims:page", args=[mine.pk, other.pages.get().pk])
    assert customer_client.get(url).status_code == 404


def test_pages_need_a_logged_in_customer(client, advisor_client):
    assert client.get(LIST).status_code == 302
    assert advisor_client.get(LIST).status_code == 403


def test_claims_appear_in_the_navigation(customer_client):
    html = customer_client.get(reverse("dashboard")).content.decode()
    assert f'href="{LIST}"' in html


def test_each_sheet_of_a_multipage_pdf_gets_its_own_preview(customer_client, customer):
    from claims.tests.factories import ClaimPageFactory
    from core.tests.samples import pdf_bytes

    claim = ClaimFactory(customer=customer, page=False)
    page = ClaimPageFactory(claim=claim, data=pdf_bytes(3), content_type="application/pdf",
                            page_count=3)
    html = customer_client.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    url = reverse("claims:page", args=[claim.pk, page.pk])
    assert all(f"{url}?sheet={n}" in html for n in range(3))
    first = customer_client.get(url, {"sheet": 0}).content
    third = customer_client.get(url, {"sheet": 2}).content
    beyond = customer_client.get(url, {"sheet": 99}).content
    assert first != third and third == beyond


def test_detail_query_count_does_not_grow_with_pages(customer_client, customer):
    from claims.tests.factories import ClaimPageFactory

    claim = ClaimFactory(customer=customer)
    url = reverse("claims:detail", args=[claim.pk])
    customer_client.get(url)
    with CaptureQueriesContext(connection) as few:
        customer_client.get(url)
    for order in range(1, 5):
        ClaimPageFactory(claim=claim, order=order)
    with CaptureQueriesContext(connection) as many:
        customer_client.get(url)
    assert len(many) == len(few) <= 12, "\n".join(q["sql"] for q in many.captured_queries)


def test_an_accepted_claim_shows_the_billed_and_the_accepted_amount(customer_client, customer,
                                                                    advisor):
    claim = ClaimFactory(customer=customer, status=ClaimStatus.TO_REVIEW,
                         amount=Decimal("183.45"))
    before = customer_client.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert "Montant accepté" not in before
    lifecycle.accept(claim, advisor=advisor, amount=Decimal("150.00"))
    html = customer_client.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert "Montant facturé" in html and "CHF 183.45" in html
    assert "Montant accepté" in html and "CHF 150.00" in html
