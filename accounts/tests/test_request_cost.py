"""What a logged-in page costs besides its own work: a read that changes nothing writes nothing.

The session (last activity, when the browser was last listed) is written at most once a
minute, and then in one save together with the browser's row; a page in between neither
saves the session nor sends its cookie again.
"""

import re

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import PortalSession
from accounts.profile import SESSION_TOUCH_SECONDS, SESSION_TRACKED_AT
from conftest import log_in_verified

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def _writes(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, [q["sql"] for q in captured.captured_queries if WRITE.match(q["sql"])]


def test_a_second_read_writes_nothing_and_sends_no_session_cookie(client, customer):
    log_in_verified(client, customer.account)
    url = reverse("dashboard")
    client.get(url)  # the first page after the login may refresh the activity stamp

    response, writes = _writes(client, url)

    assert writes == []
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_a_minute_later_the_browser_row_and_the_session_are_written_once(client, customer):
    log_in_verified(client, customer.account)
    url = reverse("dashboard")
    client.get(url)
    session = client.session
    session[SESSION_TRACKED_AT] -= SESSION_TOUCH_SECONDS
    session["last_activity"] -= SESSION_TOUCH_SECONDS
    session.save()

    response, writes = _writes(client, url)

    tables = sorted(re.search(r'(?:INTO|UPDATE|FROM)\s+"?(\w+)', sql).group(1)
                    for sql in writes)
    assert tables == ["accounts_portalsession", "django_session"], writes
    assert settings.SESSION_COOKIE_NAME in response.cookies
    tracked = PortalSession.objects.get(session_key=client.session.session_key)
    assert tracked.user == customer.account
    assert client.session[SESSION_TRACKED_AT] > session[SESSION_TRACKED_AT]


def test_templates_are_read_and_parsed_once_per_process():
    from django.template import engines
    from django.template.loaders.cached import Loader

    engine = engines["django"].engine
    [loader] = engine.template_loaders
    assert isinstance(loader, Loader)
    first = engine.get_template("base.html")
    assert engine.get_template("base.html") is first
