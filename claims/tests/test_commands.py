import json
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from claims.models import Claim, ClaimStatus
from claims.tests.factories import QR_TEXT_PDF, ClaimFactory, truth


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def run_failing(*args) -> tuple[str, str]:
    out = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command(*args, stdout=out)
    return out.getvalue(), str(failure.value)


def test_extract_invoice_prints_one_json_line_per_file_even_for_unreadable_ones(tmp_path):
    # No database fixture: the command must not touch the database (no claim is created).
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    missing = tmp_path / "missing.jpg"
    pdf = str(QR_TEXT_PDF)
    out, error = run_failing("extract_invoice", pdf, str(broken), str(missing), "--json")
    lines = [json.loads(line) for line in out.splitlines()]
    assert error == "2 of 3 file(s) could not be read."
    assert [line["file"] for line in lines] == [pdf, str(broken), str(missing)]
    assert lines[0]["amount"]["value"] == truth(QR_TEXT_PDF)["amount"]
    assert lines[0]["iban"]["source"] == "qr"
    assert "error" not in lines[0]
    assert lines[1]["error"] and lines[2]["error"]


def test_extract_invoice_exit_status_tells_a_script_whether_every_file_was_read(tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    manage = [sys.executable, str(Path(__file__).resolve().parents[2] / "manage.py")]
    ok = subprocess.run([*manage, "extract_invoice", str(QR_TEXT_PDF), "--json"],
                        capture_output=True, text=True, check=False)
    bad = subprocess.run([*manage, "extract_invoice", str(QR_TEXT_PDF), str(broken), "--json"],
                         capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert bad.returncode == 1
    assert len(bad.stdout.splitlines()) == 2  # the good file is still printed
    assert "1 of 2 file(s) could not be read." in bad.stderr


def test_reprocess_claims_requeues_claims_by_status_and_date(db):
    old = ClaimFactory(status=ClaimStatus.TO_REVIEW,
                       created_at=timezone.now() - timedelta(days=40))
    recent = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    accepted = ClaimFactory(status=ClaimStatus.ACCEPTED)
    since = (timezone.now() - timedelta(days=7)).date().isoformat()
    with mock.patch("claims.tasks.run_intake.apply_async") as delay:
        output = run("reprocess_claims", "--since", since)
    delay.assert_called_once()  # through the outbox
    assert delay.call_args.kwargs["args"] == (recent.pk,)
    assert "1 of 1" in output
    recent.refresh_from_db()
    assert recent.status == ClaimStatus.RECEIVED
    for claim in (old, accepted):
        before = claim.status
        claim.refresh_from_db()
        assert claim.status == before


def test_reprocess_claims_takes_decided_claims_only_when_asked(db):
    accepted = ClaimFactory(status=ClaimStatus.ACCEPTED)
    with mock.patch("claims.tasks.run_intake.apply_async") as delay:
        run("reprocess_claims", "--status", "accepted")
    delay.assert_called_once()  # through the outbox
    assert delay.call_args.kwargs["args"] == (accepted.pk,)
    assert [c.status for c in accepted.status_changes.order_by("at", "id")][-2:] == [
        "to_review", "received"]


def test_demo_seed_is_idempotent(db):
    from accounts import demo as accounts_demo
    from claims import demo

    accounts_demo.seed()
    demo.seed()
    demo.seed()
    claims = Claim.objects.filter(customer__account__username="KPT12345678")
    assert claims.count() == 3
    assert set(claims.values_list("status", flat=True)) == {"settled", "rejected", "to_review"}


def test_reprocess_claims_step_extract_reads_the_stored_words_again_here_and_now(db):
    from claims.processing import process_claim
    from claims.tests.factories import ClaimPageFactory

    claim = ClaimFactory(page=False)
    ClaimPageFactory(claim=claim, data=QR_TEXT_PDF.read_bytes(), content_type="application/pdf")
    process_claim(claim.pk)
    never_read = ClaimFactory(status=ClaimStatus.TO_REVIEW)  # read before words were stored
    claim.fields.all().delete()
    with mock.patch("claims.processing.read_invoice", side_effect=AssertionError("OCR")), \
            mock.patch("claims.tasks.run_intake.apply_async") as delay:
        output = run("reprocess_claims", "--step", "extract")
    assert "1 of 2 claims extracted again" in output and "1 without stored words" in output
    assert claim.fields.get(name="amount").value == truth(QR_TEXT_PDF)["amount"]
    assert delay.call_args.kwargs["args"] == (never_read.pk,)
