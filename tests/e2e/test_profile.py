import pytest
from playwright.sync_api import expect

from accounts import demo as accounts_demo
from accounts.models import User
from core import sms
from tests.e2e.conftest import screenshot
from tests.e2e.layout import no_horizontal_scroll
from tests.e2e.portal_login import log_in_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def anna():
    accounts_demo.seed()
    return User.objects.get(username="KPT12345678")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_profile_page_on_phone_and_desktop(request, live_server, anna, viewport):
    page = log_in_page(request.getfixturevalue(viewport), live_server, anna)
    page.goto(f"{live_server.url}/profile/")
    assert page.locator("h1").inner_text() == "Mon profil"
    assert no_horizontal_scroll(page)
    screenshot(page, f"profile-{viewport}")


def test_bad_postcode_keeps_what_was_typed(desktop, live_server, anna):
    page = log_in_page(desktop, live_server, anna)
    page.goto(f"{live_server.url}/profile/address/")
    page.get_by_label("Rue et numéro").fill("Chemin des Vignes 4")
    page.get_by_label("NPA").fill("0123")
    page.get_by_role("button", name="Enregistrer l'adresse").click()
    page.wait_for_url(f"{live_server.url}/profile/address/")
    page.wait_for_load_state("load")
    assert "de 1000 à 9699" in page.locator("#address").inner_text()
    assert page.get_by_label("Rue et numéro").input_value() == "Chemin des Vignes 4"
    assert page.evaluate("document.activeElement.name") == "postcode"
    screenshot(page, "profile-address-error-desktop")


def test_mobile_change_needs_the_code_sent_to_the_new_number(phone, live_server, anna):
    page = log_in_page(phone, live_server, anna)
    page.goto(f"{live_server.url}/profile/mobile/")
    page.get_by_label("Nouveau numéro de mobile").fill("079 555 44 33")
    page.locator("#mobile").get_by_label("Votre mot de passe actuel").fill(
        accounts_demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Envoyer le code").click()
    page.wait_for_url(f"{live_server.url}/profile/mobile/confirm/")
    anna.refresh_from_db()
    assert anna.mobile_phone == "+41790000001"
    code = sms.outbox[-1].text.split(": ")[1][:6]
    assert sms.outbox[-1].to == "+41795554433"
    screenshot(page, "profile-mobile-code-phone")
    page.get_by_label("Code reçu par SMS").fill(code)
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_url(f"{live_server.url}/profile/")
    anna.refresh_from_db()
    assert anna.mobile_phone == "+41795554433"
    expect(page.locator("#mobile")).to_contain_text("+41 •••• ••33")
    assert sms.outbox[-1].to == "+41790000001"


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_newcomer_changes_the_address_without_passing_another_form(request, live_server,
                                                                    anna, viewport):
    """From the menu to the profile's summary, "Modifier" beside the address, one form."""
    from datetime import date, timedelta

    from tests.e2e.portal_login import open_account_menu

    page = log_in_page(request.getfixturevalue(viewport), live_server, anna)
    page.goto(f"{live_server.url}/")
    open_account_menu(page)
    page.get_by_role("link", name="Mon profil").click()
    page.wait_for_url(f"{live_server.url}/profile/")
    expect(page.locator("main form input")).to_have_count(1)  # the CSRF token of a button
    page.get_by_role("link", name="Modifier · Adresse postale").click()
    page.wait_for_url(f"{live_server.url}/profile/address/")
    expect(page.locator("main form")).to_have_count(1)
    # The form is on the first screen: nothing to scroll past.
    box = page.get_by_role("button", name="Enregistrer l'adresse").bounding_box()
    assert box is not None and box["y"] + box["height"] <= page.viewport_size["height"]
    page.get_by_label("Rue et numéro").fill("Chemin des Vignes 4")
    page.get_by_label("NPA").fill("1003")
    page.get_by_label("Localité").fill("Lausanne")
    later = (date.today() + timedelta(days=10)).strftime("%d.%m.%Y")
    page.get_by_label("Valable dès le").fill(later)
    page.get_by_role("button", name="Enregistrer l'adresse").click()
    page.wait_for_url(f"{live_server.url}/profile/")
    expect(page.locator("#address")).to_contain_text(f"Chemin des Vignes 4, 1003 Lausanne à "
                                                     f"partir du {later}")
    screenshot(page, f"profile-address-pending-{viewport}")
