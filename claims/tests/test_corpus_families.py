"""The corpus generator's layout families: each writes a readable PDF with a consistent truth,
the QR-bill says what the truth says, and the bench holds out the family it names."""

from __future__ import annotations

import itertools
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from stdnum import ean, iso11649
from stdnum import iban as stdnum_iban
from stdnum.ch import esr

from bench.intake_accuracy import _group, default_count
from claims.intake import FIELD_NAMES
from claims.tests.corpus import generate as gen

CLAIMS = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def truths(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """Two text PDFs per family: every family once with the QR-bill drawn, once without."""
    out = tmp_path_factory.mktemp("families")
    paths = [p for family in gen.FAMILIES
             for p in gen.generate(out / family, 2, seed=2, kinds=["text-pdf"],
                                   families=[family])]
    loaded = [(json.loads(p.read_text(encoding="utf-8")), p.parent) for p in paths]
    return [t | {"path": parent / t["file"]} for t, parent in loaded]


def _pdf_text(path: Path) -> tuple[int, str]:
    doc = pdfium.PdfDocument(path.read_bytes())
    try:
        return len(doc), "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def test_every_family_writes_a_pdf_with_a_complete_truth(truths: list[dict]) -> None:
    assert sorted({t["family"] for t in truths}) == sorted(gen.FAMILIES)
    for t in truths:
        pages, text = _pdf_text(t["path"])
        assert pages == t["pages"], t["file"]
        f = t["fields"]
        assert set(f) == set(FIELD_NAMES), t["family"]
        assert re.fullmatch(r"\d+\.\d\d", f["amount"]) and Decimal(f["amount"]) > 0
        assert f["currency"] in ("CHF", "EUR")
        date.fromisoformat(f["invoice_date"])
        assert date.fromisoformat(f["patient_birth_date"]) < date.fromisoformat(
            f["invoice_date"])
        assert len(f["provider_gln"]) == 13 and ean.is_valid(f["provider_gln"])
        if f["iban"] is not None:
            assert stdnum_iban.is_valid(f["iban"])
        if f["reference"]:
            assert esr.is_valid(f["reference"]) or iso11649.is_valid(f["reference"])
        flat = " ".join(text.split()).casefold()
        for name in ("invoice_number", "provider_gln", "patient_name", "provider_name"):
            assert f[name].casefold() in flat, (t["family"], name)


def test_the_qr_bill_decodes_to_the_truth(truths: list[dict]) -> None:
    with_qr = [t for t in truths if t["has_qr"]]
    # the pharmacy's till roll never carries a QR-bill
    assert {t["family"] for t in with_qr} == set(gen.FAMILIES) - {"pharmacy"}
    detector = cv2.QRCodeDetector()
    for t in with_qr:
        payload = ""
        for dpi in (150, 200):  # OpenCV's detector misses the odd code at one resolution
            last_page = np.asarray(gen.rasterise(t["path"].read_bytes(), dpi)[-1])
            # the payment part's QR code: 67 to 113 mm from the left, in the bottom 105 mm
            dots = dpi / 25.4
            qr_area = last_page[-int(105 * dots):, int(62 * dots):int(120 * dots)]
            payload = payload or detector.detectAndDecode(qr_area)[0]
        lines = payload.splitlines()
        assert lines[:3] == ["SPC", "0200", "1"], t["family"]
        f = t["fields"]
        assert (lines[3], lines[18], lines[19]) == (f["iban"], f["amount"], f["currency"])
        assert lines[28] == (f["reference"] or "")
        assert lines[5] == f["provider_name"]


def test_refund_form_prints_its_amount_due_and_distractors(truths: list[dict]) -> None:
    for t in (t for t in truths if t["family"] == "refund_form"):
        _pages, text = _pdf_text(t["path"])
        flat = " ".join(text.split())
        assert f"{date.fromisoformat(t['fields']['patient_birth_date']):%d.%m.%Y}" in flat
        # the insurer's GLN, the AHV and the card number stand beside the provider's GLN
        glns = set(re.findall(r"\b7601\d{9}\b", flat))
        assert t["fields"]["provider_gln"] in glns and len(glns) >= 2
        assert re.search(r"\b756\.\d{4}\.\d{4}\.\d\d\b", flat)
        assert re.search(r"\b80756\d{15}\b", flat)


def test_refund_form_is_the_held_out_family() -> None:
    assert gen.HELD_OUT_FAMILY == "refund_form"
    assert {"refund_form", "dentist"} <= set(gen.FAMILIES)
    seed = 1
    held_out_seed = seed + gen.HELD_OUT_SEED_OFFSET
    assert _group({"family": "refund_form", "seed": seed}, seed) == "held-out family"
    assert _group({"family": "refund_form", "seed": held_out_seed}, seed) == "held-out family"
    assert _group({"family": "dentist", "seed": seed}, seed) == "tuned"
    assert _group({"family": "dentist", "seed": held_out_seed}, seed) == "held-out seed"


def test_the_bench_count_draws_every_family_with_every_degradation() -> None:
    plan = [gen.sample_plan(i, gen.DEGRADATIONS, gen.FAMILIES) for i in range(default_count())]
    assert sorted(plan) == sorted(itertools.product(gen.DEGRADATIONS, gen.FAMILIES))


def test_nothing_in_the_intake_refers_to_the_held_out_family() -> None:
    sources = [*(CLAIMS / "intake").rglob("*.py"), *CLAIMS.glob("tests/test_intake*.py")]
    assert sources
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert "refund_form" not in text and "heldout_form" not in text, path


def test_a_long_letter_prints_nothing_over_its_signature_or_the_payment_part(
        tmp_path: Path) -> None:
    """The letter's footer (GLN, ZSR) stands under the signature and above the QR-bill's
    payment part, however long the letter: no printed line overlaps another."""
    paths = gen.generate(tmp_path, 24, seed=1, kinds=["text-pdf"], families=["letter"])
    checked = 0
    for p in paths:
        truth = json.loads(p.read_text(encoding="utf-8"))
        if not truth["has_qr"]:
            continue
        doc = pdfium.PdfDocument((tmp_path / truth["file"]).read_bytes())
        try:
            text = doc[0].get_textpage()
            rects = [text.get_rect(i) for i in range(text.count_rects())]
        finally:
            doc.close()
        payment_top = 105 * 72 / 25.4
        above = [r for r in rects if r[1] > payment_top]
        footer = min(above, key=lambda r: r[1])  # the lowest line above the payment part
        assert footer[3] < min(r[1] for r in above if r is not footer), truth["file"]
        for a, b in itertools.combinations(above, 2):
            across = min(a[2], b[2]) - max(a[0], b[0])
            up = min(a[3], b[3]) - max(a[1], b[1])
            # lines 5 mm apart touch by their ascenders and descenders, never more
            assert across <= 0 or up < 0.4 * min(a[3] - a[1], b[3] - b[1]), (truth["file"], a, b)
        checked += 1
    assert checked >= 6


def test_the_ambulatory_invoice_names_its_provider_only_in_the_labelled_block(
        tmp_path: Path) -> None:
    """The billing centre's letterhead comes first and is not the provider; the provider's
    name and GLN stand under a provider label, beside the centre's and the insurer's GLNs."""
    paths = gen.generate(tmp_path, 6, seed=1, kinds=["text-pdf"], families=["ambulatory"])
    for p in paths:
        truth = json.loads(p.read_text(encoding="utf-8"))
        _pages, text = _pdf_text(tmp_path / truth["file"])
        lines = [s.strip() for s in text.splitlines() if s.strip()]
        f = truth["fields"]
        assert f["provider_name"] not in lines[0]
        assert re.search(r"Leistungserbringer|Erbringer|Fournisseur|Prestataire|Fornitore",
                         text), truth["file"]
        glns = set(re.findall(r"\b7601\d{9}\b", text))
        assert f["provider_gln"] in glns and len(glns) >= 3, truth["file"]


def test_the_form_names_its_patient_in_each_way_and_sends_some_to_a_parent(
        tmp_path: Path) -> None:
    """The standard form's patient in one row, in the family and first-name rows, or under a
    label spelled for both; some invoices go to a parent, the truth still the patient."""
    paths = gen.generate(tmp_path, 24, seed=1, kinds=["text-pdf"], families=["form"])
    split = both = to_parent = 0
    for p in paths:
        truth = json.loads(p.read_text(encoding="utf-8"))
        _pages, text = _pdf_text(tmp_path / truth["file"])
        text = text.replace("\r\n", "\n")
        first, family = truth["fields"]["patient_name"].split(" ", 1)
        if re.search(rf"\b(Prénom|Vorname|Nome) {first}\b", text):
            assert re.search(rf"\b(Nom|Name|Cognome) {family}\b", text), truth["file"]
            split += 1
        both += bool(re.search(r"\bPatient\((e|in)\) ", text))
        window = re.search(r"^(Madame|Monsieur|Frau|Herr|Signora|Signor)\n(.+)$", text, re.M)
        assert window, truth["file"]
        if window.group(2) != truth["fields"]["patient_name"]:
            assert window.group(2).endswith(f" {family}"), truth["file"]
            to_parent += 1
    assert split and both and to_parent, (split, both, to_parent)
