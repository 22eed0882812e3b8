"""The portal's frame in Chromium: the tab bar under the thumb on a phone, at the top on a
desktop, and one account menu for profile, security, activity, language and logout."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.e2e.conftest import screenshot
from tests.e2e.layout import no_horizontal_scroll
from tests.e2e.portal_login import log_in_page, open_account_menu

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SECTIONS = ["/", "/documents/", "/claims/", "/messages/", "/insurance/"]




def test_on_a_phone_the_tab_bar_sits_at_the_bottom_and_every_label_is_readable(
        phone, live_server, seeded_demo):
    log_in_page(phone, live_server, User.objects.get(username="KPT12345678"))
    for path in SECTIONS:
        phone.goto(live_server.url + path)
        bar = phone.locator(".main-nav").bounding_box()
        assert bar is not None and abs(bar["y"] + bar["height"] - 844) < 2, path
        sizes = phone.locator(".main-nav__link").evaluate_all(
            "links => links.filter(l => l.offsetParent)"
            ".map(l => parseFloat(getComputedStyle(l).fontSize))")
        assert len(sizes) == 5 and min(sizes) >= 12, (path, sizes)
        assert no_horizontal_scroll(phone), path
        # The page's last words are not hidden under the bar.
        footer = phone.locator(".site-footer__note")
        footer.scroll_into_view_if_needed()
        note, bar = footer.bounding_box(), phone.locator(".main-nav").bounding_box()
        assert note["y"] + note["height"] <= bar["y"], path
    phone.goto(live_server.url + "/")
    # The insurance card sits in the header, one tap from every page.
    card = phone.locator(".header-card")
    expect(card).to_be_visible()
    assert card.bounding_box()["height"] >= 44
    screenshot(phone, "navigation-dashboard-phone")


def test_the_account_menu_holds_profile_security_language_and_logout(phone, live_server,
                                                                     seeded_demo):
    log_in_page(phone, live_server, User.objects.get(username="KPT12345678"))
    phone.goto(live_server.url + "/documents/")
    expect(phone.get_by_role("button", name="Se déconnecter")).to_be_hidden()
    open_account_menu(phone)
    for name in ["Mon profil", "Mes demandes", "Sécurité et connexion", "Mon activité",
                 "Urgences et assistance"]:
        expect(phone.get_by_role("link", name=name)).to_be_visible()
    screenshot(phone, "navigation-menu-open-phone")
    phone.keyboard.press("Escape")
    expect(phone.get_by_role("button", name="Se déconnecter")).to_be_hidden()
    # By keyboard: Enter opens it, Tab reaches its first link, Escape gives the focus back.
    phone.locator("summary.account-menu__button").focus()
    phone.keyboard.press("Enter")
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.textContent.trim()") == "Mon profil"
    phone.keyboard.press("Escape")
    assert phone.evaluate("document.activeElement.tagName") == "SUMMARY"
    open_account_menu(phone)
    phone.get_by_label("Langue").select_option("de")
    phone.get_by_role("button", name="Changer").click()
    expect(phone.locator("html")).to_have_attribute("lang", "de")
    assert phone.url.endswith("/documents/")
    open_account_menu(phone)
    phone.get_by_role("button", name="Abmelden").click()
    phone.wait_for_url(re.compile(r".*/login/"))


def test_on_a_desktop_the_sections_are_a_bar_under_the_header(desktop, live_server, seeded_demo):
    log_in_page(desktop, live_server, User.objects.get(username="KPT12345678"))
    desktop.goto(live_server.url + "/")
    bar = desktop.locator(".main-nav").bounding_box()
    assert bar is not None and bar["y"] < 150
    assert no_horizontal_scroll(desktop)
    screenshot(desktop, "navigation-dashboard-desktop")
    open_account_menu(desktop)
    screenshot(desktop, "navigation-menu-open-desktop")


def test_the_menu_works_without_javascript(browser, live_server, seeded_demo):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-CH",
                                  java_script_enabled=False)
    page = context.new_page()
    try:
        log_in_page(page, live_server, User.objects.get(username="KPT12345678"))
        page.goto(live_server.url + "/")
        open_account_menu(page)
        screenshot(page, "navigation-menu-no-js-phone")
        expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    finally:
        context.close()


def test_the_activity_filter_and_the_authenticator_link_on_a_phone(phone, live_server,
                                                                  seeded_demo):
    log_in_page(phone, live_server, User.objects.get(username="KPT12345678"))
    phone.goto(live_server.url + "/profile/activity/")
    phone.get_by_role("link", name="Sécurité", exact=True).click()
    expect(phone.get_by_role("link", name="Sécurité", exact=True)).to_have_attribute(
        "aria-current", "page")
    assert "topic=security" in phone.url and no_horizontal_scroll(phone)
    screenshot(phone, "activity-filter-security-phone")
    phone.goto(live_server.url + "/profile/security/authenticator/")
    link = phone.get_by_role("link", name="Ajouter à l'application de ce téléphone")
    expect(link).to_be_visible()  # a touch screen: the phone cannot scan its own QR code
    assert (link.get_attribute("href") or "").startswith("otpauth://totp/")
    screenshot(phone, "authenticator-setup-phone")
