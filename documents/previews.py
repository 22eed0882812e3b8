"""The first page of a PDF as a PNG, rendered once with PDFium and kept encrypted."""

from __future__ import annotations

import io
from typing import IO

import pypdfium2 as pdfium
from django.core.files.base import ContentFile

from documents.models import Document

PREVIEW_WIDTH = 900  # pixels: sharp on a phone, small enough to send quickly


class PreviewUnavailable(Exception):
    """The document is not a PDF, or PDFium cannot read it."""


def preview_name(document: Document) -> str:
    stem = document.file.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return f"previews/{stem}.png"


def render_first_page(source: IO[bytes]) -> bytes:
    try:
        pdf = pdfium.PdfDocument(source)
    except pdfium.PdfiumError as exc:
        raise PreviewUnavailable(str(exc)) from exc
    try:
        if len(pdf) == 0:
            raise PreviewUnavailable("empty PDF")
        page = pdf[0]
        scale = PREVIEW_WIDTH / page.get_width()
        image = page.render(scale=scale).to_pil()
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()
    finally:
        pdf.close()


def preview_png(document: Document) -> bytes:
    """The cached preview, rendering (and caching, encrypted) on first use."""
    if not document.is_pdf:
        raise PreviewUnavailable("not a PDF")
    storage = document.file.storage
    name = preview_name(document)
    if storage.exists(name):
        with storage.open(name) as cached:
            return cached.read()
    with storage.open(document.file.name) as source:
        png = render_first_page(source.file)
    if not storage.exists(name):
        storage.save(name, ContentFile(png))
    return png
