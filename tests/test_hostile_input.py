"""Hostile input through the real views: uploads, forms, headers.

Each case: no 500, nothing half-stored, and what is stored or shown is safe.
"""

import html
import io
import re
import zipfile
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from accounts.models import Customer, User
from accounts.tests.factories import TEST_PASSWORD
from audit.models import AuditEvent
from conftest import log_in_verified
from core.tests.samples import pdf_bytes
from messaging.models import Attachment, LoginHelpRequest, Message, Thread
from messaging.tests.factories import ThreadFactory
from tests.security_support import (
    _document_storage,  # noqa: F401 - fixture
    marker_pdf,
)

pytestmark = pytest.mark.django_db

NEW = reverse("messaging:new")
SCRIPT = '<script>alert("xss")</script>'
LOGIN_STEP = "portal_login_view-current_step"


def jpeg_bytes(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<html><script>evil()</script></html>")
    return buffer.getvalue()


def send(client, name, content, content_type="application/octet-stream", **fields):
    data = {"subject": "Pièce jointe", "body": "Voir fichier.", **fields}
    data["attachments"] = [SimpleUploadedFile(name, content, content_type=content_type)]
    return client.post(NEW, data)


def assert_refused_and_nothing_stored(response):
    assert response.status_code == 200, response.status_code  # the form again, not a 500
    assert response.context["form"].errors
    assert Thread.objects.count() == 0 and Message.objects.count() == 0
    assert Attachment.objects.count() == 0


# --- Uploads (messaging attachments) -------------------------------------------------

def test_decompression_bomb_png_is_refused(customer_client):
    buffer = io.BytesIO()
    Image.new("1", (9000, 9000)).save(buffer, format="PNG")  # 81 MP, a few KB on the wire
    response = send(customer_client, "scan.png", buffer.getvalue(), "image/png")
    assert_refused_and_nothing_stored(response)
    assert "60 mégapixels" in response.text


def test_zip_bomb_renamed_pdf_is_refused(customer_client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\0" * 20_000_000)
    assert_refused_and_nothing_stored(
        send(customer_client, "facture.pdf", buffer.getvalue(), "application/pdf"))


@pytest.mark.parametrize("appended", [zip_bytes(), b"<html><script>evil()</script></html>"],
                         ids=["jpeg+zip", "jpeg+html"])
def test_polyglot_jpeg_is_stored_re_encoded_without_the_payload(customer_client, appended):
    response = send(customer_client, "photo.jpg", jpeg_bytes() + appended, "image/jpeg")
    assert response.status_code == 302
    stored = Attachment.objects.get().file.open("rb").read()
    assert stored.startswith(b"\xff\xd8\xff")
    assert b"PK\x03\x04" not in stored and b"<script" not in stored


@pytest.mark.parametrize("name,content,content_type", [
    ("facture.pdf", b"<html><body><script>evil()</script></body></html>", "application/pdf"),
    ("photo.jpg", b"MZ\x90\x00\x03" + b"\0" * 200, "image/jpeg"),
    ("dessin.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>evil()</script></svg>',
     "image/svg+xml"),
    ("page.html", b"<!doctype html><script>evil()</script>", "text/html"),
    ("facture.pdf", b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) "
                    b">> >> endobj\n%%EOF", "application/pdf"),
    ("facture.pdf", b"%PDF-1.7 truncated", "application/pdf"),
], ids=["html-renamed-pdf", "exe-renamed-jpg", "svg-with-script", "html", "pdf-javascript",
        "broken-pdf"])
def test_disguised_and_active_files_are_refused(customer_client, name, content, content_type):
    assert_refused_and_nothing_stored(send(customer_client, name, content, content_type))


@pytest.mark.parametrize("name", [
    "../../../../etc/passwd.pdf",
    "..\\..\\windows\\system32\\facture.pdf",
    "facture\x00.html.pdf",
    "rechnung\u202efdp.exe",  # RTL override: displays as rechnungexe.pdf
    "fac\u200bture\u200d.pdf",  # zero-width characters
    "/absolute/path.pdf",
    "." * 300 + ".pdf",
    "con.pdf",
    "<script>alert(1)</script>.pdf",
])
def test_client_file_names_are_never_used_unsanitised(customer_client, name):
    response = send(customer_client, name, pdf_bytes(), "application/pdf")
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    for stored in (attachment.file.name, attachment.filename):
        assert ".." not in stored
        assert "\x00" not in stored and "\u202e" not in stored and "\u200b" not in stored
        assert "\\" not in stored and "<" not in stored
    assert "/" not in attachment.filename and not attachment.filename.startswith(".")
    assert attachment.file.name.startswith("messages/")
    assert attachment.filename.endswith(".pdf")
    thread_page = customer_client.get(response["Location"])
    assert "<script>alert(1)" not in thread_page.text


def test_file_over_20_mb_is_refused_with_a_message(customer_client):
    big = b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024 + 10)
    response = send(customer_client, "gros.pdf", big, "application/pdf")
    assert_refused_and_nothing_stored(response)
    assert "20 Mo" in response.text


def test_empty_file_is_refused(customer_client):
    assert_refused_and_nothing_stored(send(customer_client, "vide.pdf", b"", "application/pdf"))


def test_too_many_files_are_refused(customer_client):
    files = [SimpleUploadedFile(f"f{i}.pdf", pdf_bytes(), content_type="application/pdf")
             for i in range(6)]
    response = customer_client.post(NEW, {"subject": "x", "body": "y", "attachments": files})
    assert_refused_and_nothing_stored(response)


def test_one_bad_file_among_good_ones_stores_nothing(customer_client):
    files = [SimpleUploadedFile("ok.pdf", pdf_bytes(), content_type="application/pdf"),
             SimpleUploadedFile("bad.pdf", b"not a pdf", content_type="application/pdf")]
    response = customer_client.post(NEW, {"subject": "x", "body": "y", "attachments": files})
    assert_refused_and_nothing_stored(response)


def test_body_over_the_request_size_limit_answers_400_not_500(customer_client, settings):
    response = customer_client.post(NEW, {"subject": "x",
                                          "body": "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    assert response.status_code == 400
    assert Thread.objects.count() == 0


def test_reply_with_bad_attachment_stores_no_message(customer_client, customer):
    thread = ThreadFactory(customer=customer)
    url = reverse("messaging:thread", args=[thread.pk])
    response = customer_client.post(url, {"body": "Voici", "attachments": [
        SimpleUploadedFile("x.pdf", b"<html>", content_type="application/pdf")]})
    assert response.status_code == 200 and response.context["form"].errors
    assert thread.messages.count() == 0


# --- Forms: overlong fields, unicode tricks, NUL bytes ----------------------------------

LONG = "A" * 100_000


def login_post(username, password=TEST_PASSWORD, client=None):
    return (client or Client()).post(reverse("accounts:login"), {
        LOGIN_STEP: "auth", "auth-username": username, "auth-password": password})


@pytest.mark.parametrize("username", [
    LONG, "KPT\x0012345678", "КРТ12345678",  # Cyrillic К, Р, Т: homoglyphs of KPT
    "KPT1234\u200b5678", "\u202eKPT12345678", "KPT12345678' OR '1'='1", SCRIPT,
    "ＫＰＴ１２３４５６７８",  # full-width
], ids=["overlong", "nul", "homoglyph", "zero-width", "rtl", "sql", "script", "fullwidth"])
def test_login_with_tricky_contract_numbers_never_logs_in_nor_500s(login_household, username):
    response = login_post(username)
    assert response.status_code in (200, 403, 429)
    assert "_auth_user_id" not in response.client.session
    assert SCRIPT not in response.text


@pytest.mark.parametrize("password", [LONG, "pass\x00word", SCRIPT])
def test_login_with_hostile_passwords_fails_cleanly(login_household, password):
    response = login_post("KPT12345678", password)
    assert response.status_code in (200, 403, 429)
    assert "_auth_user_id" not in response.client.session


PUBLIC_FORMS = {
    "accounts:register": {"customer_number": LONG, "birth_date": LONG, "postcode": LONG},
    "accounts:activate": {"contract_number": LONG, "activation_code": LONG,
                          "mobile_phone": LONG, "new_password1": LONG, "new_password2": LONG},
    "accounts:password_reset": {"contract_number": LONG, "birth_date": LONG},
    "messaging:login_help": {"name": LONG, "contract_number": LONG, "birth_date": LONG,
                             "phone": LONG, "description": LONG},
}


@pytest.mark.parametrize("name", sorted(PUBLIC_FORMS))
@pytest.mark.parametrize("trick", ["overlong", "nul", "rtl-zero-width"])
def test_public_forms_refuse_hostile_values_without_500(client, name, trick):
    data = PUBLIC_FORMS[name]
    if trick == "nul":
        data = {key: "12\x0034" for key in data}
    elif trick == "rtl-zero-width":
        data = {key: "\u202e1234\u200b5678\u200d" for key in data}
    before = (User.objects.count(), LoginHelpRequest.objects.count(),
              AuditEvent.objects.filter(kind="accounts.registration").count())
    response = client.post(reverse(name), data)
    assert response.status_code in (200, 400, 429)
    assert (User.objects.count(), LoginHelpRequest.objects.count(),
            AuditEvent.objects.filter(kind="accounts.registration").count()) == before


def test_login_help_keeps_script_as_text_for_the_advisor(client, advisor_admin_client):
    response = client.post(reverse("messaging:login_help"), {
        "name": SCRIPT, "contract_number": "KPT12345678", "birth_date": "01.02.1980",
        "phone": "079 123 45 67", "description": f"Bonjour {SCRIPT} \u202eevil"})
    assert response.status_code == 302
    request = LoginHelpRequest.objects.get()
    for url in (reverse("admin:messaging_loginhelprequest_changelist"),
                reverse("admin:messaging_loginhelprequest_change", args=[request.pk])):
        page = advisor_admin_client.get(url)
        assert page.status_code == 200
        assert SCRIPT not in page.text


def test_message_subject_and_body_are_escaped_for_customer_and_advisor(
        customer_client, customer):
    advisor_admin_client = log_in_verified(Client(), customer.advisor)  # the login_household's own
    response = customer_client.post(NEW, {"subject": SCRIPT, "body": f"{SCRIPT}\n\u202ebody"})
    assert response.status_code == 302
    thread = Thread.objects.get()
    pages = [customer_client.get(response["Location"]),
             customer_client.get(reverse("messaging:inbox")),
             advisor_admin_client.get(reverse("admin:messaging_thread_changelist")),
             advisor_admin_client.get(reverse("admin:messaging_thread_change",
                                               args=[thread.pk]))]
    for page in pages:
        assert page.status_code == 200
        assert SCRIPT not in page.text
        assert "&lt;script&gt;" in page.text


def test_overlong_message_fields_are_refused(customer_client):
    response = customer_client.post(NEW, {"subject": "s" * 151, "body": "b" * 5001})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"subject", "body"}
    assert Thread.objects.count() == 0


def test_nul_byte_in_message_is_refused(customer_client):
    response = customer_client.post(NEW, {"subject": "a\x00b", "body": "c\x00d"})
    assert response.status_code == 200 and response.context["form"].errors
    assert Thread.objects.count() == 0


PROFILE_FORMS = {
    "accounts:profile_address": {"street": LONG, "postcode": LONG, "locality": LONG,
                                 "effective_on": LONG},
    "accounts:profile_contact": {"email": LONG, "landline_phone": LONG},
    "accounts:profile_preferences": {"language": LONG, "correspondence": LONG,
                                     "notify_channel": LONG},
    "accounts:profile_mobile": {"mobile_phone": LONG, "password": LONG},
}


@pytest.mark.parametrize("name", sorted(PROFILE_FORMS))
@pytest.mark.parametrize("trick", ["overlong", "nul"])
def test_profile_forms_refuse_hostile_values_and_change_nothing(customer_client, customer,
                                                                name, trick):
    data = PROFILE_FORMS[name]
    if trick == "nul":
        data = {key: "ab\x00cd" for key in data}
    before = Customer.objects.filter(pk=customer.pk).values().get()
    response = customer_client.post(reverse(name), data)
    assert response.status_code in (200, 400)
    assert Customer.objects.filter(pk=customer.pk).values().get() == before


def test_script_in_the_address_is_shown_escaped_to_customer_and_advisor(
        customer_client, customer, advisor_admin_client):
    response = customer_client.post(reverse("accounts:profile_address"), {
        "street": f"{SCRIPT}"[:120], "postcode": "8000", "locality": "Zürich\u202e",
        "effective_on": date.today().strftime("%d.%m.%Y")})
    assert response.status_code in (302, 400)
    pages = [customer_client.get(reverse("accounts:profile")),
             advisor_admin_client.get(reverse("admin:accounts_customer_change",
                                               args=[customer.pk]))]
    for page in pages:
        assert page.status_code == 200
        assert SCRIPT not in page.text


# --- Headers ---------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1:80@evil", "localhost\r\nX: y",
                                  "a" * 300, "[::1"])
def test_bad_host_header_answers_400_not_500(client, host):
    response = client.get(reverse("accounts:login"), HTTP_HOST=host)
    assert response.status_code == 400


def test_overlong_user_agent_is_stored_truncated(login_household):
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 " + "x" * 10_000)
    response = login_post("KPT12345678", client=client)
    assert response.status_code == 200
    assert all(len(e.user_agent) <= 300 for e in AuditEvent.objects.all())


def test_forged_forwarded_headers_do_not_change_the_host(client):
    response = client.get(reverse("accounts:login"), HTTP_X_FORWARDED_HOST="evil.example")
    assert response.status_code == 200 and "evil.example" not in response.text


# --- Uploads (claims) ------------------------------------------------------------------

CLAIM_NEW = reverse("claims:new")


@pytest.fixture
def no_intake():
    from unittest import mock

    with mock.patch("claims.services.queue_intake", return_value=True):
        yield


def send_claim(client, customer, name, content, content_type="application/octet-stream",
               **extra):
    data = {"insured_person": customer.insured_persons.first().pk, "kind": "doctor_invoice",
            "note": "", "files": [SimpleUploadedFile(name, content, content_type=content_type)]}
    data.update(extra)
    return client.post(CLAIM_NEW, data)


def assert_claim_refused(response):
    from claims.models import Claim, ClaimPage

    assert response.status_code == 400, response.status_code
    assert Claim.objects.count() == 0 and ClaimPage.objects.count() == 0


@pytest.mark.parametrize("name,content,content_type", [
    ("scan.png", None, "image/png"),  # the bomb, built below
    ("facture.pdf", b"<html><script>evil()</script></html>", "application/pdf"),
    ("dessin.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>evil()</script></svg>',
     "image/svg+xml"),
    ("page.html", b"<!doctype html><script>evil()</script>", "text/html"),
    ("facture.pdf", b"%PDF-1.4\n<< /OpenAction << /S /JavaScript /JS (x) >> >>\n%%EOF",
     "application/pdf"),
    ("vide.jpg", b"", "image/jpeg"),
], ids=["bomb", "html-renamed-pdf", "svg", "html", "pdf-javascript", "empty"])
def test_claim_upload_refuses_hostile_files_and_stores_nothing(
        customer_client, customer, no_intake, name, content, content_type):
    if content is None:
        buffer = io.BytesIO()
        Image.new("1", (9000, 9000)).save(buffer, format="PNG")
        content = buffer.getvalue()
    assert_claim_refused(send_claim(customer_client, customer, name, content, content_type))


def escaped_name_script_pdf() -> bytes:
    """``/S /Java#53cript /J#53 (…)``: the names a byte scan looks for, spelled with escapes."""
    return marker_pdf("facture").replace(
        b"/Type /Catalog",
        b"/Type /Catalog /OpenAction << /S /Java#53cript /J#53 (app.alert(1)) >>", 1)


def object_stream_script_pdf() -> bytes:
    """A document-open script inside a compressed object stream: no readable name at all."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf_bytes())) as pdf:
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript,
                                                 JS=pikepdf.String("app.alert(1)"))
        out = io.BytesIO()
        pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()


PDF_BYPASSES = pytest.mark.parametrize("make", [escaped_name_script_pdf,
                                                object_stream_script_pdf],
                                       ids=["hash-escaped-names", "object-stream"])


@PDF_BYPASSES
def test_pdf_script_bypasses_are_refused_as_attachments(customer_client, make):
    data = make()
    assert b"/JavaScript" not in data and b"/JS" not in data
    response = send(customer_client, "facture.pdf", data, "application/pdf")
    assert_refused_and_nothing_stored(response)
    assert "contenu actif (un script)" in html.unescape(response.text)


@PDF_BYPASSES
def test_pdf_script_bypasses_are_refused_in_claims(customer_client, customer, no_intake, make):
    assert_claim_refused(send_claim(customer_client, customer, "facture.pdf", make(),
                                    "application/pdf"))


@PDF_BYPASSES
def test_pdf_script_bypasses_are_refused_when_shared(client, make):
    from core.models import SharedUpload

    client.post("/share/", {"files": [SimpleUploadedFile("facture.pdf", make(),
                                                         content_type="application/pdf")]})
    assert SharedUpload.objects.count() == 0


def test_claim_upload_over_20_mb_is_refused(customer_client, customer, no_intake):
    big = b"\xff\xd8\xff" + b"0" * (20 * 1024 * 1024 + 10)
    assert_claim_refused(send_claim(customer_client, customer, "photo.jpg", big, "image/jpeg"))


def test_claim_polyglot_photo_is_stored_re_encoded(customer_client, customer, no_intake):
    from claims.models import ClaimPage

    response = send_claim(customer_client, customer, "photo.jpg", jpeg_bytes() + zip_bytes(),
                          "image/jpeg")
    assert response.status_code == 302
    stored = ClaimPage.objects.get().file.open("rb").read()
    assert stored.startswith(b"\xff\xd8\xff") and b"PK\x03\x04" not in stored


@pytest.mark.parametrize("name", ["../../../../etc/passwd.pdf", "facture\x00.html.pdf",
                                  "rechnung\u202efdp.pdf", "<script>x</script>.pdf"])
def test_claim_file_names_are_stored_sanitised(customer_client, customer, no_intake, name,
                                               advisor_admin_client):
    from claims.models import ClaimPage

    response = send_claim(customer_client, customer, name, pdf_bytes(), "application/pdf")
    assert response.status_code == 302
    page = ClaimPage.objects.get()
    assert re.fullmatch(r"claims/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", page.file.name)
    for stored in (page.original_name,):
        assert "/" not in stored and "\x00" not in stored and "\u202e" not in stored
        assert ".." not in stored
    admin_page = advisor_admin_client.get(reverse("admin:claims_claim_change",
                                                   args=[page.claim_id]))
    assert admin_page.status_code == 200 and "<script>x" not in admin_page.text


def test_claim_note_with_script_is_escaped_for_customer_and_advisor(
        customer_client, customer, no_intake, advisor_admin_client):
    from claims.models import Claim

    response = send_claim(customer_client, customer, "f.pdf", pdf_bytes(), "application/pdf",
                          note=f"{SCRIPT} \u202e")
    assert response.status_code == 302
    claim = Claim.objects.get()
    for page in (customer_client.get(response["Location"]),
                 customer_client.get(reverse("claims:list")),
                 advisor_admin_client.get(reverse("admin:claims_claim_change",
                                                   args=[claim.pk]))):
        assert page.status_code == 200
        assert SCRIPT not in page.text


@pytest.mark.parametrize("note", ["n" * 1001, "a\x00b"], ids=["overlong", "nul"])
def test_claim_note_overlong_or_nul_is_refused(customer_client, customer, no_intake, note):
    assert_claim_refused(send_claim(customer_client, customer, "f.pdf", pdf_bytes(),
                                    "application/pdf", note=note))


def test_claim_for_another_households_person_is_refused(customer_client, customer,
                                                        other_customer, no_intake):
    assert_claim_refused(send_claim(
        customer_client, customer, "f.pdf", pdf_bytes(), "application/pdf",
        insured_person=other_customer.insured_persons.first().pk))


# --- Hostile URL and query values ----------------------------------------------------------

HUGE = "9" * 30


@pytest.mark.parametrize("path", [
    f"/documents/{HUGE}/", f"/documents/{HUGE}/telecharger/", f"/messages/{HUGE}/",
    f"/messages/attachments/{HUGE}/", f"/claims/{HUGE}/", f"/claims/{HUGE}/pages/{HUGE}/",
    f"/profile/export/{HUGE}/download/",
])
def test_out_of_range_ids_answer_404(customer_client, path):
    assert customer_client.get(path).status_code == 404


@pytest.mark.parametrize("params", [
    {"page": "abc"}, {"page": "-1"}, {"page": HUGE}, {"year": "abc"}, {"year": HUGE},
    {"person": "abc"}, {"person": HUGE}, {"type": SCRIPT}, {"q": SCRIPT}, {"q": "\x00"},
    {"q": LONG},
])
def test_document_list_survives_hostile_filters(customer_client, params):
    response = customer_client.get(reverse("documents:list"), params)
    assert response.status_code in (200, 400, 404)
    assert SCRIPT not in response.text


@pytest.mark.parametrize("params", [{"page": "abc"}, {"page": HUGE}, {"page": "-5"}])
def test_paginated_pages_survive_hostile_page_numbers(customer_client, params):
    for name in ("accounts:activity", "claims:list"):
        assert customer_client.get(reverse(name), params).status_code == 200


@pytest.mark.parametrize("sheet", ["abc", "-1", HUGE, "1e9"])
def test_claim_page_survives_hostile_sheet_numbers(customer_client, customer, sheet):
    from tests.security_support import claim_of

    claim = claim_of(customer)
    url = reverse("claims:page", kwargs={"pk": claim.pk, "page_pk": claim.pages.get().pk})
    assert customer_client.get(url, {"sheet": sheet}).status_code == 200


def test_pdf_with_html_appended_is_only_ever_served_as_a_pdf_download(customer_client):
    response = send(customer_client, "facture.pdf",
                    pdf_bytes() + b"<html><script>evil()</script></html>", "application/pdf")
    assert response.status_code == 302
    download = customer_client.get(reverse("messaging:attachment",
                                           args=[Attachment.objects.get().pk]))
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_more_files_than_django_accepts_answers_400(customer_client, settings):
    files = [SimpleUploadedFile(f"f{i}.pdf", b"%PDF-1.4", content_type="application/pdf")
             for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    response = customer_client.post(NEW, {"subject": "x", "body": "y", "attachments": files})
    assert response.status_code == 400
    assert Thread.objects.count() == 0


def test_more_fields_than_django_accepts_answers_400(client, settings):
    data = {f"field{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client.post(reverse("messaging:login_help"), data)
    assert response.status_code == 400
    assert LoginHelpRequest.objects.count() == 0
