import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from reportlab.pdfgen import canvas

from core.tests.samples import pdf_bytes
from core.uploads import UploadRejected, validate_upload


def jpeg_with_exif(orientation: int = 6) -> bytes:
    image = Image.new("RGB", (40, 20), "white")
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def upload(data: bytes, name: str = "file.bin") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def test_jpeg_is_turned_upright_and_stripped_of_exif():
    result = validate_upload(upload(jpeg_with_exif(orientation=6), "photo.jpg"))
    with Image.open(io.BytesIO(result.data)) as image:
        assert image.size == (20, 40)  # rotated by the EXIF orientation
        assert not image.getexif()
    assert result.content_type == "image/jpeg"


def test_pdf_is_accepted_with_its_page_count():
    result = validate_upload(upload(pdf_bytes(3), "invoice.pdf"))
    assert (result.content_type, result.page_count) == ("application/pdf", 3)


def test_name_does_not_matter_content_does():
    assert validate_upload(upload(pdf_bytes(), "photo.jpg")).content_type == "application/pdf"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"PK\x03\x04" + b"\x00" * 100, "type"),  # a zip renamed .pdf
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "type"),
        (jpeg_with_exif()[:200], "unreadable"),  # truncated JPEG
        (b"%PDF-1.4\n garbage", "pdf_broken"),
    ],
)
def test_hostile_files_are_refused_with_a_reason(data, code):
    with pytest.raises(UploadRejected) as refused:
        validate_upload(upload(data, "x.pdf"))
    assert refused.value.code == code


def test_oversized_files_are_refused_before_reading_them_whole():
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (20 * 1024 * 1024))
    with pytest.raises(UploadRejected) as refused:
        validate_upload(big)
    assert refused.value.code == "too_large"


def test_decompression_bombs_are_refused():
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, format="PNG")  # 100 MP, tiny on disk
    with pytest.raises(UploadRejected) as refused:
        validate_upload(upload(buffer.getvalue(), "bomb.png"))
    assert refused.value.code == "bomb"


def heic_bytes(size=(64, 48)) -> bytes:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format="HEIF")
    return buffer.getvalue()


def test_heic_photos_are_accepted_and_stored_as_jpeg():
    result = validate_upload(upload(heic_bytes(), "IMG_0001.HEIC"))
    assert (result.content_type, result.extension, result.page_count) == (
        "image/jpeg", "jpg", 1)
    with Image.open(io.BytesIO(result.data)) as image:
        assert image.size == (64, 48)


def test_password_protected_pdfs_are_refused():
    from reportlab.lib.pdfencrypt import StandardEncryption

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt=StandardEncryption("secret", canPrint=0))
    pdf.drawString(72, 720, "locked")
    pdf.showPage()
    pdf.save()
    with pytest.raises(UploadRejected) as refused:
        validate_upload(upload(buffer.getvalue(), "locked.pdf"))
    assert refused.value.code == "pdf_encrypted"


def test_pdfs_carrying_javascript_are_refused():
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 720, "hello")
    pdf.showPage()
    pdf.save()
    data = buffer.getvalue().replace(
        b"/Type /Catalog",
        b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>", 1)
    with pytest.raises(UploadRejected) as refused:
        validate_upload(upload(data, "invoice.pdf"))
    assert refused.value.code == "pdf_active"


def test_pdfs_over_the_page_limit_are_refused_and_at_the_limit_accepted():
    from core.uploads import MAX_PDF_PAGES

    assert validate_upload(upload(pdf_bytes(MAX_PDF_PAGES))).page_count == MAX_PDF_PAGES
    with pytest.raises(UploadRejected) as refused:
        validate_upload(upload(pdf_bytes(MAX_PDF_PAGES + 1)))
    assert refused.value.code == "pdf_pages"


def test_images_with_an_exif_orientation_keep_it_applied_in_png_too():
    image = Image.new("RGB", (40, 20), "white")
    exif = Image.Exif()
    exif[0x0112] = 8
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", exif=exif)
    result = validate_upload(upload(buffer.getvalue(), "scan.png"))
    with Image.open(io.BytesIO(result.data)) as upright:
        assert upright.size == (20, 40)
        assert not upright.getexif()
