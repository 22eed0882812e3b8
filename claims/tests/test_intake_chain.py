"""The intake as a chain of small steps: the runner's records and error policy, each step
alone, the snapshot that lets the steps after the OCR run again."""

from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
from PIL import Image

from claims.intake import IntakeError, TransientIntakeError, read_invoice, reread_invoice
from claims.intake.chain import run_steps
from claims.intake.errors import CorruptFileError, ImageTooLargeError
from claims.intake.notes import Note
from claims.intake.ocr import lines_from_runs
from claims.intake.qrbill import parse_spc
from claims.intake.steps import (
    CrossCheck,
    Extract,
    IntakeContext,
    Layout,
    ReadQr,
    Rescue,
)
from claims.tests.corpus.generate import qr_image
from claims.tests.factories import QR_TEXT_PDF, truth
from claims.tests.test_intake_qrbill import spc

TODAY = date(2026, 3, 20)


class Noting:
    name = "noting"

    def run(self, ctx):
        ctx.notes.append(Note("no_text"))
        return {"said": 1}


class Failing:
    name = "failing"

    def __init__(self, exc):
        self.exc = exc

    def run(self, ctx):
        raise self.exc


def test_each_step_is_recorded_with_its_time_output_and_notes():
    ctx = run_steps(IntakeContext(), [Noting(), Layout()])
    first, second = ctx.records
    assert (first.step, first.status, first.out) == ("noting", "ok", {"said": 1})
    assert first.notes == [{"code": "no_text"}]
    assert second.notes == []  # a note belongs to the step that added it
    assert first.wall_ms >= 0 and first.cpu_ms >= 0
    assert set(first.as_json()) >= {"step", "status", "wall_ms", "cpu_ms"}


def test_a_transient_error_goes_up_unchanged_for_a_retry():
    ctx = IntakeContext()
    with pytest.raises(TransientIntakeError):
        run_steps(ctx, [Failing(TransientIntakeError("OCR timed out."))])
    assert ctx.records[0].status == "failed"


def test_a_permanent_error_goes_up_with_the_step_that_failed():
    ctx = IntakeContext()
    with pytest.raises(CorruptFileError) as failed:
        run_steps(ctx, [Layout(), Failing(CorruptFileError("damaged")), Noting()])
    assert failed.value.step == "failing"
    assert [r.step for r in ctx.records] == ["layout", "failing"]  # the chain stopped


def test_a_library_exception_becomes_a_permanent_intake_error():
    with pytest.raises(IntakeError, match="KeyError") as failed:
        run_steps(IntakeContext(), [Failing(KeyError("x"))])
    assert not failed.value.retryable and failed.value.step == "failing"


def test_running_out_of_memory_means_the_file_is_too_large():
    with pytest.raises(ImageTooLargeError):
        run_steps(IntakeContext(), [Failing(MemoryError())])


def _lines(*runs):
    return lines_from_runs([(t, x * 10, y * 10, len(t) * 17.0, 30.0) for x, y, t in runs])


def test_layout_then_extract_read_the_fields_from_the_words():
    ctx = IntakeContext(today=TODAY, lines=_lines(
        (20, 10, "Cabinet Exemple"), (20, 70, "N° de facture"), (55, 70, "2026-0042"),
        (20, 75, "Date facture"), (55, 75, "12.03.2026"),
        (110, 120, "Montant dû CHF"), (190, 120, "200.00")))
    run_steps(ctx, [Layout(), Extract()])
    assert ctx.records[0].out["boxes"] == 7
    assert ctx.fields["invoice_number"].value == "2026-0042"
    assert ctx.fields["amount"].value == Decimal("200.00")
    assert ctx.records[1].out["found"]["amount"]["source"] == "text-layer"


def test_the_qr_step_tells_how_far_the_page_is_turned():
    page = Image.new("L", (1240, 1754), 255)
    page.paste(qr_image(spc()).resize((500, 500)), (400, 1100))
    ctx = IntakeContext()
    from claims.intake.normalise import Page

    turned = page.rotate(90, expand=True)  # a quarter turn counter-clockwise
    ctx.pages = [Page(index=0, original=turned, image=turned)]
    out = run_steps(ctx, [ReadQr()]).records[0].out
    assert out["found"] is True and out["turn"] == 90  # a quarter turn clockwise undoes it
    assert ctx.qr is not None and ctx.qr_payload.startswith("SPC")


def test_the_rescue_runs_only_for_missing_fields_and_reuses_a_stored_second_reading():
    ctx = IntakeContext(today=TODAY, lines=_lines((20, 10, "Cabinet Exemple")))
    ctx.extra_lines = _lines((20, 70, "Rechnungsnummer 4711-22"))
    run_steps(ctx, [Layout(), Extract()])
    with mock.patch("claims.intake.steps.rescue_lines", side_effect=AssertionError("OCR")):
        run_steps(ctx, [Rescue()])
    assert ctx.fields["invoice_number"].value == "4711-22"
    assert "invoice_number" in ctx.records[-1].out["filled"]


def test_a_guessed_date_is_read_again_and_replaced_by_a_labelled_one():
    ctx = IntakeContext(today=TODAY, lines=_lines(
        (20, 10, "Cabinet Exemple"), (20, 60, "Rxchnungsdaturn 12.03.2026"),
        (20, 70, "Kontrolle 17.03.2026")))
    ctx.extra_lines = _lines((20, 60, "Rechnungsdatum 12.03.2026"))
    run_steps(ctx, [Layout(), Extract()])
    assert ctx.fields["invoice_date"].value == date(2026, 3, 17)  # the latest date: a guess
    run_steps(ctx, [Rescue()])
    assert ctx.fields["invoice_date"].value == date(2026, 3, 12)
    assert "invoice_date" in ctx.records[-1].out["filled"]


def test_the_cross_check_notes_a_printed_amount_that_differs_from_the_qr_bill():
    qr = parse_spc(spc())
    ctx = IntakeContext(today=TODAY, qr=qr, lines=_lines(
        (20, 10, "Cabinet Exemple"), (110, 120, "Montant dû CHF"), (190, 120, "1.00")))
    run_steps(ctx, [Layout(), Extract(), CrossCheck()])
    assert [n.code for n in ctx.notes][0] == "qr_amount_differs"


def test_the_steps_after_the_ocr_run_again_from_the_snapshot_without_the_file():
    first = read_invoice(QR_TEXT_PDF.read_bytes())
    with mock.patch("claims.intake.steps.load_pages", side_effect=AssertionError("decoded")):
        again = reread_invoice(first.snapshot)
    assert {n: f.value if f else None for n, f in again.fields.items()} == {
        n: f.value if f else None for n, f in first.fields.items()}
    assert again.fields["amount"].value == Decimal(truth(QR_TEXT_PDF)["amount"])
    # the records of the steps up to the OCR are kept from the first reading
    assert [r.step for r in again.steps] == ["decode", "qr", "normalise", "qr", "ocr", "layout",
                                             "extract", "rescue", "cross-check"]
    assert again.steps[0].wall_ms == first.steps[0].wall_ms


def _ocr_line(y, text, conf=91.0):
    from claims.intake.ocr import Line, Word

    words, x = [], 100
    for w in text.split():
        words.append(Word(w, conf, x, y, len(w) * 17, 30))
        x += len(w) * 17 + 9
    return Line(text, conf / 100, tuple(words))


def test_the_rescue_reads_again_the_rows_of_the_missing_fields_labels():
    from claims.intake.rescue import rows_to_read_again

    lines = [_ocr_line(100, "Cabinet Exemple"), _ocr_line(700, "GLN fournisseur 76O1OOO"),
             _ocr_line(740, "Rechnungsnummer"), _ocr_line(780, "R-12345"),
             _ocr_line(900, "Consultation 50.00", conf=40.0)]
    assert rows_to_read_again(lines, ["provider_gln", "invoice_number"], 0) == [1, 2]
    # no label of the missing field in sight: the least confident rows
    assert rows_to_read_again(lines, ["patient_name"], 0) == [4]


def _rescue(lines, missing, read):
    """The rescue on a blank A4 page whose Tesseract answers ``read(image)`` (rows at the
    image's scale); what it returns and the image of each Tesseract run."""
    from claims.intake import rescue
    from claims.intake.normalise import Page
    from claims.intake.ocr import OcrResult

    image = Image.new("L", (1700, 2400), 255)
    seen = []

    def fake_ocr(img, **kwargs):
        seen.append((img, kwargs))
        return OcrResult(words=[], lines=read(img))

    with mock.patch.object(rescue, "ocr_image", fake_ocr):
        again = rescue.rescue_lines([Page(index=0, original=image, image=image)], lines, missing)
    return again, seen


def test_the_rescue_ocrs_bands_of_the_page_not_the_whole_page():
    from claims.intake import rescue

    lines = [_ocr_line(100, "Cabinet Exemple"), _ocr_line(700, "GLN 76O1OOOOOOOO2")]
    again, seen = _rescue(lines, ["provider_gln"],
                          lambda _img: [_ocr_line(10, "GLN 7601000000002")])
    # one band, enlarged
    assert len(seen) == 1 and seen[0][0].height < 2400 * rescue.SCALE / 10
    assert [ln.text for ln in again] == ["Cabinet Exemple", "GLN 7601000000002"]


def test_the_rescue_reads_all_its_bands_in_one_tesseract_run_with_every_language():

    lines = [_ocr_line(100, "Cabinet Exemple"), _ocr_line(700, "GLN 76O1OOOOOOOO2"),
             _ocr_line(1500, "Rechnungsnummer"), _ocr_line(1900, "Total 50.00")]
    # two bands of the same height stacked, each followed by a white gap; a row read 24 px
    # under the top of each band (48 px once enlarged)
    again, seen = _rescue(lines, ["provider_gln", "invoice_number"], lambda img: [
        _ocr_line(48, "GLN 7601000000002"),
        _ocr_line(img.height // 2 + 48, "Rechnungsnummer R-1")])
    assert len(seen) == 1
    assert [(ln.text, ln.top) for ln in again] == [
        ("Cabinet Exemple", 100), ("GLN 7601000000002", 700),
        ("Rechnungsnummer R-1", 1500), ("Total 50.00", 1900)]
    # each further language has Tesseract read again the words the first model does not know:
    # the first reading has two, the second reading of a few rows all three
    assert seen[0][1]["langs"].split("+") == ["fra", "deu", "ita"]


def test_a_line_tesseract_joins_across_two_bands_is_put_back_word_by_word():
    lines = [_ocr_line(100, "Cabinet Exemple"), _ocr_line(700, "GLN 76O1OOOOOOOO2"),
             _ocr_line(1500, "Rechnungsnummer"), _ocr_line(1900, "Total 50.00")]

    def joined(img):
        # a tall speck makes one line of a word of each band
        from claims.intake.ocr import Line, Word

        return [Line("7601000000002 R-1", 0.9, (
            Word("7601000000002", 90.0, 200, 48, 200, 30),
            Word("R-1", 80.0, 600, img.height // 2 + 48, 60, 30)))]

    again, _seen = _rescue(lines, ["provider_gln", "invoice_number"], joined)
    placed = {ln.text: ln.top for ln in again}
    assert placed["7601000000002"] == 700 and placed["R-1"] == 1500


def test_a_long_scan_is_read_again_in_stacks_tesseract_accepts(monkeypatch):
    from claims.intake import rescue

    monkeypatch.setattr(rescue, "MAX_STACK", 300)  # one enlarged band and its gap each
    lines = [_ocr_line(100, "Cabinet Exemple"), _ocr_line(700, "GLN 76O1OOOOOOOO2"),
             _ocr_line(1500, "Rechnungsnummer"), _ocr_line(1900, "Total 50.00")]
    again, seen = _rescue(lines, ["provider_gln", "invoice_number"],
                          lambda _img: [_ocr_line(48, "read")])
    assert len(seen) == 2 and all(img.height <= 300 for img, _kw in seen)
    assert [ln.top for ln in again if ln.text == "read"] == [700, 1500]


def test_a_second_reading_that_fails_leaves_the_first_one_standing():
    from claims.intake.normalise import Page

    ctx = IntakeContext(today=TODAY, lines=_lines((20, 10, "Cabinet Exemple")))
    ctx.pages = [Page(index=0, original=Image.new("L", (10, 10)), image=Image.new("L", (10, 10)))]
    run_steps(ctx, [Layout(), Extract()])
    with mock.patch("claims.intake.steps.rescue_lines",
                    side_effect=ImageTooLargeError("too tall")):
        run_steps(ctx, [Rescue()])
    assert ctx.records[-1].status == "ok"
    assert ctx.records[-1].out["filled"] == [] and "too tall" in ctx.records[-1].out["error"]
    assert ctx.extra_lines == []


def test_tesseract_reads_an_uncompressed_copy_of_the_page_in_french_and_german(monkeypatch):
    import pytesseract

    from claims.intake.ocr import ocr_image

    calls = []

    def fake_data(image, **kwargs):
        calls.append((image, kwargs["lang"]))
        return {k: [] for k in ("text", "conf", "left", "top", "width", "height",
                                "block_num", "par_num", "line_num")}

    monkeypatch.setattr(pytesseract, "image_to_data", fake_data)
    ocr_image(Image.new("L", (400, 300), 255))
    assert len(calls) == 1 and str(calls[0][0]).endswith(".pgm")
    assert calls[0][1] == "fra+deu"


def test_decode_then_ocr_take_a_pdfs_text_layer_without_tesseract():
    from claims.intake.steps import Decode, Normalise, Ocr

    ctx = IntakeContext(data=QR_TEXT_PDF.read_bytes())
    with mock.patch("claims.intake.steps.ocr_image", side_effect=AssertionError("OCR ran")):
        run_steps(ctx, [Decode(), Normalise(), Ocr()])
    decode, _normalise, ocr = ctx.records
    assert decode.out["pages"] == 1 and decode.out["text_layer"] == [True]
    assert ocr.out["pages"][0]["source"] == "text-layer"
    assert any(truth(QR_TEXT_PDF)["invoice_number"] in ln.text for ln in ctx.lines)


def test_the_page_as_decoded_is_let_go_once_normalised():
    from claims.intake.normalise import Page
    from claims.intake.steps import Normalise

    photo = Image.new("RGB", (1240, 1754), (250, 250, 250))
    ctx = IntakeContext()
    ctx.pages = [Page(index=0, original=photo, image=photo)]
    run_steps(ctx, [Normalise()])
    page = ctx.pages[0]
    assert page.image.mode == "L"
    assert page.original is page.image  # the colour image is no longer held


def test_a_text_pdf_page_is_not_copied_to_grayscale_again():
    from claims.intake.normalise import load_pages
    from claims.intake.steps import Normalise

    ctx = IntakeContext()
    ctx.pages = load_pages(QR_TEXT_PDF.read_bytes(), normalise=False)
    rendered = ctx.pages[0].original
    run_steps(ctx, [Normalise()])
    assert ctx.pages[0].image is rendered and ctx.pages[0].original is rendered


def test_the_rescue_does_not_spend_its_bands_on_the_noise_of_the_payment_part():
    from claims.intake.rescue import payment_part_top, rows_to_read_again

    lines = [_ocr_line(100, "Cabinet Exemple"),
             _ocr_line(400, ". : ablie le .10. o", conf=59.0),  # a garbled label and date
             _ocr_line(900, "Consultation 50.00"),
             _ocr_line(1560, "Récépissé Section paiement Compte / Payable à"),
             *[_ocr_line(1600 + 40 * k, "ı Er LM Du = ! Ir", conf=20.0) for k in range(8)]]
    assert payment_part_top(lines, 0) == 1560
    assert rows_to_read_again(lines, ["invoice_date"], 0) == [1]
    # "Ricevuta" / "Récépissé" alone heads a till receipt, not a payment part
    till = [_ocr_line(100, "Ricevuta n. 4711"), _ocr_line(400, "Totale 12.50", conf=40.0)]
    assert payment_part_top(till, 0) is None
    assert rows_to_read_again(till, ["invoice_date"], 0) == [1]


def test_the_second_reading_fills_any_field_the_first_left_empty():
    ctx = IntakeContext(today=TODAY, lines=_lines((20, 10, "Cabinet Exemple")))
    ctx.extra_lines = _lines((20, 60, "Rechnungsnummer 4711-22"),
                             (20, 70, "Geburtsdatum 17.04.1981"))
    run_steps(ctx, [Layout(), Extract(), Rescue()])
    assert ctx.fields["invoice_number"].value == "4711-22"  # read again for it
    assert ctx.fields["patient_birth_date"].value == date(1981, 4, 17)  # empty: filled too
    assert {"invoice_number", "patient_birth_date"} <= set(ctx.records[-1].out["filled"])


def test_a_missing_birth_date_sends_the_row_of_its_label_to_the_second_reading():
    from claims.intake.rescue import rows_to_read_again

    lines = [_ocr_line(100, "Cabinet Exemple"), _ocr_line(500, "Date de naissance 1?.O4.198l"),
             _ocr_line(900, "Consultation 50.00", conf=40.0)]
    assert rows_to_read_again(lines, ["patient_birth_date"], 0) == [1]
