import io
import json
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from audit.models import AuditEvent
from claims.models import Claim, ClaimPage, ClaimStatus
from claims.tests.factories import jpeg_bytes
from core.tests.samples import pdf_bytes

URL = reverse("claims:new")


def encrypted_pdf() -> bytes:
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt=StandardEncryption("secret", canPrint=0))
    pdf.drawString(72, 720, "Facture protégée")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def bomb_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, format="PNG")
    return buffer.getvalue()


def form_data(customer, *files, field="files", **extra):
    data = {"insured_person": customer.insured_persons.first().pk, "kind": "pharmacy_receipt",
            "note": "Pour Léo, merci", field: list(files)}
    data.update(extra)
    return data


@pytest.fixture
def no_intake():
    """Upload tests stop at the queue: the intake has its own tests."""
    with mock.patch("claims.services.queue_intake", return_value=True) as queued:
        yield queued


def test_upload_page_offers_the_camera_and_a_gallery_picker(customer_client):
    response = customer_client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'capture="environment"' in html
    assert html.count('type="file"') == 2
    assert html.count("multiple") >= 2
    assert "js/claims-upload.js" in html


def test_insured_person_choices_are_only_the_households(customer_client, customer,
                                                        other_customer):
    form = customer_client.get(URL).context["form"]
    assert set(form.fields["insured_person"].queryset) == set(customer.insured_persons.all())


def test_a_photo_is_stored_as_a_received_claim_and_queued_after_commit(
        customer_client, customer, no_intake, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = customer_client.post(URL, form_data(
            customer, SimpleUploadedFile("facture.jpg", jpeg_bytes())))
    claim = Claim.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("claims:detail", args=[claim.pk])
    assert (claim.customer, claim.status, claim.kind) == (customer, "received",
                                                          "pharmacy_receipt")
    assert claim.note == "Pour Léo, merci"
    assert claim.status_changes.get().status == ClaimStatus.RECEIVED
    page = claim.pages.get()
    assert page.content_type == "image/jpeg" and len(page.sha256) == 64
    assert page.file.read()[:3] == b"\xff\xd8\xff"
    assert "facture" not in page.file.name  # the customer's file name never reaches storage
    no_intake.assert_called_once_with(claim.pk)
    assert AuditEvent.objects.filter(kind="claims.changed", customer=customer).exists()


def test_several_files_from_both_pickers_become_ordered_pages(customer_client, customer,
                                                              no_intake):
    data = form_data(customer, SimpleUploadedFile("p2.pdf", pdf_bytes(2)))
    data["pages"] = [SimpleUploadedFile("p1.jpg", jpeg_bytes())]
    customer_client.post(URL, data)
    pages = list(Claim.objects.get().pages.all())
    assert [(p.original_name, p.page_count) for p in pages] == [("p1.jpg", 1), ("p2.pdf", 2)]


def test_an_iphone_heic_photo_is_stored_as_jpeg(customer_client, customer, no_intake):
    from claims.tests.factories import HEIC_PHOTO

    customer_client.post(URL, form_data(
        customer, SimpleUploadedFile("IMG_0001.HEIC", HEIC_PHOTO.read_bytes())))
    page = Claim.objects.get().pages.get()
    assert page.content_type == "image/jpeg"
    assert page.original_name == "IMG_0001.HEIC"


def test_xhr_upload_answers_json_with_the_claim_url(customer_client, customer, no_intake):
    response = customer_client.post(
        URL, form_data(customer, SimpleUploadedFile("a.jpg", jpeg_bytes())),
        headers={"X-Requested-With": "XMLHttpRequest"})
    body = response.json()
    assert body == {"ok": True, "redirect": reverse("claims:detail",
                                                    args=[Claim.objects.get().pk])}


def test_xhr_refusal_names_the_file_in_json(customer_client, customer, no_intake):
    response = customer_client.post(
        URL, form_data(customer, SimpleUploadedFile("vide.pdf", b"")),
        headers={"X-Requested-With": "XMLHttpRequest"})
    assert response.status_code == 400
    body = json.loads(response.content)
    assert body["ok"] is False
    assert body["file_errors"][0]["name"] == "vide.pdf"
    assert Claim.objects.count() == 0


def test_no_file_at_all_is_a_clear_error(customer_client, customer, no_intake):
    response = customer_client.post(URL, form_data(customer))
    assert response.status_code == 400
    assert "Ajoutez au moins une photo" in response.content.decode()


def test_another_households_insured_person_is_refused(customer_client, customer,
                                                     other_customer, no_intake):
    data = form_data(customer, SimpleUploadedFile("a.jpg", jpeg_bytes()),
                     insured_person=other_customer.insured_persons.first().pk)
    response = customer_client.post(URL, data)
    assert response.status_code == 400
    assert Claim.objects.count() == 0


HOSTILE = {
    "zip-renamed.pdf": (lambda: b"PK\x03\x04" + b"\x00" * 200, "type de fichier"),
    "bomb.png": (bomb_png, "trop grande"),
    "truncated.jpg": (lambda: jpeg_bytes((400, 400), "red")[:300], "illisible"),
    "locked.pdf": (encrypted_pdf, "mot de passe"),
    "empty.jpg": (lambda: b"", "vide"),
    "huge.pdf": (lambda: b"%PDF-1.4\n" + b"0" * (50 * 1024 * 1024), "dépasse 20"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_files_get_a_clear_message_naming_the_file_and_nothing_is_stored(
        customer_client, customer, no_intake, name, tmp_path):
    make, expected = HOSTILE[name]
    good = SimpleUploadedFile("good.jpg", jpeg_bytes())
    response = customer_client.post(URL, form_data(customer, good,
                                                   SimpleUploadedFile(name, make())))
    html = response.content.decode()
    assert response.status_code == 400
    assert f"« {name} »" in html
    assert expected in html
    assert "Pour Léo, merci" in html  # the note is kept
    assert 'value="pharmacy_receipt" ' in html and "checked" in html
    assert Claim.objects.count() == 0 and ClaimPage.objects.count() == 0
    assert not list((tmp_path / "private").rglob("*.*"))
    no_intake.assert_not_called()


def test_files_already_written_are_deleted_when_the_transaction_fails(
        customer_client, customer, no_intake, tmp_path):
    data = form_data(customer, SimpleUploadedFile("a.jpg", jpeg_bytes()),
                     SimpleUploadedFile("b.jpg", jpeg_bytes((30, 30))))
    real_save = ClaimPage.save
    calls = []

    def fail_on_second(self, *args, **kwargs):
        calls.append(self)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real_save(self, *args, **kwargs)

    with mock.patch.object(ClaimPage, "save", fail_on_second), \
            pytest.raises(RuntimeError):
        customer_client.post(URL, data)
    assert Claim.objects.count() == 0 and ClaimPage.objects.count() == 0
    assert not list((tmp_path / "private").rglob("*.jpg"))


def test_broker_down_still_stores_the_claim_and_the_customer_sees_success(
        customer_client, customer, django_capture_on_commit_callbacks, caplog):
    from kombu.exceptions import OperationalError

    with mock.patch("claims.tasks.run_intake.apply_async",
                    side_effect=OperationalError("Connection refused")), \
            django_capture_on_commit_callbacks(execute=True):
        response = customer_client.post(URL, form_data(
            customer, SimpleUploadedFile("a.jpg", jpeg_bytes())), follow=True)
    claim = Claim.objects.get()
    assert claim.status == ClaimStatus.RECEIVED
    assert "bien été reçu" in response.content.decode()
    assert "broker unavailable" in caplog.text


def test_anonymous_and_advisors_cannot_upload(client, advisor_client):
    assert client.get(URL).status_code == 302
    assert advisor_client.get(URL).status_code == 403
