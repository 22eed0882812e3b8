"""Small generated PDFs (reportlab) for demo data and tests: fictitious letters.

Texts are in the active language: callers that write for a customer wrap the call in
``translation.override(customer.language)``.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

if TYPE_CHECKING:
    from reportlab.graphics.shapes import Drawing

PAYMENT_PART_TOP = 105 * mm  # the Swiss QR-bill's payment part: the foot of an A4 page
BOTTOM = 25 * mm  # below: the demo notice; a longer table goes on to a next page
LEFT, RIGHT = 20 * mm, 190 * mm


def _band(pdf: canvas.Canvas, subtitle: str) -> None:
    """The insurer's coloured band across the top of the page."""
    width, height = A4
    pdf.setFillColorRGB(0.06, 0.24, 0.37)
    pdf.rect(0, height - 28 * mm, width, 28 * mm, stroke=0, fill=1)
    pdf.setFillColorRGB(1, 1, 1)
    pdf.setFont("Helvetica-Bold", 22)
    pdf.drawString(LEFT, height - 18 * mm, "KPT")
    pdf.setFont("Helvetica", 10)
    pdf.drawString(40 * mm, height - 18 * mm, subtitle)
    pdf.setFillColorRGB(0.1, 0.14, 0.19)


def letter_pdf(title: str, lines: list[str], *, recipient: Sequence[str] = (),
               date_line: str = "", rows: Sequence[tuple[str, str]] = (),
               footer_lines: Sequence[str] = (), payment_part: Drawing | None = None) -> bytes:
    """A one-page A4 letter with the insurer's header, a recipient, a title and lines.

    ``rows`` are (label, amount) pairs printed as a table after the lines, the amount
    right-aligned; a label starting with "**" is printed in bold (a total). ``footer_lines``
    follow the table. ``payment_part`` (a QR-bill's receipt and payment part) is drawn at
    the foot of the page, or of a second page when the letter leaves no room for it.
    """
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=True, pageCompression=1)
    pdf.setTitle(title)
    pdf.setAuthor("KPT (demo)")
    _band(pdf, _("Assurance maladie · document de démonstration fictif"))
    y = A4[1] - 50 * mm
    pdf.setFont("Helvetica", 11)
    for line in recipient:
        pdf.drawString(120 * mm, y, line)
        y -= 5.5 * mm
    y -= 10 * mm
    if date_line:
        pdf.drawString(LEFT, y, date_line)
        y -= 12 * mm
    pdf.setFont("Helvetica-Bold", 15)
    pdf.drawString(LEFT, y, title[:80])
    y -= 10 * mm
    pdf.setFont("Helvetica", 11)
    for line in lines:
        pdf.drawString(LEFT, y, line[:100])
        y -= 6.5 * mm
    if rows:
        y -= 2 * mm
        for label, amount in rows:
            y = _room(pdf, y)
            bold = label.startswith("**")
            pdf.setFont("Helvetica-Bold" if bold else "Helvetica", 10.5)
            pdf.drawString(LEFT, y, label.removeprefix("**")[:85])
            pdf.drawRightString(RIGHT, y, amount)
            y -= 5.8 * mm
        pdf.setFont("Helvetica", 11)
        y -= 3 * mm
    for line in footer_lines:
        y = _room(pdf, y)
        pdf.setFont("Helvetica", 11)
        pdf.drawString(LEFT, y, line[:100])
        y -= 6.5 * mm
    pdf.setFont("Helvetica-Oblique", 8)
    notice = _("Exemple fictif généré pour le portail de démonstration.")
    if payment_part is None:
        pdf.drawString(LEFT, 15 * mm, notice)
    else:
        if y < PAYMENT_PART_TOP + 12 * mm:
            pdf.drawString(LEFT, 15 * mm, notice)
            pdf.showPage()
            pdf.setFont("Helvetica-Oblique", 8)
        pdf.drawString(LEFT, PAYMENT_PART_TOP + 6 * mm, notice)
        renderPDF.draw(payment_part, pdf, 0, 0)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


# --- A letter with tables of amounts (the tax certificate) ---------------------------------

TABLES_TOP, TABLES_BOTTOM = A4[1] - 20 * mm, 22 * mm
AMOUNT_WIDTH = 36 * mm  # at most: fewer amount columns get wider ones
LABEL_WIDTH = 60 * mm  # at least, for the names


@dataclass(frozen=True)
class PdfTable:
    """A table of amounts: ``headers`` name the first column and each amount column; every
    row (and the bold ``total``) has a label and one text per amount column."""

    caption: str
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    total: Sequence[str] = ()


def _fitted(text: str, width: float, size: float = 8.5) -> tuple[list[str], float]:
    """``text`` in lines of at most ``width``, the font made smaller (down to 6.5 pt) until
    its longest word fits: "Grundversicherung" is one word."""
    while size > 6.5 and max(stringWidth(word, "Helvetica-Bold", size)
                             for word in text.split() or [""]) > width:
        size -= 0.25
    return simpleSplit(text, "Helvetica-Bold", size, width), size


class _Writer:
    """Draws from the top of the page down, starting a new page when there is no room."""

    def __init__(self, pdf: canvas.Canvas, y: float) -> None:
        self.pdf, self.y = pdf, y

    def room(self, needed: float) -> None:
        if self.y - needed < TABLES_BOTTOM:
            self.pdf.showPage()
            self.pdf.setFillColorRGB(0.1, 0.14, 0.19)
            self.y = TABLES_TOP

    def paragraph(self, text: str, *, font: str = "Helvetica", size: float = 10.5,
                  leading: float = 5.6 * mm, width: float = RIGHT - LEFT) -> None:
        for line in simpleSplit(text, font, size, width) or [""]:
            self.room(leading)
            self.pdf.setFont(font, size)
            self.pdf.drawString(LEFT, self.y, line)
            self.y -= leading

    def table(self, table: PdfTable) -> None:
        columns = len(table.headers) - 1
        amount_width = min(AMOUNT_WIDTH, (RIGHT - LEFT - LABEL_WIDTH) / columns)
        label_width = RIGHT - LEFT - columns * amount_width
        rights = [RIGHT - (columns - 1 - index) * amount_width for index in range(columns)]
        headers = [_fitted(header, (label_width if index == 0 else amount_width) - 2 * mm)
                   for index, header in enumerate(table.headers)]
        header_height = max(len(lines) for lines, _size in headers) * 4 * mm
        self.room(8 * mm + header_height + 3 * 6 * mm)  # caption, header and a few rows
        self.y -= 2 * mm
        self.pdf.setFont("Helvetica-Bold", 11.5)
        self.pdf.drawString(LEFT, self.y, table.caption[:90])
        self.y -= 7 * mm
        for index, (lines, size) in enumerate(headers):
            self.pdf.setFont("Helvetica-Bold", size)
            for number, line in enumerate(lines):
                y = self.y - number * 4 * mm
                if index == 0:
                    self.pdf.drawString(LEFT, y, line)
                else:
                    self.pdf.drawRightString(rights[index - 1], y, line)
        self.y -= header_height - 1.5 * mm
        self._rule(0.6)
        for row in table.rows:
            self._row(row, label_width, rights, bold=False)
        if table.total:
            self._rule(0.9)
            self._row(table.total, label_width, rights, bold=True)
        self.y -= 4 * mm

    def _rule(self, width: float) -> None:
        self.pdf.setLineWidth(width)
        self.pdf.setStrokeColorRGB(0.55, 0.6, 0.65)
        self.pdf.line(LEFT, self.y, RIGHT, self.y)
        self.y -= 5 * mm

    def _row(self, row: Sequence[str], label_width: float, rights: list[float], *,
             bold: bool) -> None:
        font = "Helvetica-Bold" if bold else "Helvetica"
        labels = simpleSplit(row[0], font, 9.5, label_width - 2 * mm) or [""]
        self.room(len(labels) * 4.6 * mm + 1.4 * mm)
        self.pdf.setFont(font, 9.5)
        for number, line in enumerate(labels):
            self.pdf.drawString(LEFT, self.y - number * 4.6 * mm, line)
        for right, amount in zip(rights, row[1:], strict=False):
            self.pdf.drawRightString(right, self.y, amount)
        self.y -= len(labels) * 4.6 * mm + 1.4 * mm


def tables_pdf(title: str, lines: Sequence[str], *, subtitle: str, sender: Sequence[str] = (),
               recipient: Sequence[str] = (), date_line: str = "",
               tables: Sequence[PdfTable] = (), footer_lines: Sequence[str] = ()) -> bytes:
    """An A4 letter from ``sender`` (the insurer's address, under the band) to ``recipient``
    with a title, lines, tables of amounts and closing paragraphs; more pages if needed."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=True, pageCompression=1)
    pdf.setTitle(title)
    pdf.setAuthor(sender[0] if sender else "KPT")
    _band(pdf, subtitle)
    height = A4[1]
    pdf.setFont("Helvetica", 8.5)
    for number, line in enumerate(sender):
        pdf.drawString(LEFT, height - 36 * mm - number * 4 * mm, line)
    pdf.setFont("Helvetica", 11)
    for number, line in enumerate(recipient):
        pdf.drawString(120 * mm, height - 50 * mm - number * 5.5 * mm, line)
    writer = _Writer(pdf, height - 50 * mm - max(len(recipient), 3) * 5.5 * mm - 10 * mm)
    if date_line:
        writer.paragraph(date_line, size=11)
        writer.y -= 6 * mm
    writer.paragraph(title, font="Helvetica-Bold", size=15, leading=9 * mm)
    for line in lines:
        writer.paragraph(line)
    writer.y -= 2 * mm
    for table in tables:
        writer.table(table)
    for line in footer_lines:
        writer.paragraph(line, size=9.5, leading=4.8 * mm)
        writer.y -= 1.5 * mm
    pdf.showPage()
    pdf.save()
    return out.getvalue()
def _room(pdf: canvas.Canvas, y: float) -> float:
    """``y`` if a line still fits above the page's foot, else the top of a new page."""
    if y >= BOTTOM:
        return y
    pdf.setFont("Helvetica-Oblique", 8)
    pdf.drawString(LEFT, 15 * mm, _("Suite à la page suivante."))
    pdf.showPage()
    return A4[1] - 25 * mm
