import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts import demo as accounts_demo
from accounts.models import User
from policies import demo as policies_demo
from tests.e2e.a11y import DESKTOP, PHONE, a11y_context, axe_violations, format_violations
from tests.e2e.conftest import SCREENSHOTS, go_offline
from tests.e2e.layout import no_horizontal_scroll
from tests.e2e.portal_login import log_in_page, open_account_menu

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
LANDSCAPE = {"width": 844, "height": 390}
HOLDER = "KPT12345678"


@pytest.fixture
def demo_data():
    accounts_demo.seed()
    policies_demo.seed()


def shot(page, name: str) -> Path:
    folder = SCREENSHOTS / "card"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path




def test_customer_shows_a_card_on_the_phone_portrait_and_landscape(phone, live_server,
                                                                   demo_data):
    page = log_in_page(phone, live_server, User.objects.get(username=HOLDER))
    page.goto(f"{live_server.url}/insurance/card/")
    expect(page.locator("h1")).to_have_text("Cartes d'assuré")
    assert page.locator(".ins-card--front").count() == 2
    # On a phone the card is reached from the header; its tab is the desktop's.
    expect(page.locator(".header-card")).to_be_visible()
    assert page.locator('.main-nav__link[aria-current="page"]').count() == 1
    assert no_horizontal_scroll(page)
    shot(page, "cards-phone")

    page.get_by_role("link", name="Afficher la carte de Anna en grand").click()
    expect(page.locator(".ins-card--back")).to_be_visible()
    assert "756." in page.locator(".ins-card--front").inner_text()
    expect(page.locator(".card-qr svg.qr")).to_be_visible()
    assert no_horizontal_scroll(page)
    for link in page.locator(".emergency__call").all():
        assert link.bounding_box()["height"] >= 44
    shot(page, "card-phone-portrait")

    page.set_viewport_size(LANDSCAPE)
    front = page.locator(".ins-card--front").bounding_box()
    assert front["height"] >= 300  # fills the sideways screen
    assert no_horizontal_scroll(page)
    shot(page, "card-phone-landscape")


def test_card_on_the_desktop(desktop, live_server, demo_data):
    page = log_in_page(desktop, live_server, User.objects.get(username=HOLDER))
    page.goto(f"{live_server.url}/insurance/card/")
    shot(page, "cards-desktop")
    page.get_by_role("link", name="Afficher la carte de Anna en grand").click()
    expect(page.locator(".card-qr")).to_be_visible()
    shot(page, "card-desktop")


def stored_databases_after(page, *, seconds, wanted):
    """The page's IndexedDB names, asked again until ``wanted(names)`` or ``seconds`` pass
    (``indexedDB.databases()`` answers a promise, which ``wait_for_function`` does not wait
    for)."""
    deadline = time.monotonic() + seconds
    while True:
        names = {database["name"] for database in page.evaluate("indexedDB.databases()")}
        if wanted(names) or time.monotonic() > deadline:
            return names & {"kpt-card"}
        page.wait_for_timeout(100)


# What this browser keeps under the card store's key (null when nothing), read as the page's
# script does; the connection is closed so that a later deletion is not held up.
STORED_CARDS = """() => new Promise(resolve => {
    const open = indexedDB.open("kpt-card", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("card");
    open.onsuccess = () => {
        const db = open.result;
        db.transaction("card").objectStore("card").get("cards").onsuccess = e => {
            db.close();
            resolve(e.target.result === undefined ? null : "stored");
        };
    };
})"""


def test_card_kept_offline_only_when_turned_on_and_gone_after_logout(phone, live_server,
                                                                      demo_data):
    user = User.objects.get(username=HOLDER)
    page = log_in_page(phone, live_server, user)
    page.goto(f"{live_server.url}/insurance/card/")
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()
    # Not turned on: offline, the app shows no card.
    go_offline(page, f"{live_server.url}/insurance/card/")
    expect(page.locator("h1")).to_have_text("Pas de connexion")
    page.wait_for_load_state("load")
    # The view is hidden until the script has read the store, so look at the store itself.
    assert page.evaluate(STORED_CARDS) is None
    expect(page.locator("[data-card-offline-view]")).to_be_hidden()
    assert "Muster" not in page.content()
    page.context.set_offline(False)

    page.goto(f"{live_server.url}/insurance/card/")
    page.get_by_role("button", name="Garder les cartes sur cet appareil").click()
    expect(page.locator("[data-card-offline-status]")).to_contain_text("enregistrées sur cet")
    expect(page.get_by_role("button", name="Garder les cartes sur cet appareil")).to_be_hidden()
    expect(page.get_by_role("button", name="Effacer les cartes de cet appareil")).to_be_visible()
    stored = page.evaluate("""() => new Promise(resolve => {
        const open = indexedDB.open("kpt-card");
        open.onsuccess = () => open.result.transaction("card").objectStore("card")
            .get("cards").onsuccess = e => resolve(e.target.result.data instanceof ArrayBuffer
                && !new TextDecoder().decode(e.target.result.data).includes("Muster"));
    })""")
    assert stored  # what is stored is ciphertext, not the names
    assert page.evaluate(STORED_CARDS) == "stored"  # the check above can tell the two apart
    shot(page, "cards-offline-on-phone")

    go_offline(page, f"{live_server.url}/insurance/card/")
    expect(page.locator("[data-card-offline-view] .ins-card--front")).to_have_count(2)
    assert "MUSTER" in page.locator("[data-card-offline-view]").inner_text()
    assert no_horizontal_scroll(page)
    shot(page, "offline-with-cards-phone")
    page.context.set_offline(False)

    page.goto(f"{live_server.url}/insurance/card/")
    open_account_menu(page)
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r".*/login/"))
    # Deleted by the page as the logout is sent (and by the answer's Clear-Site-Data); the
    # deletion may finish after the login page has loaded.
    assert not stored_databases_after(page, seconds=5, wanted=lambda names: "kpt-card" not in names)


def test_card_pages_have_no_accessibility_violations(browser, live_server, demo_data):
    user = User.objects.get(username=HOLDER)
    person = user.customer.policy_holder
    found = {}
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP), ("landscape", LANDSCAPE)):
        context = a11y_context(browser, viewport)
        page = log_in_page(context.new_page(), live_server, user)
        for path in ("/insurance/card/", f"/insurance/card/{person.pk}/", "/offline/"):
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("load")
            violations = axe_violations(page)
            if violations:
                found[f"{label} {path}"] = violations
        context.close()
    assert not found, format_violations(found)
