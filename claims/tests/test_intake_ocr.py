"""The OCR step's preparation of a page: ruled lines erased before Tesseract reads it."""

from __future__ import annotations

import glob
import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from claims.intake.ocr import ocr_image
from claims.intake.orientation import erase_rules
from claims.tests.corpus import generate as gen


def _boxed_grid() -> bytes:
    """A page with a grid of ruled boxes, rows sharing their rules, each label printed small
    above its value."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    rows = [[("Rechnungs-Nr.", "2026/04812"), ("Rechnungsdatum", "3. März 2026"),
             ("Patient", "Anna Muster"), ("Geburtsdatum", "17.04.1981")],
            [("GLN Rechnungssteller", "7601000000000"), ("ZSR-Nr.", "H123456"),
             ("GLN Versicherer", "7601003000115"), ("Versicherer", "KPT")],
            [("AHV-Nr.", "756.1234.5678.97"), ("Versicherten-Nr.", "12345678"),
             ("Gesetz", "KVG"), ("Behandlungsgrund", "Krankheit")]]
    for r, cells in enumerate(rows):
        top = A4[1] - (60 + 10 * r) * mm
        for i, (label, value) in enumerate(cells):
            x = (20 + 42.5 * i) * mm
            c.rect(x, top - 10 * mm, 42.5 * mm, 10 * mm)
            c.setFont("Times-Roman", 6.5)
            c.drawString(x + 1.5 * mm, top - 3.2 * mm, label)
            c.setFont("Times-Bold", 9)
            c.drawString(x + 1.5 * mm, top - 8 * mm, value)
    c.showPage()
    c.save()
    return buf.getvalue()


def test_rules_are_erased_and_the_words_between_them_kept():
    img = Image.new("L", (1200, 400), 255)
    draw = ImageDraw.Draw(img)
    draw.rectangle((100, 100, 700, 200), outline=0, width=2)
    draw.text((120, 140), "7601234567890", fill=0)
    gray = np.asarray(img)
    out = erase_rules(gray)
    assert (out[100, 100:700] == 255).all() and (out[100:200, 100] == 255).all()
    text = (slice(130, 170), slice(115, 300))
    assert (out[text] < 128).sum() == (gray[text] < 128).sum() > 0


def test_the_tall_letters_of_a_narrow_till_roll_are_no_rules():
    bold = glob.glob("/usr/share/fonts/**/DejaVuSans-Bold.ttf", recursive=True)
    if not bold:
        pytest.skip("DejaVu Sans Bold is not installed")
    roll = Image.new("L", (560, 2400), 255)
    font = ImageFont.truetype(bold[0], 44)
    ImageDraw.Draw(roll).text((20, 100), "Farmacia della", fill=0, font=font)
    gray = np.asarray(roll)
    assert (erase_rules(gray) == gray).all()


def test_a_page_without_rules_is_left_as_it_is():
    img = Image.new("L", (600, 200), 255)
    ImageDraw.Draw(img).text((20, 80), "Total CHF 183.45", fill=0)
    gray = np.asarray(img)
    assert (erase_rules(gray) == gray).all()


def test_the_values_of_a_row_of_ruled_boxes_are_read():
    page = gen.rasterise(_boxed_grid(), 150)[0].convert("L")
    page = page.resize((page.width * 2, page.height * 2))  # the OCR's scale, as normalised
    text = "\n".join(ln.text for ln in ocr_image(page, psm=6).lines)
    for value in ("2026/04812", "17.04.1981", "Muster", "7601000000000", "12345678"):
        assert value in text
