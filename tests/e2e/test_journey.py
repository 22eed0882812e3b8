"""A customer's whole day on a phone, in French and then in German (footer language form).

Demo data (each app's ``demo.seed``); the customer logs in through the real /login/ page with the
SMS code, the advisor answers in the admin after the staff login with their own SMS code.
Every step leaves a screenshot in var/screenshots/journey/ (kept by CI as an artefact).
"""

import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.demo import DEMO_ADVISOR_PASSWORD, DEMO_PASSWORD
from accounts.models import Correspondence, Customer
from core import sms
from core.money import format_chf
from documents.models import DocumentType
from tests.e2e.a11y import last_sms_code
from tests.e2e.conftest import CHROMIUM_ARGS, DESKTOP, PHONE, SCREENSHOTS  # noqa: F401
from tests.e2e.portal_login import open_account_menu, submit_credentials

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

JOURNEY = SCREENSHOTS / "journey"
CONTRACT = "KPT87654321"  # the demo household still on paper
NEW_MOBILE = "+41791234567"



class Steps:
    def __init__(self):
        self.n = 0
        self.ran = []
        JOURNEY.mkdir(parents=True, exist_ok=True)
        for old in JOURNEY.glob("*.png"):
            old.unlink()

    def shot(self, page, name: str) -> Path:
        self.n += 1
        path = JOURNEY / f"{self.n:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.ran.append(name)
        return path


def log_in(page, base, username, password, *, staff=False):
    page.goto(base + ("/staff/login/" if staff else "/login/"))
    submit_credentials(page, username, password)
    code = page.locator("input[autocomplete=one-time-code]")
    expect(code).to_be_visible()
    return code


@pytest.fixture
def household(seeded_demo):
    customer = Customer.objects.get(account__username=CONTRACT)
    assert customer.correspondence == Correspondence.POST  # so the day includes paperless
    return customer


@pytest.fixture
def eager_intake():
    """No worker in browser tests: the invoice intake runs as soon as the upload commits."""
    from core.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def test_a_customers_day_on_a_phone_in_french_then_german(browser, live_server, household,
                                                          eager_intake):
    base = live_server.url
    steps = Steps()
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="fr-CH", accept_downloads=True)
    page = context.new_page()

    # 1. Login with the SMS code, in French (the phone's language).
    code = log_in(page, base, CONTRACT, DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Code de sécurité")).to_be_visible()
    steps.shot(page, "login-sms-code-fr")
    assert sms.outbox[-1].to == "+41790000002"
    code.fill(last_sms_code())
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(base + "/")

    # 2. The dashboard.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bonjour")
    steps.shot(page, "dashboard-fr")

    # 3. Last year's benefit statement: filter by type and year, then download.
    last_year = date.today().year - 1
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Documents").click()
    expect(page.get_by_role("heading", name="Mes documents")).to_be_visible()
    page.get_by_text("Rechercher et filtrer").click()  # folded away on a phone
    page.get_by_label("Type", exact=True).select_option(DocumentType.BENEFIT_STATEMENT)
    page.get_by_label("Année").select_option(str(last_year))
    page.get_by_role("button", name="Afficher").click()
    expect(page).to_have_url(re.compile(rf"type={DocumentType.BENEFIT_STATEMENT}.*year={last_year}"))
    cards = page.locator(".doc-card")
    expect(cards.first).to_be_visible()
    assert "Décompte de prestations" in cards.first.inner_text()
    assert f".{last_year}" in cards.first.inner_text()
    steps.shot(page, "benefit-statements-last-year-fr")
    with page.expect_download() as download:
        cards.first.locator(".doc-card__download").click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    # 4. Photograph an invoice and see it read.
    upload_invoice(page, base, steps)
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Documents").click()

    # 5. Switch the portal to German from the account menu.
    open_account_menu(page)
    page.get_by_label("Langue").select_option("de")
    page.get_by_role("button", name="Changer").click()
    expect(page.get_by_role("heading", name="Meine Dokumente")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    first_card = page.locator(".doc-card").first.inner_text()
    assert any(kind in first_card for kind in
               ["Police", "Prämienrechnung", "Leistungsabrechnung", "Kostengutsprache"])
    assert "Herunterladen" in first_card
    steps.shot(page, "documents-de")

    # 6. Change the mobile number, confirmed with the code sent to the new number.
    open_account_menu(page)
    page.get_by_role("banner").get_by_role("link", name="Mein Profil").click()
    expect(page.get_by_role("heading", name="Mein Profil")).to_be_visible()
    page.get_by_role("link", name="Ändern · Mobiltelefon").click()
    mobile = page.get_by_role("region", name="Mobiltelefon")
    mobile.get_by_label("Neue Mobilnummer").fill("079 123 45 67")
    mobile.get_by_label("Ihr aktuelles Passwort").fill(DEMO_PASSWORD)
    mobile.get_by_role("button", name="Code senden").click()
    expect(page.get_by_role("heading", name="Neue Nummer bestätigen")).to_be_visible()
    assert sms.outbox[-1].to == NEW_MOBILE
    steps.shot(page, "mobile-code-de")
    page.locator("input[autocomplete=one-time-code], input[name=code]").first.fill(
        last_sms_code())
    page.get_by_role("button", name="Bestätigen").click()
    expect(page.get_by_text("Ihre neue Mobilnummer ist gespeichert")).to_be_visible()
    household.account.refresh_from_db()
    assert household.account.mobile_phone == NEW_MOBILE
    steps.shot(page, "mobile-changed-de")

    # 7. Paperless: the offer on /insurance/, the switch, the discount.
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Versicherungen").click()
    expect(page.get_by_role("heading", name="Meine Versicherungen")).to_be_visible()
    offer = page.get_by_text(re.compile(r"Sparen Sie CHF [\d']+\.\d\d pro Jahr"))
    expect(offer).to_be_visible()
    steps.shot(page, "insurance-paper-offer-de")
    page.get_by_role("link", name="Auf «nur online» umstellen").click()
    page.get_by_role("button", name="Ja, nur online").click()
    expect(page.get_by_text(re.compile("Erledigt: Sie erhalten"))).to_be_visible()
    # The discount itself, from next month: CHF 2.30 + 7.45 a month on the two eligible covers.
    expect(page.locator(".upcoming-discount")).to_contain_text("−CHF 9.75")
    household.refresh_from_db()
    assert household.correspondence == Correspondence.ONLINE
    steps.shot(page, "insurance-paperless-discount-de")

    # 8. Write to the advisor.
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Nachrichten").click()
    page.get_by_role("link", name="Neue Nachricht").first.click()
    page.get_by_label("Betreff").fill("Neue Brille")
    page.get_by_label("Ihre Nachricht").fill("Guten Tag, wird die neue Brille übernommen?")
    steps.shot(page, "message-new-de")
    page.get_by_role("button", name="Senden").click()
    page.wait_for_url(re.compile(r"/messages/\d+/$"))
    expect(page.get_by_text("Ihre Nachricht wurde an Ihre Kundenberatung")).to_be_visible()
    steps.shot(page, "message-sent-de")

    # 9. The advisor answers in the admin (their own browser, their own SMS code).
    advisor_context = browser.new_context(viewport=DESKTOP, locale="fr-CH")
    admin = advisor_context.new_page()
    code = log_in(admin, base, "advisor", DEMO_ADVISOR_PASSWORD, staff=True)
    assert sms.outbox[-1].to == "+41790000009"
    code.fill(last_sms_code())
    admin.locator("main form button[type=submit]").first.click()
    admin.wait_for_url(re.compile(r"/admin/$"))
    admin.goto(base + "/admin/messaging/thread/")
    admin.get_by_role("link", name="Neue Brille").click()
    expect(admin.get_by_text("wird die neue Brille übernommen?")).to_be_visible()
    admin.get_by_label("Votre réponse").fill(
        "Ja, bis CHF 150.– alle drei Jahre. Schicken Sie uns die Rechnung.")
    admin.locator("input[name=_save]").click()
    expect(admin.get_by_text("Réponse envoyée au client.")).to_be_visible()
    steps.shot(admin, "advisor-replied-admin")
    advisor_context.close()

    # 10. The customer reads the answer (told by SMS, without its content).
    assert sms.outbox[-1].to == NEW_MOBILE and "150" not in sms.outbox[-1].text
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name=re.compile("Nachrichten")).click()
    expect(page.locator(".main-nav .badge")).to_have_text("1")
    page.get_by_role("link", name=re.compile("Neue Brille")).click()
    expect(page.get_by_text("Ja, bis CHF 150.– alle drei Jahre.")).to_be_visible()
    steps.shot(page, "answer-read-de")

    # 11. The data export.
    download_export(page, base, steps)

    # 12. Logout.
    open_account_menu(page)
    page.get_by_role("button", name="Abmelden").click()
    page.wait_for_url(re.compile(r"/login/"))
    expect(page.get_by_role("heading", name="Anmeldung im Kundenportal")).to_be_visible()
    steps.shot(page, "logged-out-de")
    page.goto(base + "/documents/")
    assert "/login/" in page.url
    context.close()



def upload_invoice(page, base, steps):
    """Photograph a QR invoice (the intake corpus' phone photo), send it, see it read."""
    from claims.tests.factories import QR_PHOTO, truth

    shown = format_chf(Decimal(truth(QR_PHOTO)["amount"]))
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Remboursements").click()
    page.get_by_role("link", name="Envoyer une facture").first.click()
    expect(page.locator("input[capture=environment]")).to_have_count(1)  # the phone's camera
    page.get_by_label("Quittance de pharmacie").check()
    page.set_input_files("#id_pages", str(QR_PHOTO))
    page.locator(".upload-preview img").wait_for()
    steps.shot(page, "invoice-photo-preview-fr")
    page.get_by_role("button", name="Envoyer", exact=True).click()
    page.wait_for_url(re.compile(r"/claims/\d+/$"), timeout=60_000)
    expect(page.get_by_text(re.compile("bien été reçu"))).to_be_visible()
    expect(page.get_by_text(shown).first).to_be_visible()  # the amount, read from the photo
    steps.shot(page, "invoice-read-fr")


def download_export(page, base, steps):
    """From the profile: request the export (built by a task, eager here), download the ZIP."""
    open_account_menu(page)
    page.get_by_role("banner").get_by_role("link", name="Mein Profil").click()
    page.get_by_role("link", name="Meine Daten exportieren").click()
    expect(page.get_by_role("heading", name="Meine Daten exportieren")).to_be_visible()
    page.get_by_role("button", name="Export anfordern").click()
    zip_link = page.get_by_role("link", name="ZIP herunterladen")
    refresh = page.get_by_role("link", name="Aktualisieren")
    # Wait for the answer page (ready or still being prepared) before looking at which.
    expect(zip_link.or_(refresh).first).to_be_visible()
    if not zip_link.count():  # still being prepared: the page offers to refresh
        refresh.first.click()
    expect(zip_link.first).to_be_visible()
    steps.shot(page, "data-export-ready-de")
    with page.expect_download() as download:
        zip_link.first.click()
    with zipfile.ZipFile(download.value.path()) as archive:
        names = archive.namelist()
    assert any(name.endswith(".json") for name in names), names
