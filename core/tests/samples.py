"""Small, valid files for upload tests."""

import io

from reportlab.pdfgen import canvas


def pdf_bytes(pages: int = 1, text: str | None = None) -> bytes:
    """A real PDF of ``pages`` pages, each with ``text`` (or "Page n") on it."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for number in range(pages):
        pdf.drawString(72, 720, text if text is not None else f"Page {number + 1}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
