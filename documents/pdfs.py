"""Small generated PDFs (reportlab) for demo data and tests: fictitious letters."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas


def letter_pdf(title: str, lines: list[str], *, recipient: list[str] = (),
               date_line: str = "") -> bytes:
    """A one-page A4 letter with the insurer's header, a recipient, a title and lines."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=True, pageCompression=1)
    pdf.setTitle(title)
    pdf.setAuthor("KPT (démo)")
    width, height = A4
    pdf.setFillColorRGB(0.06, 0.24, 0.37)
    pdf.rect(0, height - 28 * mm, width, 28 * mm, stroke=0, fill=1)
    pdf.setFillColorRGB(1, 1, 1)
    pdf.setFont("Helvetica-Bold", 22)
    pdf.drawString(20 * mm, height - 18 * mm, "KPT")
    pdf.setFont("Helvetica", 10)
    pdf.drawString(40 * mm, height - 18 * mm,
                   "Assurance maladie · document de démonstration fictif")
    pdf.setFillColorRGB(0.1, 0.14, 0.19)
    y = height - 50 * mm
    pdf.setFont("Helvetica", 11)
    for line in recipient:
        pdf.drawString(120 * mm, y, line)
        y -= 5.5 * mm
    y -= 10 * mm
    if date_line:
        pdf.drawString(20 * mm, y, date_line)
        y -= 12 * mm
    pdf.setFont("Helvetica-Bold", 15)
    pdf.drawString(20 * mm, y, title[:80])
    y -= 10 * mm
    pdf.setFont("Helvetica", 11)
    for line in lines:
        pdf.drawString(20 * mm, y, line[:100])
        y -= 6.5 * mm
    pdf.setFont("Helvetica-Oblique", 8)
    pdf.drawString(20 * mm, 15 * mm, "Exemple fictif généré pour le portail de démonstration.")
    pdf.showPage()
    pdf.save()
    return out.getvalue()
