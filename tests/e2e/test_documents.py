"""The archive in Chromium: the demo household finds, filters, previews and downloads; the
other household gets 404 on each of those links. Screenshots on phone and desktop."""

from datetime import datetime

import pytest
from django.test import Client

from accounts import demo as accounts_demo
from accounts.models import User
from conftest import log_in_verified
from documents import demo as documents_demo
from documents.models import Document, DocumentType
from documents.tests.factories import private_storage_follows_settings
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_archive(_private_storage_in_tmp):
    with private_storage_follows_settings():
        accounts_demo.seed()
        documents_demo.seed()
        yield


def log_in(page, live_server, username):
    client = log_in_verified(Client(), User.objects.get(username=username))
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])


def card_dates(page):
    return [datetime.strptime(text, "%d.%m.%Y") for text in
            page.locator(".doc-card__date time").all_inner_texts()]


def test_household_finds_filters_previews_and_downloads(demo_archive, live_server, phone,
                                                        desktop):
    for page in (phone, desktop):
        log_in(page, live_server, "KPT12345678")
    page = desktop
    page.goto(f"{live_server.url}/documents/")
    assert page.locator("h1").inner_text() == "Mes documents"
    dates = card_dates(page)
    assert len(dates) == 25 and dates == sorted(dates, reverse=True)
    assert page.locator(".doc-card--new").count() >= 1
    screenshot(page, "documents-list-desktop")

    # Each of the four types is there, found with the type filter.
    for kind in DocumentType:
        page.goto(f"{live_server.url}/documents/")
        page.locator("summary.doc-filters__summary").click()
        page.select_option("#id_type", kind.value)
        page.get_by_role("button", name="Afficher").click()
        types = page.locator(".doc-card").evaluate_all("els => els.map(e => e.dataset.type)")
        assert types and set(types) == {kind.value}, kind

    # Filter by the child and a year.
    page.goto(f"{live_server.url}/documents/")
    page.locator("summary.doc-filters__summary").click()
    page.select_option("#id_person", label="Léo Muster")
    page.select_option("#id_year", index=2)
    page.get_by_role("button", name="Afficher").click()
    persons = set(page.locator(".doc-card__person").all_inner_texts())
    assert persons == {"Léo Muster"}

    # Detail with preview, then download.
    page.locator(".doc-card__title").first.click()
    page.wait_for_function("() => document.querySelector('.doc-preview__image').naturalWidth > 0")
    screenshot(page, "documents-detail-desktop")
    with page.expect_download() as info:
        page.locator(".doc-detail__download").click()
    download = info.value
    assert download.suggested_filename.endswith("_Léo-Muster.pdf")
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"

    # Phone: cards, no horizontal scrolling, detail page.
    phone.goto(f"{live_server.url}/documents/")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "documents-list-phone")
    phone.locator(".doc-card__title").first.click()
    phone.wait_for_function("() => document.querySelector('.doc-preview__image').naturalWidth > 0")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "documents-detail-phone")


def test_other_household_gets_404_on_each_link(demo_archive, live_server, desktop):
    document = Document.objects.filter(customer__customer_number="100200300").first()
    person = document.insured_person
    log_in(desktop, live_server, "KPT87654321")
    for path in (f"/documents/?person={person.pk}", f"/documents/{document.pk}/",
                 f"/documents/{document.pk}/apercu.png",
                 f"/documents/{document.pk}/telecharger/"):
        response = desktop.request.get(f"{live_server.url}{path}")
        assert response.status == 404, path
    desktop.goto(f"{live_server.url}/documents/")
    assert "Muster" not in desktop.content()
