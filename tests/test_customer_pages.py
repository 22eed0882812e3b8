"""Every customer URL, walked from the URL conf (the walk of tests/test_idor.py).

- No URL answers a GET with a bare 405: a form's URL opened from a bookmark, a restored phone
  tab or the back button lands on the page that holds the form.
- Every response to a logged-in customer says ``Cache-Control: private, no-store``, so no
  shared cache and no browser cache keeps health data after the session.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.security_support import _document_storage  # noqa: F401 - fixture
from tests.test_idor import BUILDERS, HouseholdA, walk

pytestmark = pytest.mark.django_db

STAFF_ONLY = ("admin:",)


def customer_urls(household: HouseholdA) -> list[tuple[str, str]]:
    """(name, URL) of every named route but the admin's, with ids built for household A."""
    urls = []
    for route in walk():
        if route.name.startswith(STAFF_ONLY):
            continue
        if route.params:
            if route.name not in BUILDERS:
                continue  # stated exclusions of the IDOR walk (capability links, shares)
            urls.append((route.name, reverse(route.name, kwargs=BUILDERS[route.name](household))))
        else:
            urls.append((route.name, reverse(route.name)))
    return urls


@pytest.fixture
def household_a(customer, customer_client):
    return HouseholdA(customer=customer, client=customer_client)


def test_the_walk_reaches_the_customer_pages(household_a):
    names = {name for name, _url in customer_urls(household_a)}
    assert {"dashboard", "accounts:profile", "accounts:profile_address", "claims:list",
            "documents:detail", "policies:overview", "messaging:inbox"} <= names


def test_no_customer_url_answers_get_with_405(household_a):
    refused = [(name, url) for name, url in customer_urls(household_a)
               if household_a.client.get(url).status_code == 405]
    assert refused == []


def test_no_url_answers_an_anonymous_get_with_405(household_a):
    anonymous = Client()
    refused = [(name, url) for name, url in customer_urls(household_a)
               if anonymous.get(url).status_code == 405]
    assert refused == []


def test_logout_by_get_logs_nobody_out(household_a):
    response = household_a.client.get(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert household_a.client.get(reverse("dashboard")).status_code == 200


def _is_private(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


def test_every_response_to_a_customer_is_private_and_not_stored(household_a):
    browser = household_a.client
    browser.raise_request_exception = False  # a refused empty POST answers 400, not a raise
    public = []
    for name, url in customer_urls(household_a):
        responses = [browser.get(url)]
        if name != "logout":  # the walk goes on logged in
            responses.append(browser.post(url, {}))
        public += [(name, r.request["REQUEST_METHOD"], r.status_code, r.get("Cache-Control"))
                   for r in responses if not _is_private(r)]
    assert browser.get(reverse("dashboard")).status_code == 200  # still the customer
    assert public == []


def test_a_page_that_starts_a_session_is_private(client):
    response = client.get(reverse("accounts:login"))
    assert "sessionid" in response.cookies or client.session.session_key
    assert _is_private(response)


def test_static_facts_for_anonymous_visitors_stay_cacheable(client):
    """The control: the rule follows the session, it does not blanket every response."""
    response = client.get(reverse("pwa:manifest"))
    assert response.status_code == 200
    assert not _is_private(response)
