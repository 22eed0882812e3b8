import json
from datetime import timedelta
from io import StringIO
from unittest import mock

from django.core.management import call_command
from django.utils import timezone

from claims.models import Claim, ClaimStatus
from claims.tests.factories import QR_TEXT_PDF, ClaimFactory, truth


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_extract_invoice_prints_one_json_line_per_file_even_for_unreadable_ones(tmp_path):
    # No database fixture: the command must not touch the database (no claim is created).
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    missing = tmp_path / "missing.jpg"
    pdf = str(QR_TEXT_PDF)
    lines = [json.loads(line) for line in
             run("extract_invoice", pdf, str(broken), str(missing), "--json").splitlines()]
    assert [line["file"] for line in lines] == [pdf, str(broken), str(missing)]
    assert lines[0]["amount"]["value"] == truth(QR_TEXT_PDF)["amount"]
    assert lines[0]["iban"]["source"] == "qr"
    assert "error" not in lines[0]
    assert lines[1]["error"] and lines[2]["error"]


def test_reprocess_claims_requeues_claims_by_status_and_date(db):
    old = ClaimFactory(status=ClaimStatus.TO_REVIEW,
                       created_at=timezone.now() - timedelta(days=40))
    recent = ClaimFactory(status=ClaimStatus.TO_REVIEW)
    accepted = ClaimFactory(status=ClaimStatus.ACCEPTED)
    since = (timezone.now() - timedelta(days=7)).date().isoformat()
    with mock.patch("claims.tasks.run_intake.delay") as delay:
        output = run("reprocess_claims", "--since", since)
    delay.assert_called_once_with(recent.pk)
    assert "1 of 1" in output
    recent.refresh_from_db()
    assert recent.status == ClaimStatus.RECEIVED
    for claim in (old, accepted):
        before = claim.status
        claim.refresh_from_db()
        assert claim.status == before


def test_reprocess_claims_takes_decided_claims_only_when_asked(db):
    accepted = ClaimFactory(status=ClaimStatus.ACCEPTED)
    with mock.patch("claims.tasks.run_intake.delay") as delay:
        run("reprocess_claims", "--status", "accepted")
    delay.assert_called_once_with(accepted.pk)
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
