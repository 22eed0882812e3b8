"""A cost guarantee in Chromium: the customer asks for one with the doctor's PDF (a date in
the past first: the message, the form kept), sees it "en cours"; the seeded advisor (group
"Conseillers", logged in with the SMS code) opens the doctor's letter and grants it in the
admin; the customer sees "Accordée" and opens the guarantee from /documents/.

The pages are checked on a phone (390×844: touch targets of 44 px at least, no sideways
scroll) and with axe; screenshots at 390×844 and 1280×860 go to var/screenshots/guarantee/.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from claims.models import CostGuaranteeRequest, GuaranteeStatus
from core.tests.samples import pdf_bytes
from documents.models import DocumentType
from tests.e2e.a11y import DESKTOP, PHONE, a11y_context, axe_violations, format_violations
from tests.e2e.conftest import SCREENSHOTS, screenshot
from tests.e2e.layout import no_horizontal_scroll
from tests.e2e.portal_login import log_in_page
from tests.e2e.test_advisor_day import log_in_advisor

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CONTRACT = "KPT12345678"
PROVIDER = "Hôpital de la Riviera"


def shot(page, name):
    (SCREENSHOTS / "guarantee").mkdir(parents=True, exist_ok=True)
    return screenshot(page, f"guarantee/{name}")


def small_targets(page) -> list[str]:
    """Links, buttons and form controls of the page's main part under 44 px high (links
    inside a sentence are exempt, as WCAG 2.5.8 says)."""
    return page.evaluate("""() => [...document.querySelectorAll(
            'main a, main button, main input:not([type=hidden]):not([type=radio]), main select,'
            + ' main textarea, main label.choice')]
        .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44
                && !e.closest('p.lead, p.muted, .claim-facts, .guarantee-attachments')
                && !(e.matches('input') && e.closest('label.choice')))  // the label is the target
        .map(e => e.outerHTML.slice(0, 80))""")


def check_phone_page(page, found, name):
    # Sizes are read once the stylesheet applies: a click returns when the next page starts
    # loading, and its text can be there before its styles.
    page.wait_for_load_state("load")
    assert no_horizontal_scroll(page), f"{name} scrolls sideways"
    assert small_targets(page) == [], name
    violations = axe_violations(page)
    if violations:
        found[name] = violations


def test_a_customer_asks_for_a_guarantee_and_the_advisor_grants_it(browser, live_server,
                                                                   seeded_demo, tmp_path):
    base = live_server.url
    customer = User.objects.get(username=CONTRACT)
    letter = tmp_path / "lettre-du-medecin.pdf"
    letter.write_bytes(pdf_bytes(1, "Dr Exemple: arthroscopie du genou"))
    found: dict = {}

    # The customer, on a phone: from /claims/ to the form.
    phone_context = a11y_context(browser, PHONE, device_scale_factor=2)
    phone = log_in_page(phone_context.new_page(), live_server, customer)
    phone.goto(base + "/claims/")
    phone.get_by_role("link", name="Demander une garantie de prise en charge").click()
    expect(phone).to_have_url(base + "/claims/guarantees/new/")
    phone.get_by_label("Pour qui?").select_option(label="Léo Muster")
    phone.get_by_label("Hôpital, clinique ou prestataire").fill(PROVIDER)
    phone.get_by_label("Lieu").fill("Vevey")
    yesterday = timezone.localdate() - timedelta(days=1)
    phone.get_by_label("Date prévue").fill(yesterday.isoformat())
    phone.get_by_label("Motif ou traitement prévu").fill("Arthroscopie du genou droit")
    phone.get_by_label("Division semi-privée").check()
    phone.get_by_label("Documents du médecin").set_input_files(str(letter))
    phone.get_by_role("button", name="Envoyer la demande").click()

    # A date in the past: the message, and what was typed is kept.
    expect(phone.locator(".field__error")).to_contain_text("La date prévue est déjà passée")
    expect(phone.get_by_label("Hôpital, clinique ou prestataire")).to_have_value(PROVIDER)
    expect(phone.get_by_label("Division semi-privée")).to_be_checked()
    # The doctor's letter passed its checks: kept, ticked, not to be chosen again.
    expect(phone.get_by_label("lettre-du-medecin.pdf")).to_be_checked()
    check_phone_page(phone, found, "guarantee form with an error (phone)")
    shot(phone, "form-error-phone")
    desktop_context = a11y_context(browser, DESKTOP)
    desktop = log_in_page(desktop_context.new_page(), live_server, customer)
    desktop.goto(base + "/claims/guarantees/new/")
    desktop.get_by_label("Hôpital, clinique ou prestataire").fill(PROVIDER)
    desktop.get_by_label("Lieu").fill("Vevey")
    desktop.get_by_label("Date prévue").fill(yesterday.isoformat())
    desktop.get_by_label("Motif ou traitement prévu").fill("Arthroscopie du genou droit")
    desktop.get_by_role("button", name="Envoyer la demande").click()
    expect(desktop.locator(".form-error")).to_be_visible()
    violations = axe_violations(desktop)
    if violations:
        found["guarantee form with an error (desktop)"] = violations
    shot(desktop, "form-error-desktop")

    # Corrected and sent: "en cours".
    planned = timezone.localdate() + timedelta(days=21)
    phone.get_by_label("Date prévue").fill(planned.isoformat())
    phone.get_by_role("button", name="Envoyer la demande").click()
    expect(phone.locator("[data-guarantee-status]")).to_have_text("En cours")
    guarantee = CostGuaranteeRequest.objects.get(provider_name=PROVIDER)
    assert guarantee.planned_date == planned and guarantee.attachments.count() == 1
    expect(phone.get_by_text("lettre-du-medecin.pdf")).to_be_visible()
    check_phone_page(phone, found, "guarantee detail (phone)")
    shot(phone, "detail-submitted-phone")
    phone.goto(base + "/claims/")
    expect(phone.locator(".guarantee-card", has_text=PROVIDER)).to_contain_text("En cours")
    check_phone_page(phone, found, "claims with guarantees (phone)")
    shot(phone, "claims-list-phone")

    # The seeded advisor, with the group's permissions, in the admin.
    advisor_context = a11y_context(browser, DESKTOP)
    admin = advisor_context.new_page()
    log_in_advisor(admin, base)
    assert not User.objects.get(username="advisor").is_superuser
    admin.goto(base + "/admin/claims/costguaranteerequest/")
    admin.get_by_role("link", name=guarantee.reference).click()
    expect(admin.locator("h1")).to_contain_text(guarantee.reference)
    with admin.expect_download() as download:
        admin.get_by_role("link", name="lettre-du-medecin.pdf").click()
    assert download.value.path().read_bytes().startswith(b"%PDF")
    admin.get_by_label("Prise en charge accordée").fill(
        "Séjour en division semi-privée, 1 nuit, selon le tarif convenu")
    admin.get_by_label("Montant garanti (CHF)").fill("6400.00")
    violations = axe_violations(admin)
    if violations:
        found["admin guarantee review (desktop)"] = violations
    shot(admin, "admin-review-desktop")
    admin_phone = advisor_context.new_page()
    admin_phone.set_viewport_size(PHONE)
    admin_phone.goto(admin.url)
    assert no_horizontal_scroll(admin_phone), "the admin review scrolls sideways on a phone"
    shot(admin_phone, "admin-review-phone")
    admin_phone.close()
    admin.get_by_role("button", name="Accorder la garantie").click()
    expect(admin.locator(".messagelist")).to_contain_text("accordée")
    guarantee.refresh_from_db()
    assert guarantee.status == GuaranteeStatus.GRANTED
    assert guarantee.document.type == DocumentType.COST_GUARANTEE

    # The customer sees it granted and opens the guarantee from the documents.
    phone.goto(base + f"/claims/guarantees/{guarantee.pk}/")
    expect(phone.locator("[data-guarantee-status]")).to_have_text("Accordée")
    expect(phone.locator(".guarantee-granted")).to_contain_text("CHF 6'400.00")
    check_phone_page(phone, found, "guarantee granted (phone)")
    shot(phone, "detail-granted-phone")
    desktop.goto(base + f"/claims/guarantees/{guarantee.pk}/")
    shot(desktop, "detail-granted-desktop")
    phone.goto(base + "/documents/")
    phone.get_by_role("link", name=guarantee.document.title).first.click()
    expect(phone).to_have_url(base + f"/documents/{guarantee.document_id}/")
    expect(phone.locator("h1")).to_contain_text("Garantie de prise en charge")
    shot(phone, "document-phone")

    for context in (phone_context, desktop_context, advisor_context):
        context.close()
    assert found == {}, "axe violations:\n" + format_violations(found)
