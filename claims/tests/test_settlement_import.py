"""import_settlements: statements from the core system, archived with their PDF, settling
the claims they name; bad statements reported by file and line, re-runs harmless."""

import json
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts import payout
from audit.models import AuditEvent
from claims.models import ClaimStatus
from claims.tests.factories import ClaimFactory
from core import sms
from core.iban import mask
from documents.models import BenefitStatement, Document, DocumentType

pytestmark = pytest.mark.django_db
HEADER = ("statement_reference;contract_or_customer_number;insured_number;issue_date;paid_to;"
          "paid_on;claim;provider;treatment_date;line;billed;deductible;copay;not_covered;"
          "reimbursed")
MASKED = mask("CH5800791123000889012")  # CH•• •••• 9012
TODAY = timezone.localdate()
ISSUED = (TODAY - timedelta(days=10)).strftime("%d.%m.%Y")
PAID = (TODAY - timedelta(days=8)).strftime("%d.%m.%Y")
TREATED = (TODAY - timedelta(days=30)).strftime("%d.%m.%Y")


def run(folder, files: dict[str, str]) -> tuple[str, CommandError | None]:
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    out = StringIO()
    try:
        call_command("import_settlements", str(folder), stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def row(customer, *, reference="SIN-2026-4711", claim="", provider="Cabinet médical du Lac",
        billed="183.45", deductible="0", copay="18.35", not_covered="0", reimbursed="165.10",
        paid_to="insured", paid_on=PAID, issued=ISSUED, treated=TREATED, line="KVG",
        person=None) -> str:
    person = person or customer.policy_holder
    return ";".join([reference, customer.account.username, person.insured_number, issued,
                     paid_to, paid_on, claim, provider, treated, line, billed, deductible,
                     copay, not_covered, reimbursed])


def csv(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


@pytest.fixture
def accepted(customer):
    payout.set_account(customer, iban="CH5800791123000889012", holder="Anna Muster", by=None,
                       notify=False)
    return ClaimFactory(customer=customer, insured_person=customer.policy_holder,
                        status=ClaimStatus.ACCEPTED, amount=Decimal("183.45"))


def test_a_statement_is_archived_recorded_and_settles_its_claim(tmp_path, customer, accepted,
                                                                 customer_client):
    out, error = run(tmp_path / "in", {"settlements.csv": csv(
        row(customer, claim=f"#{accepted.pk}"),
        row(customer, provider="Laboratoire Analyse SA", billed="40.00", copay="4.00",
            reimbursed="36.00"))})
    assert error is None, out
    assert "[1/1] settlements.csv line 2: imported" in out
    assert f"settles #{accepted.pk}" in out and "1 claim(s) settled" in out
    statement = BenefitStatement.objects.get(customer=customer)
    document = statement.document
    assert (document.type, document.reference, document.insured_person) == (
        DocumentType.BENEFIT_STATEMENT, "SIN-2026-4711", customer.policy_holder)
    assert document.is_pdf and document.title == "Décompte de prestations SIN-2026-4711"
    assert [line.reimbursed for line in statement.lines.all()] == [Decimal("165.10"),
                                                                   Decimal("36.00")]
    # The payout account in force, masked.
    assert statement.account_hint == MASKED
    accepted.refresh_from_db()
    assert (accepted.status, accepted.settlement, accepted.settlement_line) == (
        ClaimStatus.SETTLED, statement, 0)
    assert AuditEvent.objects.filter(kind="claims.changed", detail__change="settled",
                                     detail__claim=accepted.pk).exists()
    assert [message.to for message in sms.outbox] == [customer.account.mobile_phone]
    assert "du nouveau vous attend" in sms.outbox[-1].text and "165" not in sms.outbox[-1].text
    page = customer_client.get(reverse("claims:detail", args=[accepted.pk])).content.decode()
    assert f"Remboursé CHF 165.10 le {PAID} sur {MASKED}" in page


def test_the_pdf_says_what_the_data_says(tmp_path, customer, accepted):
    import pypdfium2

    run(tmp_path / "in", {"s.csv": csv(row(customer, claim=str(accepted.pk)))})
    document = Document.objects.get(customer=customer)
    with document.file.storage.open(document.file.name, "rb") as handle:
        pdf = pypdfium2.PdfDocument(handle.read())
    # The PDF's extracted text gives the mask's no-break spaces as spaces.
    text = " ".join(page.get_textpage().get_text_range() for page in pdf).replace("\r\n", " ")
    pdf.close()
    for shown in ("CHF 183.45", "-CHF 18.35", "Remboursé CHF 165.10", "CH•• •••• 9012",
                  f"Date du versement : {PAID}", "Cabinet médical du Lac"):
        assert shown in text


def test_json_statements_are_read_as_an_array_or_one_per_line(tmp_path, customer, accepted):
    holder = customer.policy_holder
    statement = {"statement_reference": "SIN-2026-9001",
                 "contract_or_customer_number": customer.customer_number,
                 "insured_number": holder.insured_number, "issue_date": ISSUED,
                 "paid_to": "provider", "paid_on": PAID,
                 "lines": [{"claim": accepted.pk, "provider": "Pharmacie de la Gare",
                            "treatment_date": TREATED, "line": "KVG", "billed": 183.45,
                            "copay": "18.35", "reimbursed": "165.10"}]}
    second = {**statement, "statement_reference": "SIN-2026-9002",
              "lines": [{**statement["lines"][0], "claim": None}]}
    out, error = run(tmp_path / "in", {
        "a.json": json.dumps([statement], indent=2),
        "b.json": json.dumps(second) + "\n"})
    assert error is None, out
    assert "a.json line 2: imported" in out and "b.json line 1: imported" in out
    accepted.refresh_from_db()
    assert accepted.settlement.paid_to == "provider"
    assert accepted.settlement.account_hint == ""  # tiers payant: no account of the insured
    assert BenefitStatement.objects.filter(customer=customer).count() == 2


def test_running_again_skips_what_is_there_and_may_bring_the_payout_date(tmp_path, customer,
                                                                        accepted):
    folder = tmp_path / "in"
    run(folder, {"s.csv": csv(row(customer, claim=str(accepted.pk), paid_on=""))})
    out, error = run(folder, {"s.csv": csv(row(customer, claim=str(accepted.pk), paid_on=""))})
    assert error is None and "line 2: skipped – SIN-2026-4711 already imported" in out
    assert Document.objects.filter(customer=customer).count() == 1
    out, error = run(folder, {"s.csv": csv(row(customer, claim=str(accepted.pk)))})
    assert error is None and f"paid out on {PAID}" in out
    assert BenefitStatement.objects.get().paid_on.strftime("%d.%m.%Y") == PAID
    assert AuditEvent.objects.filter(detail__change="settled").count() == 1


def test_bad_statements_are_reported_by_line_and_the_good_ones_imported(
        tmp_path, customer, other_customer, accepted):
    theirs = ClaimFactory(customer=other_customer, insured_person=other_customer.policy_holder,
                          status=ClaimStatus.ACCEPTED)
    in_review = ClaimFactory(customer=customer, insured_person=customer.policy_holder,
                             status=ClaimStatus.TO_REVIEW)
    future = (TODAY + timedelta(days=3)).strftime("%d.%m.%Y")
    rows = [
        row(customer, reference="OK-1"),                                        # line 2
        row(customer, reference="E-2").replace(customer.account.username, "KPT99999999"),
        row(customer, reference="E-3", claim=f"#{theirs.pk}"),
        row(customer, reference="E-4", reimbursed="160.00"),
        row(customer, reference="E-5", issued="31.02.2026"),
        row(customer, reference="E-6", billed="18x.45"),
        row(customer, reference="E-7", billed="183.47", reimbursed="165.12"),
        row(customer, reference="E-8", claim=str(in_review.pk)),
        row(customer, reference="E-9", paid_on=future),
        row(customer, reference="E-10", line="VVG"),
        row(customer, reference="E-11", paid_to="someone"),
        row(customer, reference="OK-12", claim=str(accepted.pk)),               # line 13
    ]
    out, error = run(tmp_path / "in", {"s.csv": csv(*rows)})
    assert error is not None and "10 statement(s) could not be imported" in str(error)
    expected = {
        3: "no customer with contract or customer number 'KPT99999999'",
        4: f"claim #{theirs.pk} is not a claim of customer {customer.customer_number}",
        5: "= 178.35, not the billed 183.45",
        6: "issue_date '31.02.2026' is not a date",
        7: "billed '18x.45' is not an amount",
        8: "billed 183.47 is an invoice total and must be a multiple of 0.05",
        9: f"claim #{in_review.pk} is to_review, not accepted",
        10: f"paid_on {future} is in the future",
        11: "a VVG line has no deductible or copay",
        12: "paid_to must be insured or provider",
    }
    for line, reason in expected.items():
        assert f"s.csv, line {line}: " in out and reason in out, (line, reason, out)
    assert set(BenefitStatement.objects.values_list("document__reference", flat=True)) == {
        "OK-1", "OK-12"}
    theirs.refresh_from_db()
    assert theirs.status == ClaimStatus.ACCEPTED and theirs.settlement_id is None
    assert Document.objects.filter(customer=other_customer).count() == 0


def test_the_rows_of_one_statement_must_agree_on_its_own_columns(tmp_path, customer):
    out, error = run(tmp_path / "in", {"s.csv": csv(
        row(customer), row(customer, paid_to="provider", billed="40.00", copay="4.00",
                           reimbursed="36.00"))})
    assert error is not None
    assert "line 3: paid_to 'provider' differs from line 2 ('insured')" in out
    assert not BenefitStatement.objects.exists()


def test_the_rows_of_one_statement_must_follow_one_another(tmp_path, customer):
    out, error = run(tmp_path / "in", {"s.csv": csv(
        row(customer), row(customer, reference="OTHER-1"), row(customer))})
    assert error is not None
    assert ("line 4: statement SIN-2026-4711 began at line 2; the rows of one statement must "
            "follow one another") in out
    assert set(BenefitStatement.objects.values_list("document__reference", flat=True)) == {
        "SIN-2026-4711", "OTHER-1"}


def test_a_statement_already_archived_for_another_customer_is_an_error(tmp_path, customer,
                                                                       other_customer):
    folder = tmp_path / "in"
    run(folder, {"s.csv": csv(row(customer))})
    out, error = run(folder, {"s.csv": csv(row(other_customer))})
    assert error is not None and "already in the archive for another customer" in out


def test_a_failure_after_the_pdf_was_stored_leaves_neither_row_nor_file(tmp_path, customer,
                                                                        accepted):
    from core.storage import private_storage

    with mock.patch("claims.settlement_import.lifecycle.settle",
                    side_effect=RuntimeError("disk full")):
        out, error = run(tmp_path / "in", {"s.csv": csv(row(customer, claim=str(accepted.pk)))})
    assert error is not None and "unexpected error: RuntimeError: disk full" in out
    assert not Document.objects.exists()
    storage = private_storage()

    def files(path):
        folders, names = storage.listdir(path) if storage.exists(path) else ([], [])
        return names + [name for folder in folders for name in files(f"{path}/{folder}")]

    assert files("documents") == []


def test_a_folder_without_files_or_with_bad_columns_stops_with_a_clear_message(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CommandError, match="holds no .csv or .json file"):
        call_command("import_settlements", str(tmp_path / "empty"), stdout=StringIO())
    out, error = run(tmp_path / "bad", {"s.csv": "statement_reference;billed\nX;1\n"})
    assert error is not None and "lacks the column(s)" in str(error)
    extra_column = HEADER + ";remark\n" + ";".join("X" * 16) + "\n"
    out, error = run(tmp_path / "extra", {"s.csv": extra_column})
    assert error is not None and "unknown column(s): remark" in str(error)
    out, error = run(tmp_path / "json", {"s.json": '[{"statement_reference": "X"},'})
    assert error is not None and "s.json" in str(error)
