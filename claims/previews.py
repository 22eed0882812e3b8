"""Page images for the customer's claim detail and the advisor's review: small JPEGs made
from the stored file (an image, or the first page of a PDF)."""

import io
from typing import Protocol

from django.db.models.fields.files import FieldFile
from django.http import HttpRequest
from PIL import Image

from claims.models import ClaimPage


class StoredPage(Protocol):
    """What a preview reads: a claim's page, or a file shared from the phone before sending."""

    file: FieldFile
    content_type: str

THUMBNAIL = 480
LARGE = 1600


def preview_jpeg(page: StoredPage, *, size: int = THUMBNAIL, pdf_page: int = 0) -> bytes:
    with page.file.open("rb") as handle:
        data = handle.read()
    if page.content_type == "application/pdf":
        image = _render_pdf_page(data, pdf_page, size)
    else:
        if page.content_type == "image/heic":
            from pillow_heif import register_heif_opener

            register_heif_opener()
        image = Image.open(io.BytesIO(data))
        image.draft("RGB", (size, size))
    image = image.convert("RGB")
    image.thumbnail((size, size))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def _render_pdf_page(data: bytes, index: int, size: int) -> Image.Image:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    try:
        index = min(max(index, 0), len(pdf) - 1)
        page = pdf[index]
        width, height = page.get_size()
        scale = size / max(width, height, 1)
        return page.render(scale=scale).to_pil()
    finally:
        pdf.close()


def sheet_index(request: HttpRequest, page: ClaimPage) -> int:
    """``?sheet=N`` (0-based) for a page of a PDF, bounded by its page count."""
    try:
        index = int(request.GET.get("sheet", "0"))
    except ValueError:
        return 0
    return min(max(index, 0), max(page.page_count - 1, 0))
