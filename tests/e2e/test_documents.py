"""The archive in Chromium: the demo household finds, filters, previews and downloads; the
other household gets 404 on each of those links. Screenshots on phone and desktop."""

import re
from datetime import datetime

import pytest

from accounts.models import User
from documents import demo as documents_demo
from documents.models import Document, DocumentType
from documents.tests.factories import private_storage_follows_settings
from tests.e2e.conftest import screenshot
from tests.e2e.layout import no_horizontal_scroll
from tests.e2e.portal_login import log_in_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_archive(seeded_demo):
    with private_storage_follows_settings():
        yield


def card_dates(page):
    return [datetime.strptime(text, "%d.%m.%Y") for text in
            page.locator(".doc-card__date time").all_inner_texts()]


def test_household_finds_filters_previews_and_downloads(demo_archive, live_server, phone,
                                                        desktop):
    for page in (phone, desktop):
        log_in_page(page, live_server, User.objects.get(username="KPT12345678"))
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
        # The filtered list is a new page: read its cards once it has loaded, not the old ones.
        page.wait_for_url(re.compile(rf"[?&]type={kind.value}(&|$)"))
        types = page.locator(".doc-card").evaluate_all("els => els.map(e => e.dataset.type)")
        assert types and set(types) == {kind.value}, kind

    # Filter by the child and a year.
    page.goto(f"{live_server.url}/documents/")
    page.locator("summary.doc-filters__summary").click()
    page.select_option("#id_person", label="Léo Muster")
    page.select_option("#id_year", index=2)
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url(re.compile(r"[?&]person=\d+"))
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
    assert no_horizontal_scroll(phone)
    screenshot(phone, "documents-list-phone")
    phone.locator(".doc-card__title").first.click()
    # The preview loads lazily, below the invoice's figures: scroll to it as a reader does.
    phone.locator(".doc-preview__image").scroll_into_view_if_needed()
    phone.wait_for_function("() => document.querySelector('.doc-preview__image').naturalWidth > 0")
    assert no_horizontal_scroll(phone)
    screenshot(phone, "documents-detail-phone")


def test_other_household_gets_404_on_each_link(demo_archive, live_server, desktop):
    document = Document.objects.filter(customer__customer_number="100200300").first()
    person = document.insured_person
    log_in_page(desktop, live_server, User.objects.get(username="KPT87654321"))
    for path in (f"/documents/?person={person.pk}", f"/documents/{document.pk}/",
                 f"/documents/{document.pk}/apercu.png",
                 f"/documents/{document.pk}/telecharger/"):
        response = desktop.request.get(f"{live_server.url}{path}")
        assert response.status == 404, path
    desktop.goto(f"{live_server.url}/documents/")
    assert "Muster" not in desktop.content()


def test_household_reads_and_asks_for_its_tax_certificates(seeded_demo, live_server, phone,
                                                            desktop):
    from datetime import date

    from accounts.models import Customer
    from documents.models import TaxCertificate
    from documents.tests.factories import make_premium_invoice

    customer = Customer.objects.get(customer_number="100200300")
    # An older year whose payments are in the archive but whose certificate was never made.
    older = documents_demo.first_year(date.today()) - 1
    make_premium_invoice(customer.policy_holder, date(older, 12, 1), paid_on=date(older, 12, 20))
    for page in (phone, desktop):
        log_in_page(page, live_server, User.objects.get(username="KPT12345678"))

    page = desktop
    page.goto(f"{live_server.url}/documents/")
    page.get_by_role("link", name="Attestations fiscales").click()
    page.wait_for_url(re.compile(r"/documents/attestations-fiscales/$"))
    assert page.locator("h1").inner_text() == "Attestations fiscales"
    screenshot(page, "tax-certificates-desktop")

    # The older year: asked for, answered at once, then there (the task ran meanwhile).
    page.get_by_role("button", name=f"Préparer l'attestation {older}").click()
    page.wait_for_url(re.compile(r"/documents/attestations-fiscales/$"))
    flash = page.locator(".flash").inner_text()
    assert f"Nous préparons votre attestation fiscale {older}" in flash
    assert TaxCertificate.objects.filter(customer=customer, year=older).exists()

    # Last year's: the figures as data, the same as in its PDF.
    last = date.today().year - 1
    page.get_by_role("link", name=f"Voir l'attestation {last}").click()
    page.wait_for_url(re.compile(r"/documents/\d+/$"))
    assert page.locator("h1").inner_text() == f"Attestation fiscale {last}"
    assert page.locator(".tax-certificate .premium-invoice__total").count() == 2
    page.locator(".doc-preview__image").scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('.doc-preview__image').naturalWidth > 0")
    screenshot(page, "tax-certificate-detail-desktop")

    # The search finds them by their type's name, in French or in German.
    page.goto(f"{live_server.url}/documents/?q=Steuerbescheinigung")
    types = page.locator(".doc-card").evaluate_all("els => els.map(e => e.dataset.type)")
    assert types and set(types) == {"tax_certificate"}

    phone.goto(f"{live_server.url}/documents/attestations-fiscales/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "tax-certificates-phone")
    phone.get_by_role("link", name=f"Voir l'attestation {last}").click()
    phone.wait_for_url(re.compile(r"/documents/\d+/$"))
    # 390: a wider page would widen a phone's layout viewport (innerWidth) along with it.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.locator(".doc-preview__image").scroll_into_view_if_needed()
    phone.wait_for_function("() => document.querySelector('.doc-preview__image').naturalWidth > 0")
    screenshot(phone, "tax-certificate-detail-phone")
