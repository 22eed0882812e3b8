"""The customer's activity log and data export in Chromium, on a phone and a desktop."""

import zipfile

import pytest

from accounts import demo as accounts_demo
from accounts import events as account_events
from accounts.models import User
from audit import log as audit
from audit.models import AuditEvent
from documents import events as document_events
from tests.e2e.conftest import screenshot
from tests.e2e.layout import no_horizontal_scroll
from tests.e2e.portal_login import log_in_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def anna():
    accounts_demo.seed()
    user = User.objects.get(username="KPT12345678")
    advisor = User.objects.get(username="advisor")
    audit.record(account_events.LOGIN_FAILED, username=user.username, user=user)
    audit.record(account_events.PROFILE_CHANGED, user=user, fields=["email", "address"])
    audit.record(document_events.VIEWED, user=user, actor=advisor, document=1, via="admin")
    audit.record(document_events.DOWNLOADED, user=user, document=1)
    return user


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_activity_page(request, live_server, anna, viewport):
    page = log_in_page(request.getfixturevalue(viewport), live_server, anna)
    page.goto(f"{live_server.url}/profile/activity/")
    assert page.locator("h1").inner_text() == "Activité de mon compte"
    text = page.locator("main").inner_text()
    assert "Votre conseiller·ère KPT" in text and "Échec de connexion" in text
    assert no_horizontal_scroll(page)
    screenshot(page, f"privacy-activity-{viewport}")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_request_and_download_the_export(request, live_server, anna, viewport, tmp_path):
    page = log_in_page(request.getfixturevalue(viewport), live_server, anna)
    page.goto(f"{live_server.url}/profile/")
    page.get_by_role("link", name="Exporter mes données").click()
    page.get_by_role("button", name="Demander un export").click()
    page.wait_for_load_state("load")
    assert no_horizontal_scroll(page)
    screenshot(page, f"privacy-export-{viewport}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le ZIP").click()
    path = tmp_path / "export.zip"
    download.value.save_as(path)
    assert "data.json" in zipfile.ZipFile(path).namelist()
    assert AuditEvent.objects.filter(kind="exports.downloaded", user=anna).exists()
