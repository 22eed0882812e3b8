import json
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts import demo as accounts_demo
from accounts.models import User
from policies import demo as policies_demo
from policies import discounts
from tests.e2e.conftest import screenshot
from tests.e2e.layout import no_horizontal_scroll
from tests.e2e.portal_login import log_in_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_data():
    accounts_demo.seed()
    policies_demo.seed()


def test_paper_customer_switches_to_paperless_and_sees_the_discount_from_next_month(
        phone, live_server, demo_data):
    page = log_in_page(phone, live_server, User.objects.get(username="KPT87654321"))
    page.goto(f"{live_server.url}/insurance/")
    assert page.locator("h1").inner_text() == "Mes assurances"
    offer = page.locator(".paperless-offer")
    assert "CHF 117.00" in offer.inner_text()  # (2.30 + 7.45) × 12
    assert no_horizontal_scroll(page)
    screenshot(page, "insurance-paper-phone")

    offer.get_by_role("link", name="Passer au tout en ligne").click()
    page.get_by_role("button", name="Oui, uniquement en ligne").click()
    page.wait_for_url(f"{live_server.url}/insurance/")
    first = discounts.next_month(discounts.current_month()).strftime("%d.%m.%Y")
    assert f"dès le {first}" in page.locator(".flash-list").inner_text()
    assert page.locator(".paperless-offer").count() == 0
    upcoming = page.locator(".upcoming-discount").inner_text()
    assert f"dès le {first}" in upcoming
    assert "−CHF 9.75" in upcoming and "CHF 635.30" in upcoming
    screenshot(page, "insurance-after-switch-phone")

    out = StringIO()
    month = discounts.next_month(discounts.current_month()).strftime("%Y-%m")
    call_command("premium_preview", "KPT87654321", "--json", "--month", month, stdout=out)
    assert json.loads(out.getvalue())["online_discount"] is True


def test_paperless_household_sees_discount_lines_and_gets_its_certificate(
        desktop, live_server, demo_data):
    page = log_in_page(desktop, live_server, User.objects.get(username="KPT12345678"))
    page.goto(f"{live_server.url}/insurance/")
    assert page.locator(".premium-table__discount").count() == 5
    assert "Léo Muster" in page.content()
    page.locator(".legal-protection__conditions summary").click()
    screenshot(page, "insurance-paperless-desktop")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger l'attestation (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")


def test_insurance_overview_on_desktop_for_paper_customer(desktop, live_server, demo_data):
    page = log_in_page(desktop, live_server, User.objects.get(username="KPT87654321"))
    page.goto(f"{live_server.url}/insurance/")
    screenshot(page, "insurance-paper-desktop")
    expect(page.locator(".paperless-offer")).to_be_visible()
