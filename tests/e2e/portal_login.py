"""Open a verified customer session in a Playwright page without going through the login UI."""

from django.conf import settings
from django.test import Client

from conftest import log_in_verified


def log_in_page(page, live_server, user):
    client = log_in_verified(Client(), user)
    page.context.add_cookies([{
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])
    return page


def submit_credentials(page, username, password):
    """The login's first step as a person does it: contract number, password, continue."""
    page.locator("input[name$=username]").fill(username)
    page.locator("input[type=password]").first.fill(password)
    page.locator("main form button[type=submit]").first.click()


def submit_code(page, code):
    """The second step: the one-time code, then log in."""
    page.locator("input[autocomplete=one-time-code]").fill(code)
    page.locator("main form button[type=submit]").first.click()


def open_account_menu(page):
    """Open the header's account menu (profile, security, language, logout)."""
    page.locator("summary.account-menu__button").click()
