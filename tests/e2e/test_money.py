"""Money pages in Chromium: the dashboard's premium card, a premium invoice with its QR-bill.

Screenshots on phone (390×844) and desktop (1280×860) go to var/screenshots/money/.
"""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from documents.models import PremiumInvoice
from policies import discounts
from tests.e2e.conftest import SCREENSHOTS, screenshot
from tests.e2e.portal_login import log_in_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pages(seeded_demo, live_server, phone, desktop):
    (SCREENSHOTS / "money").mkdir(parents=True, exist_ok=True)
    for page in (phone, desktop):
        log_in_page(page, live_server, User.objects.get(username="KPT12345678"))
    return {"phone": phone, "desktop": desktop}


def test_dashboard_shows_the_next_premium_and_the_paid_ones(pages, live_server):
    invoice = PremiumInvoice.objects.get(customer__customer_number="100200300",
                                         period=discounts.current_month())
    for size, page in pages.items():
        page.goto(f"{live_server.url}/")
        card = page.locator("section[aria-labelledby=dash-premium]")
        assert "À payer" in card.locator(".dash-next-premium").inner_text()
        assert invoice.due_date.strftime("%d.%m.%Y") in card.inner_text()
        assert card.locator(".premium-status--paid").count() >= 2
        screenshot(page, f"money/dashboard-{size}")
    page = pages["phone"]
    page.locator(".dash-next-premium a").click()
    assert page.url.endswith(f"/documents/{invoice.document_id}/")


def test_an_open_invoice_shows_its_figures_and_gives_its_qr_bill(pages, live_server):
    invoice = PremiumInvoice.objects.get(customer__customer_number="100200300",
                                         period=discounts.current_month())
    for size, page in pages.items():
        page.goto(f"{live_server.url}/documents/{invoice.document_id}/")
        section = page.locator("section.premium-invoice")
        expect(section.locator(".premium-status--open")).to_be_visible()
        assert "Léo Muster" in section.inner_text()
        screenshot(page, f"money/invoice-open-{size}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"{size}: scrolls sideways ({width}px)"
    page = pages["desktop"]
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le bulletin QR").click()
    path = download.value.path()
    with open(path, "rb") as handle:
        assert handle.read(4) == b"%PDF"


def test_a_paid_invoice_says_when(pages, live_server):
    paid = (PremiumInvoice.objects.filter(customer__customer_number="100200300",
                                          paid_on__isnull=False).order_by("-period").first())
    for size, page in pages.items():
        page.goto(f"{live_server.url}/documents/{paid.document_id}/")
        assert f"Payée le {paid.paid_on:%d.%m.%Y}" in page.locator(".premium-invoice").inner_text()
        assert page.get_by_role("link", name="Télécharger le bulletin QR").count() == 0
        screenshot(page, f"money/invoice-paid-{size}")


def test_the_year_so_far_and_a_benefit_statement(pages, live_server):
    from documents.models import BenefitStatement

    for size, page in pages.items():
        page.goto(f"{live_server.url}/insurance/")
        section = page.locator("section.year-so-far")
        assert section.locator("progress").count() >= 2
        assert "Léo Muster" in section.inner_text()
        section.scroll_into_view_if_needed()
        screenshot(page, f"money/insurance-{size}")
        page.goto(f"{live_server.url}/")
        assert page.locator("section.year-so-far progress").count() >= 2
    statement = (BenefitStatement.objects.filter(customer__customer_number="100200300",
                                                 paid_on__isnull=False)
                 .order_by("-document__issue_date").first())
    for size, page in pages.items():
        page.goto(f"{live_server.url}/documents/{statement.document_id}/")
        text = page.locator("section.benefit-statement").inner_text()
        assert f"{statement.paid_on:%d.%m.%Y}" in text
        screenshot(page, f"money/statement-{size}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"{size}: scrolls sideways ({width}px)"


def test_a_settled_claim_says_what_was_reimbursed_and_a_question_is_about_it(pages,
                                                                            live_server):
    from claims.models import Claim
    from core.money import format_chf

    claim = Claim.objects.select_related("settlement").get(
        customer__customer_number="100200300", status="settled")
    statement = claim.settlement
    line = statement.lines.get(position=claim.settlement_line)
    said = (f"Remboursé {format_chf(line.reimbursed)} le {statement.paid_on:%d.%m.%Y} sur "
            f"{statement.account_hint}")
    for size, page in pages.items():
        page.goto(f"{live_server.url}/claims/{claim.pk}/")
        section = page.locator("section.claim-settlement")
        assert said in section.inner_text()
        section.scroll_into_view_if_needed()
        screenshot(page, f"money/claim-settled-{size}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"{size}: scrolls sideways ({width}px)"
    page = pages["phone"]
    page.get_by_role("link", name="Poser une question sur cette décision").click()
    page.wait_for_url(f"{live_server.url}/messages/new/?claim={claim.pk}")
    assert f"Demande n° {claim.pk}" in page.locator(".msg-about").inner_text()
    page.get_by_label("Votre message").fill("Pourquoi cette quote-part?")
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_url(f"{live_server.url}/messages/*/")
    screenshot(page, "money/claim-question-phone")
    page.locator(".msg-about a").click()
    page.wait_for_url(f"{live_server.url}/claims/{claim.pk}/")


def test_the_payout_account_changes_with_the_password_and_a_code(pages, live_server):
    from core import sms
    from core.iban import mask

    page = pages["desktop"]
    page.goto(f"{live_server.url}/profile/payout/")
    section = page.locator("#payout")
    assert mask("CH5800791123000889012") in section.inner_text()
    section.get_by_label("IBAN").fill("CH44 3199 9123 0008 8901 2")
    section.get_by_label("Titulaire du compte").fill("Anna Muster")
    section.get_by_label("Votre mot de passe actuel").fill("Demo-Portal-2026")
    section.get_by_role("button", name="Changer de compte").click()
    page.wait_for_url(f"{live_server.url}/profile/payout/")
    assert "QR-IBAN" in page.locator("#payout").inner_text()
    page.locator("#payout").scroll_into_view_if_needed()
    screenshot(page, "money/payout-qr-iban-refused-desktop")
    ibans = {"phone": ("CH56 0483 5012 3456 7800 9", mask("CH5604835012345678009")),
             "desktop": ("CH93 0076 2011 6238 5295 7", mask("CH9300762011623852957"))}
    for size, page in pages.items():
        iban, masked = ibans[size]
        page.goto(f"{live_server.url}/profile/payout/")
        section = page.locator("#payout")
        section.get_by_label("IBAN").fill(iban)
        section.get_by_label("Titulaire du compte").fill("Anna Muster")
        section.get_by_label("Votre mot de passe actuel").fill("Demo-Portal-2026")
        section.get_by_role("button", name="Changer de compte").click()
        page.wait_for_url(f"{live_server.url}/profile/payout/confirm/")
        assert masked in page.locator("main").inner_text()
        screenshot(page, f"money/payout-code-{size}")
        code = sms.outbox[-1].text.split(": ")[1][:6]
        page.get_by_label("Code reçu par SMS").fill(code)
        page.get_by_role("button", name="Confirmer").click()
        page.wait_for_url(f"{live_server.url}/profile/#payout")
        assert masked in page.locator("#payout").inner_text()
        page.locator("#payout").scroll_into_view_if_needed()
        screenshot(page, f"money/payout-changed-{size}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"{size}: scrolls sideways ({width}px)"
