from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone, translation

from claims.intake import Field, IntakeError, TransientIntakeError
from claims.models import Claim, ClaimStatus, ExtractedField, FieldSource
from claims.notes import render_all
from claims.processing import find_duplicate, merge_fields, process_claim
from claims.tasks import requeue_stuck_claims, run_intake
from claims.tests.factories import (
    QR_TEXT_PDF,
    ClaimFactory,
    ClaimPageFactory,
    reading,
    truth,
)
from documents.tests.factories import private_storage_follows_settings


@pytest.fixture
def read(monkeypatch):
    """Replace the pipeline by a fake reading (the real one is tested in claims/intake)."""
    fake = mock.Mock(return_value=reading(
        amount=("183.45", "qr", 0.99), currency=("CHF", "qr", 0.99),
        provider_gln=("7601000000000", "ocr", 0.9), invoice_number=("F-42", "ocr", 0.45),
        provider_name=("Cabinet Exemple", "ocr", 0.8)))
    monkeypatch.setattr("claims.processing.read_invoice", fake)
    return fake


def test_merge_prefers_the_qr_bill_then_the_most_confident_page():
    merged = merge_fields([
        {"amount": Field(Decimal("10.00"), "ocr", 0.99), "iban": Field("CH1", "ocr", 0.5)},
        {"amount": Field(Decimal("12.00"), "qr", 0.9), "iban": Field("CH2", "ocr", 0.8),
         "reference": None},
    ])
    assert merged["amount"].value == Decimal("12.00")
    assert merged["iban"].value == "CH2"
    assert "reference" not in merged


def test_intake_stores_fields_and_moves_the_claim_to_review(db, read):
    claim = ClaimFactory()
    result = run_intake.delay(claim.pk).get()
    claim.refresh_from_db()
    assert result["status"] == ClaimStatus.TO_REVIEW
    assert claim.status == ClaimStatus.TO_REVIEW
    assert (claim.amount, claim.currency, claim.provider_name) == (
        Decimal("183.45"), "CHF", "Cabinet Exemple")
    fields = {f.name: (f.value, f.source) for f in claim.fields.all()}
    assert fields["amount"] == ("183.45", "qr")
    assert fields["invoice_number"] == ("F-42", "ocr")
    assert [c.status for c in claim.status_changes.order_by("at", "id")] == [
        "received", "processing", "to_review"]
    assert set(claim.timings) >= {"load", "decode", "ocr", "total"}
    assert claim.attempts == 1


def test_running_the_intake_twice_does_nothing_the_second_time(db, read):
    claim = ClaimFactory()
    run_intake.delay(claim.pk)
    second = run_intake.delay(claim.pk).get()
    assert second["skipped"] is True
    assert read.call_count == 1
    assert ExtractedField.objects.filter(claim=claim).count() == 5
    assert claim.status_changes.count() == 3


def test_a_decided_claim_is_never_touched_by_the_intake(db, read):
    claim = ClaimFactory(status=ClaimStatus.ACCEPTED)
    assert process_claim(claim.pk).skipped
    read.assert_not_called()


def test_each_page_is_read_and_the_best_fields_kept(db, read):
    claim = ClaimFactory()
    ClaimPageFactory(claim=claim, order=1)
    read.side_effect = [
        reading(amount=("99.00", "ocr", 0.5)),
        reading(amount=("183.45", "ocr", 0.95), iban=("CH9300762011623852957", "ocr", 0.9)),
    ]
    process_claim(claim.pk)
    assert dict(claim.fields.values_list("name", "value")) == {
        "amount": "183.45", "iban": "CH9300762011623852957"}


def test_an_unreadable_file_still_reaches_review_with_a_warning(db, read):
    read.side_effect = IntakeError("Le fichier est endommagé")
    claim = ClaimFactory()
    run_intake.delay(claim.pk)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.TO_REVIEW
    with translation.override("fr"):
        notes = " ".join(render_all(claim.review_notes))
    assert "Le fichier est endommagé" in notes
    assert "Aucune page" in notes
    assert claim.pages.count() == 1  # the upload is never lost


def test_a_transient_error_schedules_a_retry_with_backoff_and_the_retry_succeeds(db, read):
    from celery.exceptions import Retry

    ok = read.return_value
    read.side_effect = [TransientIntakeError("tesseract timeout"), ok]
    claim = ClaimFactory()
    with pytest.raises(Retry) as retry:
        run_intake.apply(args=[claim.pk])
    assert retry.value.when <= 5  # first backoff step, with jitter
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PROCESSING
    run_intake.apply(args=[claim.pk], retries=1)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.TO_REVIEW
    assert claim.amount == Decimal("183.45")


def test_transient_errors_give_up_to_review_after_the_last_retry(db, read):
    read.side_effect = TransientIntakeError("tesseract timeout")
    claim = ClaimFactory()
    result = run_intake.apply(args=[claim.pk], retries=run_intake.max_retries).get()
    claim.refresh_from_db()
    assert result["gave_up"] is True
    assert claim.status == ClaimStatus.TO_REVIEW
    with translation.override("fr"):
        assert "erreur temporaire" in " ".join(render_all(claim.review_notes))


def test_intake_is_routed_to_the_ocr_queue_and_retries_transient_errors():
    from core.celery import app

    route = app.amqp.router.route({}, run_intake.name, args=(), kwargs={})
    assert route["queue"].name == "ocr"
    assert ConnectionError in run_intake.autoretry_for


def test_same_files_as_an_earlier_claim_is_flagged_duplicate(db, read):
    first = ClaimFactory(status=ClaimStatus.ACCEPTED, checksum="a" * 64)
    again = ClaimFactory(customer=first.customer, checksum="a" * 64)
    process_claim(again.pk)
    again.refresh_from_db()
    assert again.is_duplicate and again.duplicate_of == first


def test_same_gln_number_and_amount_is_flagged_duplicate(db, read):
    first = ClaimFactory(status=ClaimStatus.TO_REVIEW, amount=Decimal("183.45"))
    for name, value in [("provider_gln", "7601000000000"), ("invoice_number", "F-42")]:
        ExtractedField.objects.create(claim=first, name=name, value=value, source="ocr",
                                      confidence=0.9)
    again = ClaimFactory(customer=first.customer)
    process_claim(again.pk)
    again.refresh_from_db()
    assert again.duplicate_of == first


def test_another_households_identical_invoice_is_not_a_duplicate(db, read):
    ClaimFactory(checksum="b" * 64)
    mine = ClaimFactory(checksum="b" * 64)
    assert find_duplicate(mine) is None


def test_advisor_corrections_survive_a_new_reading(db, read):
    claim = ClaimFactory()
    ExtractedField.objects.create(claim=claim, name="amount", value="200.00",
                                  source=FieldSource.ADVISOR, confidence=1.0)
    process_claim(claim.pk)
    assert claim.fields.get(name="amount").value == "200.00"


def test_stuck_claims_are_requeued(db):
    old = timezone.now() - timedelta(minutes=30)
    stuck = ClaimFactory(status_changed_at=old)
    ClaimFactory()  # just received: the queue still has it
    # Within the intake's time limit (5 min): its worker may still be reading it.
    ClaimFactory(status=ClaimStatus.PROCESSING,
                 status_changed_at=timezone.now() - timedelta(minutes=4))
    lost = ClaimFactory(status=ClaimStatus.PROCESSING,  # past it: its worker died
                        status_changed_at=timezone.now() - timedelta(minutes=7))
    ClaimFactory(status=ClaimStatus.TO_REVIEW, status_changed_at=old)
    with mock.patch("claims.tasks.run_intake.apply_async") as delay:
        assert requeue_stuck_claims() == 2
    assert sorted(call.kwargs["args"] for call in delay.call_args_list) == [
        (stuck.pk,), (lost.pk,)]


def test_requeue_is_registered_in_the_beat_schedule():
    from core.celery import app

    entry = app.conf.beat_schedule["claims-requeue-stuck"]
    assert entry["task"] == "claims.tasks.requeue_stuck_claims"
    assert entry["schedule"] <= 5 * 60


def test_decisions_notify_the_customer_but_intake_steps_do_not(db, read, advisor):
    from claims import lifecycle

    claim = ClaimFactory()
    with mock.patch("claims.lifecycle.notify_new_activity") as notify:
        process_claim(claim.pk)
        notify.assert_not_called()
        claim.refresh_from_db()
        lifecycle.accept(claim, advisor=advisor, amount=Decimal("10.00"))
    notify.assert_called_once_with(claim.customer, reason="claim")


def test_the_real_pipeline_reads_a_text_pdf_qr_invoice(db):
    claim = ClaimFactory(page=False)
    ClaimPageFactory(claim=claim, data=QR_TEXT_PDF.read_bytes(),
                     content_type="application/pdf")
    process_claim(claim.pk)
    claim.refresh_from_db()
    assert claim.amount == Decimal(truth(QR_TEXT_PDF)["amount"])
    assert claim.fields.get(name="iban").source == "qr"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_reads_a_claim(live_celery, settings):
    from kptportal import settings as configured

    # The worker is another process: the page must be saved where its settings look for it.
    settings.STORAGES = {**settings.STORAGES, "private": configured.STORAGES["private"]}
    claim = ClaimFactory(page=False)
    with private_storage_follows_settings():
        page = ClaimPageFactory(claim=claim, data=QR_TEXT_PDF.read_bytes(),
                                content_type="application/pdf")
        live_celery.conf.task_always_eager = False
        result = run_intake.delay(claim.pk)
        assert result.get(timeout=120)["status"] == ClaimStatus.TO_REVIEW
        claim = Claim.objects.get(pk=claim.pk)
        assert claim.status == ClaimStatus.TO_REVIEW
        assert claim.amount == Decimal(truth(QR_TEXT_PDF)["amount"])
        page.file.storage.delete(page.file.name)


def test_the_claim_keeps_each_steps_record(db, read):
    claim = ClaimFactory()
    process_claim(claim.pk)
    claim.refresh_from_db()
    assert [s["step"] for s in claim.intake_log["steps"]] == [
        "read", "merge", "patient", "store", "duplicates"]
    assert claim.intake_log["run"] == "full"
    assert claim.intake_log["files"][0]["file"] == "photo.jpg"
    assert all(s["cpu_ms"] >= 0 and s["wall_ms"] >= 0 for s in claim.intake_log["steps"])


def test_a_step_that_fails_for_good_hands_the_claim_over_with_a_note_naming_it(db, read):
    claim = ClaimFactory()
    with mock.patch("claims.processing.merge_fields", side_effect=TypeError("bug")):
        outcome = process_claim(claim.pk)
    claim.refresh_from_db()
    assert outcome.status == claim.status == ClaimStatus.TO_REVIEW
    assert claim.review_notes[0]["code"] == "step_failed"
    assert claim.review_notes[0]["params"]["step"] == "merge"
    with translation.override("fr"):
        assert "« merge »" in render_all(claim.review_notes)[0]


def test_the_words_are_stored_and_the_extraction_runs_again_without_the_ocr(db):
    from claims import snapshots
    from claims.processing import reextract_claim

    claim = ClaimFactory(page=False)
    page = ClaimPageFactory(claim=claim, data=QR_TEXT_PDF.read_bytes(),
                            content_type="application/pdf")
    process_claim(claim.pk)
    assert snapshots.load(page)["lines"]
    claim.fields.filter(name="invoice_number").delete()
    with mock.patch("claims.processing.read_invoice", side_effect=AssertionError("read")):
        outcome = reextract_claim(claim.pk)
    claim.refresh_from_db()
    assert outcome is not None and outcome.status == ClaimStatus.TO_REVIEW
    assert claim.fields.get(name="invoice_number").value == truth(QR_TEXT_PDF)["invoice_number"]
    assert claim.intake_log["run"] == "extract"
    assert claim.status_changes.count() == 3  # received, processing, to_review: no new step


def test_a_claim_without_stored_words_is_not_extracted_again(db, read):
    from claims.processing import reextract_claim

    claim = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    assert reextract_claim(claim.pk) is None


def test_the_claims_steps_each_do_one_thing(db):
    from datetime import date as day

    from accounts.tests.factories import InsuredPersonFactory
    from claims.intake.chain import run_steps
    from claims.processing import CheckPatient, ClaimContext, FileReading, Merge

    claim = ClaimFactory()
    InsuredPersonFactory(customer=claim.customer, first_name="Anna", last_name="Muster",
                         birth_date=day(1981, 4, 17))
    ctx = ClaimContext(claim=claim, files=[
        FileReading(claim.pages.get(), reading(patient_name=("Anna Muster", "ocr", 0.9),
                                               amount=("10.00", "ocr", 0.5))),
        FileReading(claim.pages.get(), reading(amount=("12.00", "qr", 0.99)))])
    run_steps(ctx, [Merge()])
    assert ctx.merged["amount"].value == Decimal("12.00")
    assert ctx.records[-1].out == {"fields": ["amount", "patient_name"]}
    run_steps(ctx, [CheckPatient()])
    assert [n["code"] for n in ctx.notes] == ["patient_mismatch_name", "patient_in_household"]
    assert ctx.records[-1].notes == ctx.notes  # the notes are the step's


def test_the_memory_is_given_back_after_each_claim_read_or_not(db, read):
    claim = ClaimFactory()
    with mock.patch("claims.tasks.give_back_memory") as give_back:
        run_intake.delay(claim.pk).get()
    assert give_back.call_count == 1
    read.side_effect = IntakeError("unreadable")
    with mock.patch("claims.tasks.give_back_memory") as give_back:
        run_intake.delay(ClaimFactory().pk).get()
    assert give_back.call_count == 1
