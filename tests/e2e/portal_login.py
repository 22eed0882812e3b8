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
