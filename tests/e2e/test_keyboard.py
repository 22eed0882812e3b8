"""Keyboard only: the skip link comes first and works, focus follows the reading order and is
always visible, and a customer logs in and moves around without a mouse."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import TEST_PASSWORD
from tests.e2e.a11y import last_sms_code
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# After each Tab: what has the focus, does it follow the previous one in the document, and is
# the focus drawn (an outline or a ring of box-shadow, at least 2px)?
FOCUS_STATE = """(previous) => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    const ring = style.boxShadow && style.boxShadow !== 'none';
    const box = el.getBoundingClientRect();
    window.__kbdPrev = window.__kbdPrev || null;
    const after = !window.__kbdPrev ||
        !!(window.__kbdPrev.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
    window.__kbdPrev = el;
    return {
        tag: el.tagName.toLowerCase(), id: el.id, cls: el.className || '',
        name: (el.getAttribute('aria-label') || el.innerText || el.name || '').trim().slice(0, 40),
        visible: outline || ring, inViewport: box.bottom > 0 && box.top < innerHeight,
        width: box.width, height: box.height, after: after, tabindex: el.tabIndex,
    };
}"""


def tab(page, times=1):
    states = []
    for _ in range(times):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE, None)
        if state is None:
            break
        states.append(state)
    return states


def assert_well_ordered_and_visible(states):
    for state in states:
        label = f"{state['tag']}#{state['id']}.{state['cls']} «{state['name']}»"
        assert state["visible"], f"no visible focus on {label}"
        assert state["inViewport"], f"focused element off screen: {label}"
        assert state["width"] > 0 and state["height"] > 0, f"invisible focus target: {label}"
        assert state["tabindex"] <= 0, f"positive tabindex breaks the order: {label}"
        assert state["after"], f"focus jumped backwards to {label}"


def test_login_by_keyboard_only_with_skip_link_and_visible_focus(desktop, live_server,
                                                                  login_household):
    page = desktop
    page.goto(f"{live_server.url}/login/")

    # The contract number has the focus on arrival (autofocus); the skip link, the brand and
    # the header's four languages are just before it, the password, the button, the passkey
    # button and the help links after it, all visibly focused.
    # Chromium applies autofocus at a later rendering step: wait for it, do not ask once.
    expect(page.locator("#id_auth-username")).to_be_focused()
    for _ in range(6):
        page.keyboard.press("Shift+Tab")
    skip = page.evaluate(FOCUS_STATE, None)
    assert skip["cls"] == "skip-link" and skip["visible"] and skip["inViewport"]
    screenshot(page, "keyboard-login-skip-link-desktop")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    states = tab(page, 6)
    assert [s["tag"] for s in states] == ["input", "input", "button", "button", "a", "a"]
    assert states[0]["id"].endswith("username") and "password" in states[1]["id"]
    assert states[2]["name"] == "Continuer"
    assert states[3]["name"].strip() == "Se connecter avec une clé d'accès"
    assert_well_ordered_and_visible(states)
    screenshot(page, "keyboard-login-focus-desktop")

    # Type and submit without the mouse.
    for _ in range(5):
        page.keyboard.press("Shift+Tab")
    page.keyboard.type("KPT12345678")
    page.keyboard.press("Tab")
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    # Step 2: the code field has the focus on arrival, visibly.
    expect(page.locator("input[autocomplete=one-time-code]")).to_be_focused()
    code_field = page.evaluate(FOCUS_STATE, None)
    assert code_field["tag"] == "input" and code_field["visible"]
    assert page.evaluate("document.activeElement.autocomplete") == "one-time-code"
    page.keyboard.type(last_sms_code())
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")


def test_customer_page_focus_order_follows_the_page_and_is_always_visible(
        phone, live_server, login_household):
    from tests.e2e.portal_login import log_in_page

    page = log_in_page(phone, live_server, login_household.account)
    page.goto(f"{live_server.url}/profile/")
    states = tab(page, 60)
    assert states[0]["cls"] == "skip-link"
    names = [s["name"] for s in states]
    assert "Menu" in names, "the account menu's button"
    assert_well_ordered_and_visible(states)
    page.keyboard.press("Shift+Tab")
    screenshot(page, "keyboard-profile-focus-phone")


def test_skip_link_jumps_over_the_navigation(phone, live_server, login_household):
    from tests.e2e.portal_login import log_in_page

    page = log_in_page(phone, live_server, login_household.account)
    page.goto(f"{live_server.url}/")
    tab(page)
    page.keyboard.press("Enter")
    (first_in_main,) = tab(page)
    in_main = page.evaluate("document.getElementById('main').contains(document.activeElement)")
    assert in_main, f"after the skip link, focus went to {first_in_main}"
