from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Correspondence, CorrespondenceChange
from accounts.profile import set_correspondence
from audit.models import AuditEvent
from policies import discounts
from policies.tests.factories import BasicProductFactory, CoverageFactory, ProductFactory

OVERVIEW = reverse("policies:overview")
SWITCH = reverse("policies:go_paperless")
CERTIFICATE = reverse("policies:legal_protection_certificate")
LONG_AGO = datetime(2024, 1, 1, tzinfo=ZoneInfo("Europe/Zurich"))


@pytest.fixture
def insured(customer):
    customer.portal_registered_at = LONG_AGO
    customer.save()
    holder, kid = customer.insured_persons.order_by("-is_policy_holder")
    CoverageFactory(insured_person=holder, product=BasicProductFactory(name_fr="Base LAMal"),
                    monthly_premium=Decimal("400.00"), franchise=1500)
    CoverageFactory(insured_person=holder, product=ProductFactory(name_fr="Dentaire"),
                    monthly_premium=Decimal("38.60"))
    CoverageFactory(insured_person=kid, product=ProductFactory(
        name_fr="Hospitalisation flex", online_discount_eligible=False),
        monthly_premium=Decimal("24.50"))
    return customer


def test_overview_needs_a_verified_customer(client, db):
    assert client.get(OVERVIEW).status_code == 302


def test_advisors_have_no_insurance_overview(advisor_client):
    assert advisor_client.get(OVERVIEW).status_code == 403


def test_overview_lists_each_persons_coverages_and_totals(customer_client, insured):
    html = customer_client.get(OVERVIEW).content.decode()
    for person in insured.insured_persons.all():
        assert str(person) in html
    assert "Base LAMal" in html and "Dentaire" in html and "Hospitalisation flex" in html
    assert "Franchise CHF 1500" in html
    assert "CHF 463.10" in html  # monthly total on paper
    assert "CHF 5&#x27;557.20" in html or "CHF 5'557.20" in html  # yearly total


def test_other_household_sees_none_of_these_coverages(other_client, insured):
    html = other_client.get(OVERVIEW).content.decode()
    assert "Dentaire" not in html
    assert str(insured.policy_holder) not in html


def test_paper_customer_sees_the_yearly_saving_and_the_switch(customer_client, insured):
    html = customer_client.get(OVERVIEW).content.decode()
    assert "CHF 23.40" in html  # 1.95 × 12
    assert SWITCH in html


def test_paperless_customer_sees_the_discount_as_its_own_line(customer_client, insured):
    set_correspondence(insured, Correspondence.ONLINE, now=LONG_AGO)
    html = customer_client.get(OVERVIEW).content.decode()
    assert "Rabais online 5%" in html
    assert "−CHF 1.95" in html
    assert SWITCH not in html


def test_overview_query_count_does_not_grow_with_coverages(customer_client, insured):
    customer_client.get(OVERVIEW)  # the first request also records the session
    with CaptureQueriesContext(connection) as few:
        customer_client.get(OVERVIEW)
    for _ in range(6):
        CoverageFactory(insured_person=insured.policy_holder)
    with CaptureQueriesContext(connection) as many:
        customer_client.get(OVERVIEW)
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)
    assert len(many) <= 12, "\n".join(q["sql"] for q in many.captured_queries)


def test_switch_asks_for_confirmation_first(customer_client, insured):
    response = customer_client.get(SWITCH)
    assert response.status_code == 200
    assert 'name="confirm"' in response.content.decode()
    insured.refresh_from_db()
    assert insured.correspondence == Correspondence.POST


def test_confirmed_switch_records_the_history_and_shows_the_discount_from_next_month(
        customer_client, insured):
    response = customer_client.post(SWITCH, {"confirm": "yes"}, follow=True)
    insured.refresh_from_db()
    assert insured.correspondence == Correspondence.ONLINE
    assert CorrespondenceChange.objects.filter(customer=insured, preference="online").exists()
    first = discounts.next_month(discounts.current_month())
    assert f"{first:%d.%m.%Y}" in response.content.decode()
    assert discounts.monthly_premiums(insured, first).online_discount
    assert "−CHF 1.95" in response.content.decode()  # next month's discount, shown already
    assert not discounts.monthly_premiums(insured).online_discount
    assert AuditEvent.objects.filter(kind="accounts.profile_changed", customer=insured).exists()


def test_switch_without_confirmation_changes_nothing(customer_client, insured):
    customer_client.post(SWITCH, {})
    insured.refresh_from_db()
    assert insured.correspondence == Correspondence.POST


def test_certificate_is_a_pdf_and_its_download_is_audited(customer_client, insured):
    response = customer_client.get(CERTIFICATE)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(kind="policies.certificate_downloaded", customer=insured)
    assert event.detail["certificate"]


def test_certificate_needs_portal_registration(customer_client, customer):
    assert customer_client.get(CERTIFICATE).status_code == 404


def test_overview_shows_the_legal_protection_conditions(customer_client, insured):
    html = customer_client.get(OVERVIEW).content.decode()
    assert "Protection juridique internet" in html
    assert CERTIFICATE in html
