"""The claim journey in Chromium: a customer photographs a QR invoice on a phone, the advisor
reviews and accepts it in the admin, the customer sees the new status."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import Client
from playwright.sync_api import expect

from accounts import demo as accounts_demo
from accounts.models import User
from claims.models import Claim, ClaimStatus
from claims.tests.factories import QR_PHOTO, truth
from conftest import log_in_verified
from core.money import format_chf
from tests.e2e.conftest import SCREENSHOTS, screenshot
from tests.e2e.layout import no_horizontal_scroll

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHOTO = QR_PHOTO  # the intake corpus' phone photo of a QR invoice
AMOUNT = truth(PHOTO)["amount"]  # e.g. "718.83"
SHOWN = format_chf(Decimal(AMOUNT))  # e.g. "CHF 718.83"


@pytest.fixture
def eager_intake():
    """No worker in browser tests: the intake runs right after the upload commits."""
    from core.celery import app

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
    assert no_horizontal_scroll(phone)
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
    desktop.wait_for_url("**/admin/claims/claimtoreview/")  # the queue is empty now
    assert f"Demande #{claim.pk} acceptée" in desktop.content()

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
    assert no_horizontal_scroll(page)
    screenshot(page, f"claims-list-{viewport}")
    page.goto(f"{live_server.url}/claims/new/")
    screenshot(page, f"claims-upload-{viewport}")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_advisor_reads_the_intakes_warnings_in_german(request, live_server, reviewer,
                                                          viewport):
    """An invoice for Anna sent for Léo: the warning names both, in the advisor's language."""
    from datetime import date

    from accounts.tests.factories import InsuredPersonFactory
    from claims.notes import note
    from claims.tests.factories import ClaimFactory

    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    leo = claim.insured_person
    leo.first_name, leo.last_name, leo.birth_date = "Léo", "Muster", date(2012, 3, 9)
    leo.save()
    InsuredPersonFactory(customer=claim.customer, first_name="Anna", last_name="Muster",
                         birth_date=date(1981, 4, 17))
    claim.review_notes = [
        note("patient_mismatch", {"name": "Anna Muster", "birth": "1981-04-17",
                                  "insured": "Léo Muster"}),
        note("patient_in_household", {"name": "Anna Muster"}),
        note("field_missing", {"field": "provider_gln"}, file="rechnung.jpg"),
    ]
    claim.save()
    reviewer.language = "de"  # the admin speaks the advisor's own language
    reviewer.save(update_fields=["language"])
    page = request.getfixturevalue(viewport)
    sign_in(page, live_server, reviewer)
    page.goto(f"{live_server.url}/admin/claims/claimtoreview/{claim.pk}/change/")
    notes = page.locator(".claim-note")
    assert notes.count() == 3
    assert notes.nth(0).inner_text() == (
        "⚠ Die Rechnung lautet auf Anna Muster, geboren am 17.04.1981; die Rückforderung wurde "
        "für Léo Muster eingereicht.")
    assert not any("provider_gln" in text for text in notes.all_inner_texts())
    assert "GLN des Leistungserbringers" in notes.nth(2).inner_text()
    (SCREENSHOTS / "intake-notes").mkdir(parents=True, exist_ok=True)
    screenshot(page, f"intake-notes/review-notes-de-{viewport}")


def _invoice_for_anna(tmp_path):
    """A text PDF invoice naming Anna Muster, born 17.04.1981 (the demo household's holder)."""
    import random
    from datetime import date

    from claims.tests.corpus.generate import make_invoice, render_pdf

    rng = random.Random("anna")
    invoice = make_invoice(rng, has_qr=False)
    invoice.patient_name, invoice.patient_birth = "Anna Muster", date(1981, 4, 17)
    path = tmp_path / "facture-anna.pdf"
    path.write_bytes(render_pdf(invoice, rng))
    return path


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_an_invoice_for_anna_sent_for_leo_offers_to_choose_anna(request, live_server,
                                                               demo_customer, eager_intake,
                                                               tmp_path, viewport):
    page = request.getfixturevalue(viewport)
    sign_in(page, live_server, demo_customer)
    page.goto(f"{live_server.url}/claims/new/")
    page.get_by_label("Pour qui?").select_option(label="Léo Muster")
    page.set_input_files("#id_files", str(_invoice_for_anna(tmp_path)))
    hint = page.locator("[data-patient-hint]")
    hint.wait_for(state="visible", timeout=15_000)
    assert hint.inner_text().startswith(
        "Cette facture semble concerner Anna Muster — vous l’envoyez pour Léo Muster. "
        "Choisir Anna\u00a0?")
    assert no_horizontal_scroll(page)
    screenshot(page, f"claims-patient-hint-{viewport}")
    page.get_by_role("button", name="Choisir Anna").click()
    assert page.get_by_label("Pour qui?").evaluate("s => s.options[s.selectedIndex].text") == (
        "Anna Muster")
    expect(hint).to_be_hidden()
    assert "Anna Muster" in page.locator("[data-patient-hint-done]").inner_text()
    screenshot(page, f"claims-patient-hint-chosen-{viewport}")
    if viewport == "desktop":  # the hint never stands between the customer and sending
        page.get_by_label("Pour qui?").select_option(label="Léo Muster")
        hint.wait_for(state="visible")
        page.get_by_role("button", name="Envoyer", exact=True).click()
        page.wait_for_url(re.compile(r"/claims/\d+/$"), timeout=60_000)
        assert Claim.objects.get().insured_person.first_name == "Léo"
