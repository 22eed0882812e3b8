"""import_documents: good rows, bad rows with line and reason, re-runs, chunks, notifications."""

import csv
import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from accounts.tests.factories import CustomerFactory, InsuredPersonFactory
from documents.importing import COLUMNS
from documents.models import Document, DocumentType
from documents.pdfs import letter_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def household():
    customer = CustomerFactory(customer_number="300400500", account__username="KPT55550000")
    InsuredPersonFactory(customer=customer, insured_number="30040050001", first_name="Eva")
    return customer


def write_batch(directory, rows, *, files=True):
    directory.mkdir(exist_ok=True)
    with (directory / "manifest.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow(row)
            if files and row[-1] and "/" not in row[-1] and not (directory / row[-1]).exists():
                (directory / row[-1]).write_bytes(letter_pdf(row[4], [row[-1]]))
    return directory


def run(directory, *args):
    out = io.StringIO()
    call_command("import_documents", str(directory), *args, stdout=out)
    return out.getvalue()


def good_rows(n=3):
    return [["KPT55550000", "30040050001", "premium_invoice", f"01.{m:02d}.2025",
             f"Facture de prime {m:02d}.2025", "", f"invoice-{m}.pdf"] for m in range(1, n + 1)]


def test_good_rows_are_imported_encrypted(tmp_path, household):
    output = run(write_batch(tmp_path / "batch", good_rows(3)))
    documents = list(Document.objects.order_by("issue_date"))
    assert len(documents) == 3
    first = documents[0]
    assert first.customer == household and first.issue_date == date(2025, 1, 1)
    assert first.type == DocumentType.PREMIUM_INVOICE and first.period == date(2025, 1, 1)
    assert not first.file.storage.read_encrypted(first.file.name).startswith(b"%PDF")
    assert "[1/3] line 2: imported" in output and "[3/3]" in output
    assert "3 imported" in output


def test_customer_number_iso_dates_and_french_labels_are_accepted(tmp_path, household):
    rows = [["300400500", "30040050001", "Décompte de prestations", "2024-11-05",
             "Décompte 4711", "SIN-4711", "statement.pdf"]]
    run(write_batch(tmp_path / "batch", rows))
    document = Document.objects.get()
    assert document.type == DocumentType.BENEFIT_STATEMENT
    assert document.issue_date == date(2024, 11, 5) and document.reference == "SIN-4711"


def test_bad_rows_are_reported_with_line_and_reason_and_the_batch_goes_on(
        tmp_path, household, other_customer):
    other_person = other_customer.insured_persons.first()
    rows = good_rows(1) + [
        ["KPT00000000", "30040050001", "policy", "01.01.2025", "x", "", "a.pdf"],
        ["KPT55550000", other_person.insured_number, "policy", "01.01.2025", "x", "", "b.pdf"],
        ["KPT55550000", "30040050001", "letter", "01.01.2025", "x", "", "c.pdf"],
        ["KPT55550000", "30040050001", "policy", "31.02.2025", "x", "", "d.pdf"],
        ["KPT55550000", "30040050001", "policy", "01.01.2025", "x", "", "missing.pdf"],
        ["KPT55550000", "30040050001", "policy", "01.01.2025", "x", "", "../etc/passwd"],
        ["KPT55550000", "30040050001", "policy", "01.01.2025", "", "", "e.pdf"],
    ] + [["KPT55550000", "30040050001", "policy", "02.02.2025", "Police 2025", "", "ok.pdf"]]
    directory = write_batch(tmp_path / "batch", rows)
    (directory / "missing.pdf").unlink()
    out = io.StringIO()
    with pytest.raises(CommandError, match="7 row"):  # cron sees the failure
        call_command("import_documents", str(directory), stdout=out)
    output = out.getvalue()
    assert Document.objects.count() == 2
    for line, reason in [(3, "no customer"), (4, "does not belong"), (5, "unknown type"),
                         (6, "is not a date"), (7, "not found"), (8, "plain file name"),
                         (9, "title is empty")]:
        assert f"line {line}: error – " in output and reason in output
    assert "7 error(s)" in output


def test_running_again_skips_what_was_imported(tmp_path, household):
    directory = write_batch(tmp_path / "batch", good_rows(3))
    run(directory)
    output = run(directory)
    assert Document.objects.count() == 3
    assert "0 imported, 3 already there" in output


def test_a_rerun_after_a_crash_finishes_the_batch(tmp_path, household, monkeypatch):
    from documents import importing

    directory = write_batch(tmp_path / "batch", good_rows(4))
    real = importing.store_document
    calls = {"n": 0}

    def crash_on_third(**kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("power cut")
        return real(**kwargs)

    monkeypatch.setattr(importing, "store_document", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        run(directory)
    assert Document.objects.count() == 2
    monkeypatch.setattr(importing, "store_document", real)
    output = run(directory)
    assert Document.objects.count() == 4
    assert "2 imported, 2 already there" in output


def test_large_batches_run_in_celery_chunks(tmp_path, household):
    output = run(write_batch(tmp_path / "batch", good_rows(5)), "--chunk-size", "2")
    assert Document.objects.count() == 5
    assert "[2/5] lines 2–3: 2 imported" in output
    assert "[5/5] lines 6–6: 1 imported" in output


def test_a_new_document_notifies_the_household(tmp_path, household, monkeypatch,
                                               django_capture_on_commit_callbacks):
    from documents import storing

    calls = []
    monkeypatch.setattr(storing, "notify_new_activity",
                        lambda customer, reason: calls.append((customer.pk, reason)))
    directory = write_batch(tmp_path / "batch", good_rows(2))
    run(directory)
    run(directory)
    assert calls == [(household.pk, "document")] * 2


def test_missing_manifest_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="manifest.csv not found"):
        run(tmp_path)


def test_manifest_without_the_columns_is_refused(tmp_path):
    (tmp_path / "manifest.csv").write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="lacks the column"):
        run(tmp_path)


def test_a_symbolic_link_is_refused_not_followed(tmp_path, household):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0")
    directory = write_batch(tmp_path / "batch", good_rows(1) + [
        ["KPT55550000", "30040050001", "policy", "01.01.2025", "Lien", "", "link.pdf"]])
    (directory / "link.pdf").unlink(missing_ok=True)
    (directory / "link.pdf").symlink_to(secret)
    with pytest.raises(CommandError):
        run(directory)
    assert Document.objects.count() == 1


def test_rows_with_too_many_fields_are_reported(tmp_path, household):
    directory = write_batch(tmp_path / "batch", good_rows(1))
    with (directory / "manifest.csv").open("a") as manifest:
        manifest.write("KPT55550000,30040050001,policy,01.01.2025,Trop,,invoice-1.pdf,x,y\n")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_documents", str(directory), stdout=out)
    assert "9 fields, expected 7" in out.getvalue()


def test_contract_numbers_are_normalised_like_the_login(tmp_path, household):
    rows = good_rows(1)
    rows[0][0] = "kpt 5555 0000"
    run(write_batch(tmp_path / "batch", rows))
    assert Document.objects.count() == 1


def test_a_manifest_that_is_not_utf8_gets_a_clear_error(tmp_path, household):
    directory = tmp_path / "latin"
    directory.mkdir()
    (directory / "manifest.csv").write_bytes(
        "contract_or_customer_number,insured_number,type,issue_date,title,reference,file_name\n"
        "KPT55550000,30040050001,policy,01.01.2025,Décompte,,a.pdf\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        run(directory)
