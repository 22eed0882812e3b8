"""The claim upload as a phone app, in Chromium: a photo shared from the phone becomes a
claim (also through the login), several camera photos with remove and re-take, a 12-MP photo
shrunk before it is sent, and an upload that resumes when the connection comes back."""

import io
import re
from unittest import mock

import pytest
from PIL import Image
from playwright.sync_api import expect

from claims.models import Claim
from conftest import sms_household
from core.models import SharedUpload
from documents.tests.factories import private_storage_follows_settings
from tests.e2e.conftest import screenshot
from tests.e2e.portal_login import log_in_page
from tests.e2e.test_pwa import log_in_through_the_form, share_from_the_phone

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def household(_private_storage_in_tmp):
    with private_storage_follows_settings(), \
            mock.patch("claims.services.queue_intake", return_value=True):
        yield sms_household()


def photo(size=(3000, 4000), colour="white", text="") -> bytes:
    from PIL import ImageDraw

    image = Image.new("RGB", size, colour)
    ImageDraw.Draw(image).text((50, 50), text, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def camera_photo(seed: int) -> bytes:
    """A 12-MP photo as heavy as a phone's (sensor noise): over the 1 MB shrinking threshold."""
    import numpy as np

    rng = np.random.default_rng(seed)
    pixels = np.clip(235 + rng.normal(0, 9, (4000, 3000, 1)), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(np.repeat(pixels, 3, axis=2)).save(buffer, format="JPEG", quality=85)
    assert len(buffer.getvalue()) > 1_000_000
    return buffer.getvalue()


def file_payload(name: str, data: bytes) -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": data}


def settle(page):
    """Let the claim page finish loading its previews before the test's database goes."""
    page.wait_for_load_state("networkidle")


def send_claim(page):
    page.get_by_role("button", name="Envoyer", exact=True).click()
    page.wait_for_url(re.compile(r".*/claims/\d+/$"))
    settle(page)
    return Claim.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[-1]))


def test_shared_photo_becomes_a_claim_after_the_login(phone, live_server, household):
    phone.goto(f"{live_server.url}/login/")
    response = share_from_the_phone(phone, live_server, photo((600, 800)))
    phone.goto(f"{live_server.url}{response.headers['location']}")
    log_in_through_the_form(phone)
    phone.wait_for_url(re.compile(r".*/claims/new/\?shared=1$"))
    shared = phone.locator("[data-shared-uploads]")
    expect(shared.get_by_text("IMG_2041.jpg")).to_be_visible()
    assert shared.locator("input[name=shared]").is_checked()
    expect(phone.locator(".upload-previews__empty")).to_be_hidden()
    phone.wait_for_function("() => [...document.querySelectorAll('[data-shared-uploads] img')]"
                            ".every(i => i.complete && i.naturalWidth > 0)")
    screenshot(phone, "pwa-shared-claim-new-phone")
    claim = send_claim(phone)
    assert claim.customer == household
    assert [p.original_name for p in claim.pages.all()] == ["IMG_2041.jpg"]
    assert not SharedUpload.objects.exists()


def test_shared_photos_of_a_logged_in_customer_become_a_claim(desktop, live_server,
                                                              household):
    log_in_page(desktop, live_server, household.account)
    desktop.goto(f"{live_server.url}/")
    response = desktop.request.post(f"{live_server.url}/share/", multipart={
        "files": file_payload("page-1.jpg", photo((600, 800), colour="#e8eef3")),
    })  # follows the redirect like the browser would
    assert response.url == f"{live_server.url}/claims/new/?shared=1"
    desktop.goto(response.url)
    desktop.wait_for_function("() => [...document.querySelectorAll('[data-shared-uploads] img')]"
                              ".every(i => i.complete && i.naturalWidth > 0)")
    screenshot(desktop, "pwa-shared-claim-new-desktop")
    claim = send_claim(desktop)
    assert [p.original_name for p in claim.pages.all()] == ["page-1.jpg"]


def test_several_camera_photos_with_remove_and_retake(phone, live_server, household):
    log_in_page(phone, live_server, household.account)
    phone.goto(f"{live_server.url}/claims/new/")
    camera = phone.locator("#id_pages")
    heavy = camera_photo(1)
    for n in (1, 2, 3):
        camera.set_input_files(files=[file_payload(f"page-{n}.jpg", heavy)])
        expect(phone.locator(".upload-preview")).to_have_count(n)
    expect(phone.get_by_text("Photographier la page suivante")).to_be_visible()
    screenshot(phone, "pwa-camera-three-pages-phone")
    # Shrunk on the phone before anything is sent: 3000 x 4000 -> 1800 x 2400 JPEG.
    names = phone.locator(".upload-preview__name").all_inner_texts()
    assert names == ["1. page-1.jpg", "2. page-2.jpg", "3. page-3.jpg"]
    phone.get_by_role("button", name="Retirer page-2.jpg").click()
    expect(phone.locator(".upload-preview")).to_have_count(2)
    with phone.expect_file_chooser() as chooser:
        phone.get_by_role("button", name="Reprendre page-1.jpg").click()
    chooser.value.set_files(files=[file_payload("again.jpg", camera_photo(2))])
    phone.wait_for_function("() => document.querySelector('.upload-preview__name')"
                            ".textContent.includes('again.jpg')")
    claim = send_claim(phone)
    pages = list(claim.pages.order_by("order"))
    assert [p.original_name for p in pages] == ["again.jpg", "page-3.jpg"]
    for page in pages:
        with page.file.open("rb") as handle, Image.open(handle) as image:
            assert image.size == (1800, 2400)


def test_upload_resumes_when_the_connection_comes_back(phone, live_server, household):
    log_in_page(phone, live_server, household.account)
    phone.goto(f"{live_server.url}/claims/new/")
    phone.locator("#id_pages").set_input_files(files=[file_payload("p.jpg", photo((600, 800)))])
    phone.wait_for_selector(".upload-preview")
    phone.context.set_offline(True)
    phone.get_by_role("button", name="Envoyer", exact=True).click()
    phone.wait_for_function("() => document.querySelector('[data-upload-progress-label]')"
                            ".textContent.includes('Connexion interrompue')")
    screenshot(phone, "pwa-upload-waiting-for-network-phone")
    assert not Claim.objects.exists()
    phone.context.set_offline(False)
    phone.wait_for_url(re.compile(r".*/claims/\d+/$"))
    settle(phone)
    assert Claim.objects.count() == 1


def test_a_twelve_megapixel_photo_is_shrunk_before_it_is_sent(phone, live_server, household):
    """The phone sends the photo at the long edge the OCR still reads as well, a fraction of
    the bytes (``bench.phone_photo`` measures fields, bytes and time on a slow line)."""
    original = camera_photo(7)
    log_in_page(phone, live_server, household.account)
    results = {}
    # The pre-read of the chosen page would OCR 12 megapixels: not what is tested here.
    with mock.patch("claims.prereads.start", return_value=None):
        for mode in ("off", "on"):
            phone.goto(f"{live_server.url}/claims/new/")
            phone.evaluate(f"document.querySelector('form[data-claim-upload]')"
                           f".setAttribute('data-shrink', '{mode}')")
            phone.locator("#id_pages").set_input_files(
                files=[file_payload("IMG_4000x3000.jpg", original)])
            phone.wait_for_selector(".upload-preview")
            with phone.expect_request(lambda r: r.method == "POST"
                                      and r.url.endswith("/claims/new/")) as posted:
                claim = send_claim(phone)
            with claim.pages.get().file.open("rb") as handle:
                size = Image.open(io.BytesIO(handle.read())).size
            results[mode] = (int(posted.value.header_value("content-length")), size)
    (sent_off, size_off), (sent_on, size_on) = results["off"], results["on"]
    assert max(size_on) == 2400 and max(size_off) == 4000
    assert sent_on * 2 < sent_off
