"""The claim journey in Chromium: a customer photographs a QR invoice on a phone, the advisor
reviews and accepts it in the admin, the customer sees the new status."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import Client

from accounts import demo as accounts_demo
from accounts.models import User
from claims.models import Claim, ClaimStatus
from claims.tests.factories import QR_PHOTO, truth
from conftest import log_in_verified
from kptportal.money import format_chf
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHOTO = QR_PHOTO  # the intake corpus' phone photo of a QR invoice
AMOUNT = truth(PHOTO)["amount"]  # e.g. "718.83"
SHOWN = format_chf(Decimal(AMOUNT))  # e.g. "CHF 718.83"


@pytest.fixture
def eager_intake():
    """No worker in browser tests: the intake runs right after the upload commits."""
    from kptportal.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def sign_in(page, live_server, user):
    client = log_in_verified(Client(), user)
    page.context.add_cookies([{
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])


@pytest.fixture
def demo_customer(db):
    accounts_demo.seed()
    return User.objects.get(username="KPT12345678")


@pytest.fixture
def reviewer(db):
    user = User.objects.create_user("reviewer", password="Review-2026-x", is_staff=True,
                                    mobile_phone="+41790000008")
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="claims",
        codename__in=["view_claim", "change_claim", "view_extractedfield",
                      "change_extractedfield", "add_extractedfield", "view_statuschange"]))
    return user


def test_customer_sends_a_photographed_qr_invoice_and_the_advisor_accepts_it(
        phone, desktop, live_server, demo_customer, reviewer, eager_intake):
    sign_in(phone, live_server, demo_customer)
    phone.goto(f"{live_server.url}/claims/new/")
    assert phone.locator("input[capture=environment]").count() == 1
    phone.get_by_label("Quittance de pharmacie").check()
    phone.set_input_files("#id_pages", str(PHOTO))
    preview = phone.locator(".upload-preview img")
    preview.wait_for()
    assert preview.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "claims-upload-preview-phone")
    phone.get_by_role("button", name="Envoyer", exact=True).click()
    phone.wait_for_url(re.compile(r"/claims/\d+/$"), timeout=60_000)
    assert "bien été reçu" in phone.content()
    assert SHOWN in phone.content()
    screenshot(phone, "claims-detail-phone")

    phone.goto(f"{live_server.url}/claims/")
    card = phone.locator(".claim-card").first
    assert SHOWN in card.inner_text()
    assert "En vérification" in card.inner_text()
    screenshot(phone, "claims-list-to-review-phone")

    claim = Claim.objects.get(customer__account=demo_customer)
    assert claim.status == ClaimStatus.TO_REVIEW

    sign_in(desktop, live_server, reviewer)
    desktop.goto(f"{live_server.url}/admin/claims/claimtoreview/")
    assert desktop.get_by_text(SHOWN).count() == 1
    screenshot(desktop, "claims-admin-queue-desktop")
    desktop.goto(f"{live_server.url}/admin/claims/claimtoreview/{claim.pk}/change/")
    amount_row = desktop.locator("select[name$='-name'] option[selected][value=amount]")
    assert amount_row.count() == 1
    values = desktop.locator("input[name$='-value']").evaluate_all("els => els.map(e => e.value)")
    assert AMOUNT in values
    image = desktop.locator(".claim-review__page img").first
    image.wait_for()
    assert image.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    screenshot(desktop, "claims-admin-review-desktop")
    desktop.locator("input[name=_accept]").click()
    desktop.wait_for_url("**/admin/claims/claimtoreview/")
    assert "Demande acceptée" in desktop.content()

    phone.goto(f"{live_server.url}/claims/")
    card = phone.locator(".claim-card").first
    assert "Acceptée" in card.locator(".claim-status").inner_text()
    screenshot(phone, "claims-list-accepted-phone")


def test_a_refused_file_is_named_and_the_other_pages_stay_selected(phone, live_server,
                                                                  demo_customer, tmp_path):
    empty = tmp_path / "vide.pdf"
    empty.write_bytes(b"")
    sign_in(phone, live_server, demo_customer)
    phone.goto(f"{live_server.url}/claims/new/")
    phone.set_input_files("#id_files", [str(PHOTO), str(empty)])
    assert phone.locator(".upload-preview").count() == 2
    phone.get_by_role("button", name="Envoyer", exact=True).click()
    error = phone.locator(".upload-errors .field__error")
    error.first.wait_for()
    assert "« vide.pdf »" in error.first.inner_text()
    assert phone.locator(".upload-preview").count() == 2  # nothing to choose again
    assert phone.locator(".upload-preview--invalid").count() == 1
    assert Claim.objects.count() == 0
    screenshot(phone, "claims-upload-refused-phone")


@pytest.mark.parametrize("viewport", ["desktop"])
def test_claims_list_on_desktop(request, live_server, demo_customer, viewport):
    from claims import demo

    demo.seed()
    page = request.getfixturevalue(viewport)
    sign_in(page, live_server, demo_customer)
    page.goto(f"{live_server.url}/claims/")
    assert page.locator(".claim-card").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"claims-list-{viewport}")
    page.goto(f"{live_server.url}/claims/new/")
    screenshot(page, f"claims-upload-{viewport}")
