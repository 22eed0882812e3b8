"""Files shared from the phone become pages of a claim on /claims/new/."""

from unittest import mock

import pytest
from django.urls import reverse

from claims.models import Claim
from core.models import SharedUpload
from core.tests.samples import pdf_bytes
from documents.tests.factories import private_storage_follows_settings
from pwa.tests.test_sharing import jpeg, share

URL = reverse("claims:new")


@pytest.fixture(autouse=True)
def _storage_and_no_intake():
    with private_storage_follows_settings(), \
            mock.patch("claims.services.queue_intake", return_value=True):
        yield


def claim_data(customer, **extra):
    data = {"insured_person": customer.insured_persons.first().pk, "kind": "doctor_invoice",
            "note": ""}
    data.update(extra)
    return data


def test_claim_form_shows_the_shared_files_ticked(customer_client):
    share(customer_client, jpeg("IMG_1.jpg"))
    row = SharedUpload.objects.get()
    html = customer_client.get(URL + "?shared=1").content.decode()
    assert "IMG_1.jpg" in html
    assert f'name="shared" value="{row.pk}" checked' in html
    assert reverse("pwa:shared_preview", args=[row.pk]) in html


def test_shared_files_become_the_pages_of_the_claim(customer_client, customer):
    share(customer_client, jpeg("p1.jpg"), jpeg("p2.jpg"))
    ids = list(SharedUpload.objects.values_list("pk", flat=True))
    response = customer_client.post(URL, claim_data(customer, shared=ids))
    claim = Claim.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/claims/{claim.pk}/"
    assert claim.customer == customer
    assert [page.original_name for page in claim.pages.order_by("order")] == ["p1.jpg", "p2.jpg"]
    assert not SharedUpload.objects.exists()


def test_shared_files_join_the_photos_taken_on_the_page(customer_client, customer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    share(customer_client, jpeg("shared.jpg"))
    taken = SimpleUploadedFile("scan.pdf", pdf_bytes(), content_type="application/pdf")
    customer_client.post(URL, claim_data(customer, files=[taken],
                                         shared=[SharedUpload.objects.get().pk]))
    names = [page.original_name for page in Claim.objects.get().pages.order_by("order")]
    assert names == ["shared.jpg", "scan.pdf"]


def test_an_unticked_shared_file_stays_out_of_the_claim(customer_client, customer):
    share(customer_client, jpeg("keep.jpg"), jpeg("drop.jpg"))
    keep, drop = SharedUpload.objects.all()
    customer_client.post(URL, claim_data(customer, shared=[keep.pk]))
    assert [p.original_name for p in Claim.objects.get().pages.all()] == ["keep.jpg"]
    assert list(SharedUpload.objects.all()) == [drop]


def test_another_sessions_shared_file_cannot_be_attached(customer_client, other_client,
                                                         other_customer):
    share(customer_client, jpeg())
    theirs = SharedUpload.objects.get()
    response = other_client.post(URL, claim_data(other_customer, shared=[theirs.pk]))
    assert response.status_code == 400
    assert not Claim.objects.exists()
    assert SharedUpload.objects.filter(pk=theirs.pk).exists()


def test_shared_preview_is_for_the_session_that_shared(customer_client, other_client):
    share(customer_client, jpeg())
    url = reverse("pwa:shared_preview", args=[SharedUpload.objects.get().pk])
    response = customer_client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"\xff\xd8\xff")
    assert other_client.get(url).status_code == 404


def test_a_resent_upload_makes_one_claim_and_gets_the_same_answer(customer_client, customer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    def send():
        page = SimpleUploadedFile("a.pdf", pdf_bytes(), content_type="application/pdf")
        return customer_client.post(URL, claim_data(customer, files=[page],
                                                    upload_once="7d1f0c1e-retry-test"),
                                    headers={"X-Requested-With": "XMLHttpRequest"})

    first, second = send(), send()
    claim = Claim.objects.get()
    assert first.json() == second.json() == {"ok": True, "redirect": f"/claims/{claim.pk}/"}


def test_different_upload_ids_make_different_claims(customer_client, customer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    for token in ("first-upload-1", "second-upload-2"):
        page = SimpleUploadedFile("a.pdf", pdf_bytes(), content_type="application/pdf")
        customer_client.post(URL, claim_data(customer, files=[page], upload_once=token))
    assert Claim.objects.count() == 2
