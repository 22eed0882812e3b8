"""End-to-end: read_invoice on committed sample files against their ground truth."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from claims.intake import FIELD_NAMES, InvoiceReading, read_invoice, reading_as_json
from claims.intake.extraction import Field

SAMPLE = Path(__file__).parent / "corpus" / "sample"
QR_FIELDS = ("amount", "currency", "iban", "reference", "provider_name")


def _truth(name: str) -> dict:
    return json.loads((SAMPLE / name).with_suffix(".json").read_text(encoding="utf-8"))


def _norm(value) -> str:
    return " ".join(str(value or "").casefold().split())


def _right(name: str) -> tuple[dict, dict, InvoiceReading]:
    truth = _truth(name)
    reading = read_invoice((SAMPLE / name).read_bytes(), filename=name)
    got = reading_as_json(reading, name)
    return truth, got, reading


def _wrong_fields(truth: dict, got: dict) -> list[str]:
    bad = []
    for field in FIELD_NAMES:
        have = got[field]["value"] if got[field] else None
        if _norm(have) != _norm(truth["fields"][field]):
            bad.append(f"{field}: {have!r} != {truth['fields'][field]!r}")
    return bad


def test_text_pdf_with_qr_bill_reads_every_field():
    truth, got, reading = _right("000-text-pdf.pdf")
    assert _wrong_fields(truth, got) == []
    assert reading.qr_bill is not None
    assert reading.pages == truth["pages"]
    assert got["amount"]["source"] == "qr"


@pytest.mark.parametrize(
    ("name", "max_wrong"),
    [("001-jpeg.jpg", 0), ("003-heic.heic", 0), ("004-photo.jpg", 0), ("002-fax.png", 2)],
)
def test_degraded_sample_matches_ground_truth(name, max_wrong):
    truth, got, reading = _right(name)
    wrong = _wrong_fields(truth, got)
    assert len(wrong) <= max_wrong, wrong
    if truth["has_qr"]:
        assert reading.qr_bill is not None
        assert [w for w in wrong if w.split(":")[0] in QR_FIELDS] == []


def test_reading_as_json_shape():
    reading = InvoiceReading(
        fields={
            **dict.fromkeys(FIELD_NAMES),
            "amount": Field(Decimal("183.4"), "qr", 0.991),
            "invoice_date": Field(date(2026, 3, 14), "ocr", 0.8),
        },
        qr_bill=None,
        pages=1,
        timings_ms={},
    )
    out = reading_as_json(reading, "scans/a.jpg")
    assert list(out) == ["file", *FIELD_NAMES]
    assert out["file"] == "scans/a.jpg"
    assert out["amount"] == {"value": "183.40", "confidence": 0.99, "source": "qr"}
    assert out["invoice_date"] == {"value": "2026-03-14", "confidence": 0.8, "source": "ocr"}
    assert out["provider_gln"] is None
    json.dumps(out)  # serialisable as is


def test_reading_reports_timings_and_pages():
    _truth_, _got, reading = _right("000-text-pdf.pdf")
    assert set(reading.timings_ms) >= {"decode", "normalise", "qr", "ocr", "extract"}
    assert reading.pages == 1


def test_ocr_timeout_raises_transient_error(monkeypatch):
    import pytesseract

    from claims.intake import TransientIntakeError

    def timeout(*_a, **_k):
        raise RuntimeError("Tesseract process timeout")

    monkeypatch.setattr(pytesseract, "image_to_data", timeout)
    monkeypatch.setattr(pytesseract, "image_to_osd", timeout)
    with pytest.raises(TransientIntakeError, match="timed out") as exc:
        read_invoice((SAMPLE / "001-jpeg.jpg").read_bytes())
    assert exc.value.retryable


def test_invalid_qr_bill_becomes_a_warning_not_a_crash(monkeypatch):
    import io

    from claims.intake import ocr as ocr_module
    from claims.intake import rescue, steps
    from claims.tests.corpus.generate import qr_image
    from claims.tests.test_intake_qrbill import raw_spc

    bad = "\r\n".join(raw_spc(ref="210000000003139471430009018"))
    page = Image.new("L", (1240, 1754), 255)
    page.paste(qr_image(bad).resize((500, 500)), (400, 1100))
    buf = io.BytesIO()
    page.save(buf, format="PNG")
    no_words = lambda *_a, **_k: ocr_module.OcrResult(words=[], lines=[])  # noqa: E731
    monkeypatch.setattr(steps, "ocr_image", no_words)
    monkeypatch.setattr(rescue, "ocr_image", no_words)
    monkeypatch.setattr(steps, "normalise_image", lambda img, **_k: (img.convert("L"), _NO_FIX))
    reading = read_invoice(buf.getvalue())
    assert reading.qr_bill is None
    assert any("check digit" in w for w in reading.warnings)
    assert reading.fields["amount"] is None


_NO_FIX = {"rotation": 0, "skew": 0.0, "perspective_fixed": False}


def test_debug_cli_prints_json_and_fails_on_unreadable(capsys, tmp_path):
    from claims.intake.__main__ import main

    bad = tmp_path / "x.pdf"
    bad.write_bytes(b"")
    assert main([str(SAMPLE / "000-text-pdf.pdf")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["amount"]["value"] == _truth("000-text-pdf.pdf")["fields"]["amount"]
    assert main([str(bad)]) == 1
    assert "empty" in json.loads(capsys.readouterr().out)["error"]
