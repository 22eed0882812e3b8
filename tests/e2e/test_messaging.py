"""Customer ↔ advisor in Chromium: a message with a PDF, the advisor's reply in the admin,
the unread badge, the notification SMS; and the public login-help form."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import AdvisorFactory, CustomerFactory
from core import sms
from core.tests.samples import pdf_bytes
from messaging.models import LoginHelpRequest, Thread
from tests.e2e.conftest import screenshot
from tests.e2e.layout import no_horizontal_scroll
from tests.e2e.portal_login import log_in_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def household():
    advisor = AdvisorFactory(first_name="Claire", last_name="Conseil")
    return CustomerFactory(advisor=advisor)


def test_customer_writes_with_a_pdf_and_reads_the_advisors_reply(
        live_server, phone, desktop, household, tmp_path):
    invoice = tmp_path / "facture-opticien.pdf"
    invoice.write_bytes(pdf_bytes(text="Optique Lac, CHF 320.00"))

    # The customer writes, on the phone.
    log_in_page(phone, live_server, household.account)
    phone.goto(f"{live_server.url}/messages/")
    screenshot(phone, "messaging-inbox-empty-phone")
    phone.get_by_role("link", name="Nouveau message").click()
    screenshot(phone, "messaging-new-phone")
    phone.get_by_label("Objet").fill("Lunettes de Léo")
    phone.get_by_label("Votre message").fill("Bonjour, sont-elles remboursées?")
    phone.get_by_label("Pièces jointes").set_input_files(str(invoice))
    phone.get_by_role("button", name="Envoyer").click()
    phone.wait_for_url(re.compile(r"/messages/\d+/$"))
    expect(phone.get_by_role("link", name="facture-opticien.pdf")).to_be_visible()
    thread = Thread.objects.get()

    # The advisor sees it first in the admin queue and replies.
    log_in_page(desktop, live_server, household.advisor)
    desktop.goto(f"{live_server.url}/admin/messaging/thread/")
    expect(desktop.get_by_role("link", name="Lunettes de Léo")).to_be_visible()
    screenshot(desktop, "messaging-admin-queue-desktop")
    desktop.get_by_role("link", name="Lunettes de Léo").click()
    expect(desktop.get_by_text("Bonjour, sont-elles remboursées?")).to_be_visible()
    with desktop.expect_download() as download:
        desktop.get_by_role("link", name="facture-opticien.pdf").click()
    assert download.value.suggested_filename == "facture-opticien.pdf"
    desktop.get_by_label("Votre réponse").fill("Oui, jusqu'à CHF 150.– tous les trois ans.")
    screenshot(desktop, "messaging-admin-reply-desktop")
    desktop.locator("input[name=_save]").click()
    expect(desktop.get_by_text("Réponse envoyée au client.")).to_be_visible()

    # The customer is told by SMS, without the content.
    (notification,) = sms.outbox
    assert notification.to == household.account.mobile_phone
    assert "150" not in notification.text

    # The unread badge, then the reply.
    phone.goto(f"{live_server.url}/messages/")
    expect(phone.locator(".main-nav .badge")).to_have_text("1")
    screenshot(phone, "messaging-inbox-phone")
    phone.get_by_role("link", name=re.compile("Lunettes de Léo")).click()
    expect(phone.get_by_text("Oui, jusqu'à CHF 150.– tous les trois ans.")).to_be_visible()
    screenshot(phone, "messaging-thread-phone")
    expect(phone.locator(".main-nav .badge")).to_have_count(0)
    assert no_horizontal_scroll(phone)

    log_in_page(desktop, live_server, household.account)
    desktop.goto(f"{live_server.url}/messages/")
    screenshot(desktop, "messaging-inbox-desktop")
    desktop.goto(f"{live_server.url}/messages/{thread.pk}/")
    screenshot(desktop, "messaging-thread-desktop")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_someone_who_cannot_log_in_asks_for_help(request, live_server, viewport):
    page = request.getfixturevalue(viewport)
    page.goto(f"{live_server.url}/login-help/")
    screenshot(page, f"messaging-login-help-{viewport}")
    honeypot = page.locator("input[name=website]")  # off-screen for people, bots fill it
    assert honeypot.evaluate("el => el.getBoundingClientRect().right <= 0")
    page.get_by_label("Nom et prénom").fill("Anna Muster")
    page.get_by_label("Numéro de contrat ou de client").fill("KPT12345678")
    page.get_by_label("Date de naissance").fill("17.04.1981")
    page.get_by_label("Téléphone où vous joindre").fill("079 123 45 67")
    page.get_by_label("Que s'est-il passé?").fill("Je n'ai plus accès à mon ancien numéro.")
    page.get_by_role("button", name="Envoyer la demande").click()
    reference = page.locator("[data-reference]").inner_text()
    assert re.fullmatch(r"LH-\d{4}-\d{6}", reference)
    assert LoginHelpRequest.objects.get().reference == reference
    screenshot(page, f"messaging-login-help-sent-{viewport}")

    advisor = AdvisorFactory()
    log_in_page(page, live_server, advisor)
    page.goto(f"{live_server.url}/admin/messaging/loginhelprequest/")
    expect(page.get_by_role("link", name=reference)).to_be_visible()
