"""Files shared from the phone (Web Share Target): held encrypted, for the session only."""

import datetime as dt
import io

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from conftest import log_in_verified
from core import sharing
from core.models import SharedUpload
from documents.tests.factories import private_storage_follows_settings


@pytest.fixture(autouse=True)
def _storage_follows_settings():
    with private_storage_follows_settings():
        yield


def jpeg(name="facture.jpg", size=(60, 80)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def share(client, *files, **headers):
    return client.post("/share/", {"files": list(files), "title": "x", "text": "y"},
                       headers=headers)


def test_share_holds_the_files_and_opens_the_claim_form(customer_client):
    response = share(customer_client, jpeg(), jpeg("page2.jpg"))
    assert response.status_code == 302
    assert response["Location"] == "/claims/new/?shared=1"
    held = SharedUpload.objects.all()
    assert [row.name for row in held] == ["facture.jpg", "page2.jpg"]
    assert customer_client.session[sharing.SESSION_KEY] == [row.pk for row in held]


def test_shared_files_are_stored_encrypted(customer_client):
    share(customer_client, jpeg())
    row = SharedUpload.objects.get()
    with storages["default"].open(row.file.name, "rb") as raw:
        assert not raw.read().startswith(b"\xff\xd8\xff")
    assert sharing.read_upload(row).data.startswith(b"\xff\xd8\xff")


def test_share_needs_no_csrf_token(customer):
    client = log_in_verified(Client(enforce_csrf_checks=True), customer.account)
    assert share(client, jpeg()).status_code == 302
    assert SharedUpload.objects.count() == 1


def test_share_posted_by_another_site_is_refused(customer_client):
    response = share(customer_client, jpeg(), sec_fetch_site="cross-site")
    assert response.status_code == 400
    assert not SharedUpload.objects.exists()


def test_share_from_the_share_sheet_is_accepted(customer_client):
    assert share(customer_client, jpeg(), sec_fetch_site="none").status_code == 302
    assert SharedUpload.objects.count() == 1


def test_share_takes_files_only_by_post_and_a_get_opens_the_claim_form(customer_client):
    response = customer_client.get("/share/")
    assert response.status_code == 302 and response["Location"] == "/claims/new/"
    assert not SharedUpload.objects.exists()
    assert customer_client.put("/share/").status_code == 405


def test_share_refuses_a_file_that_is_not_a_photo_or_pdf(customer_client):
    fake = SimpleUploadedFile("virus.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    response = share(customer_client, fake, jpeg())
    assert response.status_code == 302
    assert [row.name for row in SharedUpload.objects.all()] == ["facture.jpg"]
    shown = [str(m) for m in customer_client.get("/").context["messages"]]
    assert any("virus.jpg" in text for text in shown)


def test_share_holds_ten_files_at_most(customer_client):
    share(customer_client, *[jpeg(f"p{i}.jpg") for i in range(12)])
    assert SharedUpload.objects.count() == sharing.MAX_SHARED_FILES


def test_share_without_a_login_keeps_the_files_through_the_login(client, customer):
    response = share(client, jpeg())
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/claims/new/%3Fshared%3D1"
    before = client.session.session_key
    log_in_verified(client, customer.account)  # login() changes the session key
    assert client.session.session_key != before
    assert list(client.session[sharing.SESSION_KEY]) == [SharedUpload.objects.get().pk]


class FakeRequest:
    def __init__(self, client):
        self.session = client.session


def test_another_session_cannot_take_the_held_files(customer_client, other_client):
    share(customer_client, jpeg())
    row = SharedUpload.objects.get()
    intruder = FakeRequest(other_client)
    assert not sharing.held_uploads(intruder).filter(pk=row.pk).exists()
    sharing.discard(intruder, [row.pk])
    assert SharedUpload.objects.filter(pk=row.pk).exists()


def test_held_files_are_read_in_order_then_discarded(customer_client):
    share(customer_client, jpeg(), jpeg("b.jpg"))
    request = FakeRequest(customer_client)
    held = list(sharing.held_uploads(request))
    taken = sharing.read_uploads(held)
    assert [name for name, _upload in taken] == ["facture.jpg", "b.jpg"]
    assert taken[0][1].content_type == "image/jpeg" and taken[0][1].page_count == 1
    sharing.discard(request, [row.pk for row in held])
    assert not SharedUpload.objects.exists()
    assert sharing.SESSION_KEY not in request.session


def test_expired_files_are_no_longer_offered(customer_client):
    share(customer_client, jpeg())
    SharedUpload.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert not sharing.held_uploads(FakeRequest(customer_client)).exists()


def test_purge_deletes_expired_files_and_keeps_fresh_ones(customer_client):
    share(customer_client, jpeg("old.jpg"), jpeg("new.jpg"))
    old, new = SharedUpload.objects.all()
    SharedUpload.objects.filter(pk=old.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1))
    from core.tasks import purge_shared_uploads

    assert purge_shared_uploads.delay().get() == 1
    assert list(SharedUpload.objects.all()) == [new]
    assert not storages["private"].exists(old.file.name)
    assert storages["private"].exists(new.file.name)


def test_shares_are_held_thirty_minutes(customer_client):
    share(customer_client, jpeg())
    row = SharedUpload.objects.get()
    assert row.expires_at - row.created_at == pytest.approx(dt.timedelta(minutes=30),
                                                            abs=dt.timedelta(seconds=5))


def test_logout_drops_the_held_files(customer_client):
    share(customer_client, jpeg())
    name = SharedUpload.objects.get().file.name
    customer_client.post("/logout/")
    assert not SharedUpload.objects.exists()
    assert not storages["private"].exists(name)


def test_purge_runs_on_a_schedule():
    import core.tasks  # noqa: F401  (adds its periodic jobs, as the worker's autodiscovery does)
    from core.celery import app

    entry = app.conf.beat_schedule["core.purge_shared_uploads"]
    assert entry["task"] == "core.tasks.purge_shared_uploads"
    assert entry["schedule"] <= 10 * 60


def test_shared_pdf_keeps_its_page_count(customer_client):
    from core.tests.samples import pdf_bytes

    pdf = SimpleUploadedFile("facture.pdf", pdf_bytes(pages=3), content_type="application/pdf")
    share(customer_client, pdf)
    row = SharedUpload.objects.get()
    assert (row.content_type, row.page_count) == ("application/pdf", 3)


def test_manifest_lists_the_share_target_this_view_answers(client, db):
    from django.urls import resolve

    action = client.get("/manifest.webmanifest").json()["share_target"]["action"]
    assert resolve(action).url_name == "share"
