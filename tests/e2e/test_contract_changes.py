"""A higher deductible for next year, asked on the phone, accepted by the seeded advisor.

The customer (KPT12345678, Anna Muster, standard model, deductible CHF 1'500) asks for
CHF 2'500 from 1 January, sees next year's premium and the yearly difference, confirms,
and finds the request "En cours" on /requests/. The seeded advisor (group "Conseillers",
real SMS login) accepts it in the admin; the customer then reads "Acceptée" and finds the
confirmation (an amendment) in /documents/. Each page passes axe on a phone and a desktop;
screenshots of the form, the confirmation step and /requests/ at 390×844 and 1280×860 go to
var/screenshots/changes/.
"""

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import User
from customer_requests.models import ChangeStatus, ContractChange
from tests.e2e.a11y import DESKTOP, PHONE, a11y_context, axe_violations, format_violations
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.layout import no_horizontal_scroll
from tests.e2e.portal_login import log_in_page
from tests.e2e.test_advisor_day import log_in_advisor

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CONTRACT = "KPT12345678"


def look(page, name: str, found: dict) -> None:
    """axe at both sizes, no sideways scroll on the phone, a screenshot of each."""
    folder = SCREENSHOTS / "changes"
    folder.mkdir(parents=True, exist_ok=True)
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        if violations := axe_violations(page):
            found[f"{name} ({label})"] = violations
        if viewport == PHONE:
            assert no_horizontal_scroll(page), f"{name} scrolls sideways on a phone"
        page.screenshot(path=str(Path(folder) / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(PHONE)


def touch_targets_are_big_enough(page, selector: str) -> None:
    page.wait_for_load_state("load")  # sizes are read with the stylesheet applied
    assert page.locator(selector).count() > 0, f"{selector}: nothing to measure"
    for box in (element.bounding_box() for element in page.locator(selector).all()):
        if box is not None:
            assert box["height"] >= 44, f"{selector}: {box['height']} px high"


def test_a_higher_deductible_asked_on_the_phone_is_accepted_and_archived(
        browser, live_server, seeded_demo):
    found: dict = {}
    customer = a11y_context(browser, PHONE)
    page = log_in_page(customer.new_page(), live_server, User.objects.get(username=CONTRACT))
    base = live_server.url

    page.goto(base + "/insurance/")
    page.get_by_role("link", name="Changer de franchise ou de modèle").click()
    expect(page.locator("h1")).to_have_text("Franchise et modèle pour l'an prochain")
    page.get_by_role("link", name="Changer pour Anna").click()
    expect(page.locator("h1")).to_contain_text("Anna Muster")
    touch_targets_are_big_enough(page, ".choice-list .choice")
    touch_targets_are_big_enough(page, ".request-form .button")
    look(page, "change-form", found)

    page.get_by_label("CHF 2'500").check()
    page.get_by_role("button", name="Voir la nouvelle prime").click()
    expect(page.locator("h1")).to_have_text("Confirmer le changement")
    expect(page.locator("[data-new-premium]")).to_have_text("CHF 358.15")
    expect(page.locator("[data-yearly-difference]")).to_have_text("CHF -700.20")
    look(page, "change-confirm", found)

    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page).to_have_url(base + "/requests/")
    card = page.locator(".request-card", has_text="Franchise ou modèle").first
    expect(card.locator(".request-status")).to_have_text("En cours")
    expect(card).to_contain_text("CHF 2'500")
    touch_targets_are_big_enough(page, ".request-card a, .request-actions a")
    look(page, "requests", found)
    change = ContractChange.objects.get(status=ChangeStatus.PENDING)
    assert (change.insured_person.first_name, change.new_deductible) == ("Anna", 2500)
    assert change.new_premium == Decimal("358.15")

    # The seeded advisor, with the group's permissions only, through the real login.
    advisor = a11y_context(browser, DESKTOP)
    admin = advisor.new_page()
    log_in_advisor(admin, base)
    admin.goto(base + "/admin/customer_requests/contractchange/")
    if violations := axe_violations(admin):
        found["admin queue"] = violations
    admin.locator("#result_list tbody a").first.click()
    expect(admin.locator("h1, h2").first).to_be_visible()
    if violations := axe_violations(admin):
        found["admin decision"] = violations
    admin.screenshot(path=str(SCREENSHOTS / "changes" / "admin-decision-desktop.png"),
                     full_page=True)
    admin.get_by_role("button", name="Accepter").click()
    expect(admin.locator(".messagelist")).to_contain_text("Demande acceptée")
    advisor.close()

    page.goto(base + "/requests/")
    card = page.locator(".request-card", has_text="Franchise ou modèle").first
    expect(card.locator(".request-status")).to_have_text("Acceptée")
    card.get_by_role("link", name="Confirmation (avenant)").click()
    expect(page.locator("h1")).to_contain_text("Avenant au 1er janvier")
    page.goto(base + "/documents/?type=amendment")
    expect(page.locator(".doc-card").first).to_contain_text("Avenant")
    customer.close()
    assert found == {}, "axe violations:\n" + format_violations(found)
