"""/share/ takes files without a login: bounded per address, for everybody, and by what is
held; and, for browsers without Sec-Fetch-Site, the Origin rules of Django's CSRF."""

import html
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from core import sharing
from core.buckets import Bucket
from core.models import SharedUpload
from documents.tests.factories import private_storage_follows_settings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _storage_follows_settings():
    with private_storage_follows_settings():
        yield


def jpeg(name="facture.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), "white").save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def share_from(address, count=10, **headers):
    """A fresh anonymous browser (a new session each time, as a script would) at ``address``."""
    client = Client(REMOTE_ADDR=address)
    response = client.post("/share/", {"files": [jpeg(f"f{i}.jpg") for i in range(count)]},
                           headers=headers)
    return response, client


def messages_of(client) -> str:
    return html.unescape(client.get("/login/").content.decode())


def test_one_address_cannot_store_files_without_limit():
    for _ in range(3):
        share_from("198.51.100.7")
    assert SharedUpload.objects.count() == sharing.FILES_PER_ADDRESS.capacity
    response, client = share_from("198.51.100.7")
    assert response.status_code == 302  # the customer's page, with the reason
    assert SharedUpload.objects.count() == sharing.FILES_PER_ADDRESS.capacity
    assert "trop de fichiers ont été partagés depuis cette connexion" in messages_of(client)
    share_from("203.0.113.9", count=1)  # another phone is not concerned
    assert SharedUpload.objects.count() == sharing.FILES_PER_ADDRESS.capacity + 1


def test_bytes_per_address_are_bounded_too(monkeypatch):
    monkeypatch.setattr(sharing, "BYTES_PER_ADDRESS",
                        Bucket("test-share-bytes", capacity=len(jpeg().read()) * 2.5,
                               period_seconds=3600))
    share_from("198.51.100.7", count=5)
    assert SharedUpload.objects.count() == 2


def test_everybody_together_is_bounded(monkeypatch):
    monkeypatch.setattr(sharing, "FILES_FOR_ALL", Bucket("test-share-all", capacity=4,
                                                         period_seconds=3600))
    for n in range(3):
        response, client = share_from(f"198.51.100.{n}", count=2)
    assert SharedUpload.objects.count() == 4
    assert "le partage est momentanément saturé" in messages_of(client)


def test_what_is_held_at_once_is_capped(monkeypatch):
    share_from("198.51.100.1", count=2)
    monkeypatch.setattr(sharing, "MAX_HELD_BYTES", sharing.held_bytes() + 10)
    response, client = share_from("198.51.100.2", count=1)
    assert SharedUpload.objects.count() == 2
    assert "saturé" in messages_of(client)


# --- Origin, when the browser sends no Sec-Fetch-Site ---------------------------------

def test_a_foreign_origin_is_refused_without_sec_fetch_site():
    response, _client = share_from("198.51.100.7", count=1, origin="https://evil.example")
    assert response.status_code == 400
    assert not SharedUpload.objects.exists()


def test_the_portals_own_origin_is_accepted_without_sec_fetch_site():
    response, _client = share_from("198.51.100.7", count=1, origin="http://testserver")
    assert response.status_code == 302 and SharedUpload.objects.count() == 1


def test_over_https_a_foreign_referer_is_refused_as_csrf_would(settings):
    settings.ALLOWED_HOSTS = ["portal.example"]
    client = Client(REMOTE_ADDR="198.51.100.7")
    foreign = client.post("/share/", {"files": [jpeg()]}, secure=True,
                          headers={"host": "portal.example",
                                   "referer": "https://evil.example/form"})
    assert foreign.status_code == 400
    own = client.post("/share/", {"files": [jpeg()]}, secure=True,
                      headers={"host": "portal.example",
                               "referer": "https://portal.example/claims/new/"})
    assert own.status_code == 302 and SharedUpload.objects.count() == 1
