import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.layout import no_horizontal_scroll

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_login_page_is_styled_on_phone_and_desktop(request, live_server, viewport):
    page = request.getfixturevalue(viewport)
    page.goto(f"{live_server.url}/login/")
    assert page.locator("link[rel=stylesheet]").count() == 1
    header_colour = page.locator(".site-header").evaluate(
        "el => getComputedStyle(el).backgroundColor")
    assert header_colour == "rgb(15, 61, 94)"  # the stylesheet was served and applied
    assert no_horizontal_scroll(page)
    screenshot(page, f"foundation-login-{viewport}")


def test_skip_link_leads_keyboard_users_to_the_main_content(desktop, live_server):
    desktop.goto(f"{live_server.url}/login/")
    # The login form autofocuses the contract field (focused here explicitly, so a slow
    # machine cannot press keys before autofocus happened); backwards to the skip link.
    desktop.focus("#id_auth-username")
    # Backwards through the header: its four language buttons, the brand, then the skip link.
    for _ in range(6):
        desktop.keyboard.press("Shift+Tab")
    assert desktop.evaluate("document.activeElement.className") == "skip-link"
    assert desktop.locator(".skip-link").evaluate("el => el.getBoundingClientRect().top >= 0")
    desktop.keyboard.press("Enter")
    assert desktop.evaluate("document.activeElement.id") == "main"


def test_healthz_in_the_browser(desktop, live_server):
    desktop.goto(f"{live_server.url}/healthz")
    assert '"status": "ok"' in desktop.content()
