"""import_premium_invoices: premium invoices from the core system, archived with their PDF and
their figures; bad invoices reported by file and line, re-runs harmless."""

import calendar
import html
import json
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from unittest import mock

import pypdfium2
import pytest
import zxingcpp
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import InsuredPersonFactory
from core.storage import private_storage
from documents import premiums
from documents.models import Document, DocumentType, PremiumInvoice
from documents.pdfs import letter_pdf
from documents.tests.factories import make_document, make_premium_invoice

pytestmark = pytest.mark.django_db
HEADER = ("invoice_reference;contract_or_customer_number;period;issue_date;due_date;"
          "qr_reference;paid_on;reminded_on;file_name;insured_number;line;label;gross;discount")


def dates_around(today: date) -> dict[str, date]:
    month = today.replace(day=1)  # this month's invoice: due at its end, so still open
    return {"TODAY": today, "MONTH": month,
            "LAST_MONTH": (month - timedelta(days=1)).replace(day=1),
            "DUE": month.replace(day=calendar.monthrange(month.year, month.month)[1]),
            "ISSUED": month - timedelta(days=10)}


# Set for each test by the fixture below to the day it runs, not the day it was collected:
# the import compares with its own today, and a suite may run across midnight.
TODAY = MONTH = LAST_MONTH = DUE = ISSUED = date.min


@pytest.fixture(autouse=True)
def _dates_of_the_day_the_test_runs(monkeypatch):
    for name, value in dates_around(timezone.localdate()).items():
        monkeypatch.setitem(globals(), name, value)


def day(value) -> str:
    return value.strftime("%d.%m.%Y")


def run(folder, files: dict[str, str | bytes]) -> tuple[str, CommandError | None]:
    folder.mkdir(exist_ok=True)
    for name, content in files.items():
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        else:
            (folder / name).write_text(content, encoding="utf-8")
    out = StringIO()
    try:
        call_command("import_premium_invoices", str(folder), stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def row(customer, *, reference="PR-1", number=None, period=None, issued=None, due=None,
        qr="", paid_on="", reminded_on="", file_name="", person=None, line="KVG",
        label="Assurance de base", gross="412.30", discount="0") -> str:
    person = person or customer.policy_holder
    return ";".join([reference, number or customer.account.username,
                     period or f"{MONTH:%m.%Y}", issued or day(ISSUED), due or day(DUE), qr,
                     paid_on, reminded_on, file_name, person.insured_number, line, label,
                     gross, discount])


def household_rows(customer, **invoice) -> list[str]:
    """Three lines, two persons: 412.30 + 38.60 − 1.95 + 108.70 = 557.65."""
    kid = customer.insured_persons.exclude(pk=customer.policy_holder.pk).get()
    return [row(customer, **invoice),
            row(customer, line="VVG", label="Complémentaire ambulatoire", gross="38.60",
                discount="1.95", **invoice),
            row(customer, person=kid, gross="108.70", **invoice)]


def csv(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def pdf_text(document: Document) -> str:
    with document.file.storage.open(document.file.name, "rb") as handle:
        pdf = pypdfium2.PdfDocument(handle.read())
    try:
        return " ".join(page.get_textpage().get_text_range() for page in pdf).replace("\r\n",
                                                                                      " ")
    finally:
        pdf.close()


def qr_payloads(document: Document) -> list[str]:
    with document.file.storage.open(document.file.name, "rb") as handle:
        pdf = pypdfium2.PdfDocument(handle.read())
    try:
        images = [page.render(scale=3).to_pil() for page in pdf]
    finally:
        pdf.close()
    return [found.text for image in images for found in zxingcpp.read_barcodes(image)]


# --- Good files ---------------------------------------------------------------------------

def test_a_csv_invoice_is_archived_with_its_figures_lines_and_the_portals_reference(
        tmp_path, customer):
    out, error = run(tmp_path / "in", {"invoices.csv": csv(*household_rows(customer))})
    assert error is None, out
    assert "1 invoice(s) in" in out and "[1/1] invoices.csv line 2: imported" in out
    assert "Done: 1 imported, 0 already there, 0 error(s)." in out
    invoice = PremiumInvoice.objects.select_related("document").get(customer=customer)
    document = invoice.document
    assert (document.type, document.reference, document.period, document.issue_date) == (
        DocumentType.PREMIUM_INVOICE, "PR-1", MONTH, ISSUED)
    assert document.insured_person == customer.policy_holder and document.is_pdf
    assert document.title.startswith("Facture de prime ")
    assert (invoice.period, invoice.due_date, invoice.gross, invoice.discount,
            invoice.total) == (MONTH, DUE, Decimal("559.60"), Decimal("1.95"),
                               Decimal("557.65"))
    assert invoice.qr_reference == premiums.qr_reference(customer.customer_number, MONTH)
    assert [(line.insured_person.first_name, line.line, line.net)
            for line in invoice.lines.all()] == [
        (customer.policy_holder.first_name, "KVG", Decimal("412.30")),
        (customer.policy_holder.first_name, "VVG", Decimal("36.65")),
        ("Kid", "KVG", Decimal("108.70"))]


def test_the_printed_pdf_says_what_the_data_says_and_carries_the_qr_bill(tmp_path, customer):
    run(tmp_path / "in", {"invoices.csv": csv(*household_rows(customer))})
    invoice = PremiumInvoice.objects.select_related("document").get()
    text = pdf_text(invoice.document)
    for shown in ("Assurance de base", "CHF 412.30", "-CHF 1.95", "CHF 108.70",
                  "Montant dû CHF 557.65", f"Payable jusqu'au {day(DUE)}",
                  invoice.formatted_reference, customer.customer_number):
        assert shown in text, shown
    [payload] = qr_payloads(invoice.document)
    fields = payload.replace("\r\n", "\n").split("\n")
    assert "557.65" in fields and "QRR" in fields and invoice.qr_reference in fields


def test_json_invoices_come_as_an_array_or_one_per_line_with_the_core_systems_pdf(
        tmp_path, customer):
    holder = customer.policy_holder
    core_pdf = letter_pdf("Prämienrechnung des Kernsystems", ["KPT-CORE-PDF"])
    given = premiums.qr_reference("990011", MONTH)
    invoice = {"invoice_reference": "PR-J1", "contract_or_customer_number":
               customer.customer_number, "period": f"{MONTH:%Y-%m}",
               "issue_date": ISSUED.isoformat(), "due_date": DUE.isoformat(),
               "qr_reference": " ".join([given[:2], given[2:7], given[7:]]),
               "file_name": "core.pdf",
               "lines": [{"insured_number": holder.insured_number, "line": "kvg",
                          "label": "Base", "gross": 300.05},
                         {"insured_number": holder.insured_number, "line": "VVG",
                          "label": "Dentaire", "gross": "40.00", "discount": "2.00"}]}
    second = {**invoice, "invoice_reference": "PR-J2", "period": f"{LAST_MONTH:%Y-%m}",
              "issue_date": (LAST_MONTH - timedelta(days=10)).isoformat(),
              "qr_reference": None, "file_name": "", "paid_on": TODAY.isoformat()}
    out, error = run(tmp_path / "in", {"a.json": json.dumps([invoice], indent=2),
                                       "b.json": json.dumps(second) + "\n",
                                       "core.pdf": core_pdf})
    assert error is None, out
    assert "a.json line 2: imported" in out and "b.json line 1: imported" in out
    this = PremiumInvoice.objects.select_related("document").get(document__reference="PR-J1")
    assert this.qr_reference == given and this.total == Decimal("338.05")
    with this.document.file.storage.open(this.document.file.name, "rb") as handle:
        assert handle.read() == core_pdf  # the core system's own PDF, as it sent it
    assert this.document.original_name == "core.pdf"
    last = PremiumInvoice.objects.get(document__reference="PR-J2")
    assert last.paid_on == TODAY and last.period == LAST_MONTH
    assert last.qr_reference == premiums.qr_reference(customer.customer_number, LAST_MONTH)


def test_the_household_is_told_once_per_run_without_content(tmp_path, customer,
                                                           other_customer):
    rows = [row(customer, reference="PR-1"),
            row(customer, reference="PR-2", period=f"{LAST_MONTH:%m.%Y}",
                issued=day(LAST_MONTH - timedelta(days=10))),
            row(other_customer, reference="PR-3")]
    with mock.patch("documents.premium_import.notify_new_activity") as notify:
        run(tmp_path / "in", {"invoices.csv": csv(*rows)})
        assert sorted(call.args[0].pk for call in notify.call_args_list) == sorted(
            [customer.pk, other_customer.pk])
        assert {call.kwargs["reason"] for call in notify.call_args_list} == {"document"}
        notify.reset_mock()
        run(tmp_path / "in", {"invoices.csv": csv(*rows)})
        notify.assert_not_called()


# --- What the customer then sees ----------------------------------------------------------

def test_the_invoice_page_shows_the_figures_and_offers_the_slip_while_unpaid(
        tmp_path, customer, customer_client):
    run(tmp_path / "in", {"invoices.csv": csv(*household_rows(customer))})
    invoice = PremiumInvoice.objects.get(customer=customer)
    page = html.unescape(customer_client.get(
        reverse("documents:detail", args=[invoice.document_id])).text)
    assert "CHF 557.65" in page and "−CHF 1.95" in page and day(DUE) in page
    assert "À payer" in page and invoice.formatted_reference in page
    slip_url = reverse("documents:qr_bill", args=[invoice.document_id])
    assert slip_url in page
    slip = customer_client.get(slip_url)
    assert slip.status_code == 200 and slip.content.startswith(b"%PDF")


def test_the_dashboard_counts_it_as_the_next_invoice_to_pay(tmp_path, customer,
                                                            customer_client):
    run(tmp_path / "in", {"invoices.csv": csv(*household_rows(customer))})
    invoice = PremiumInvoice.objects.get(customer=customer)
    summary = premiums.summary_for(customer, TODAY)
    assert summary.next_due == invoice and summary.next_status == premiums.PremiumStatus.OPEN
    card = html.unescape(customer_client.get(reverse("dashboard")).text).split(
        'id="dash-premium"')[1].split("</section>")[0]
    assert "CHF 557.65" in card and day(DUE) in card


def test_import_premium_payments_then_finds_it_by_its_qr_reference(tmp_path, customer):
    run(tmp_path / "in", {"invoices.csv": csv(*household_rows(customer))})
    invoice = PremiumInvoice.objects.get(customer=customer)
    payments = tmp_path / "payments.csv"
    payments.write_text("qr_reference;event;date;amount\n"
                        f"{invoice.formatted_reference};paid;{day(TODAY)};557.65\n",
                        encoding="utf-8")
    out = StringIO()
    call_command("import_premium_payments", str(payments), stdout=out)
    assert "Done: 1 applied" in out.getvalue()
    invoice.refresh_from_db()
    assert invoice.paid_on == TODAY


# --- Re-runs ------------------------------------------------------------------------------

def test_running_again_skips_what_is_there_and_may_bring_the_payment_date(tmp_path,
                                                                         customer):
    folder = tmp_path / "in"
    run(folder, {"invoices.csv": csv(*household_rows(customer))})
    out, error = run(folder, {"invoices.csv": csv(*household_rows(customer))})
    assert error is None and "line 2: skipped – PR-1 already imported" in out
    assert Document.objects.filter(customer=customer).count() == 1
    out, error = run(folder, {"invoices.csv": csv(*household_rows(customer,
                                                                   paid_on=day(TODAY)))})
    assert error is None and f"PR-1: paid on {day(TODAY)}" in out
    invoice = PremiumInvoice.objects.get()
    assert invoice.paid_on == TODAY and invoice.lines.count() == 3
    assert premiums.invoice_status(invoice, TODAY) == premiums.PremiumStatus.PAID


def test_a_later_run_cannot_move_a_payment_or_change_the_figures(tmp_path, customer):
    folder = tmp_path / "in"
    yesterday = TODAY - timedelta(days=1)
    run(folder, {"invoices.csv": csv(row(customer, paid_on=day(yesterday)))})
    out, error = run(folder, {"invoices.csv": csv(row(customer, paid_on=day(TODAY)))})
    assert error is not None
    assert f"invoice PR-1 was paid on {day(yesterday)}, not {day(TODAY)}" in out
    out, error = run(folder, {"invoices.csv": csv(row(customer, gross="500.00"))})
    assert error is not None and "an imported invoice does not change" in out
    invoice = PremiumInvoice.objects.get()
    assert (invoice.paid_on, invoice.total) == (yesterday, Decimal("412.30"))


def test_a_premium_invoice_archived_without_figures_gets_them(tmp_path, customer):
    """``import_documents`` stored it as a PDF only; the new import gives it its figures."""
    core_pdf = letter_pdf("Facture de prime", ["KPT-CORE-PDF-2"])
    by_file = make_document(insured_person=customer.policy_holder, content=core_pdf,
                            type=DocumentType.PREMIUM_INVOICE, issue_date=ISSUED)
    by_reference = make_document(insured_person=customer.policy_holder, reference="PR-2",
                                 type=DocumentType.PREMIUM_INVOICE,
                                 issue_date=LAST_MONTH - timedelta(days=10))
    with mock.patch("documents.premium_import.notify_new_activity") as notify:
        out, error = run(tmp_path / "in", {
            "invoices.csv": csv(row(customer, file_name="core.pdf"),
                                row(customer, reference="PR-2", period=f"{LAST_MONTH:%m.%Y}",
                                    issued=day(LAST_MONTH - timedelta(days=10)))),
            "core.pdf": core_pdf})
    assert error is None, out
    notify.assert_not_called()  # the household had these documents already
    assert Document.objects.filter(customer=customer).count() == 2
    by_file.refresh_from_db()
    assert (by_file.reference, by_file.period, by_file.premium_invoice.total) == (
        "PR-1", MONTH, Decimal("412.30"))
    assert by_reference.premium_invoice.period == LAST_MONTH


# --- Bad invoices -------------------------------------------------------------------------

def test_bad_invoices_are_reported_by_line_and_the_good_ones_imported(
        tmp_path, customer, other_customer):
    good = premiums.qr_reference(customer.customer_number, MONTH)
    wrong_digit = good[:-1] + str((int(good[-1]) + 1) % 10)
    future = day(TODAY + timedelta(days=3))

    def month(back: int) -> dict[str, str]:
        period = MONTH
        for _n in range(back):
            period = (period - timedelta(days=1)).replace(day=1)
        return {"period": f"{period:%m.%Y}", "issued": day(period - timedelta(days=10)),
                "due": day(period.replace(day=28))}

    rows = [
        row(customer, reference="OK-1"),                                          # 2
        row(customer, reference="E-3", number="KPT99999999"),
        row(customer, reference="E-4", person=other_customer.policy_holder, **month(1)),
        row(customer, reference="E-5", period="13.2025"),
        row(customer, reference="E-6", issued="31.02.2026"),
        row(customer, reference="E-7", issued=future),
        row(customer, reference="E-8", due=day(ISSUED - timedelta(days=1))),
        row(customer, reference="E-9", qr=wrong_digit, **month(1)),
        row(customer, reference="E-10", line="LCA", **month(1)),
        row(customer, reference="E-11", label="", **month(1)),
        row(customer, reference="E-12", gross="41x.30", **month(1)),
        row(customer, reference="E-13", gross="-10.00", **month(1)),
        row(customer, reference="E-14", gross="10.001", **month(1)),
        row(customer, reference="E-15", gross="10.00", discount="10.05", **month(1)),
        row(customer, reference="E-16", gross="38.60", discount="1.93", **month(1)),
        row(customer, reference="E-17", paid_on=future, **month(1)),
        row(customer, reference="E-18", paid_on=day(TODAY), reminded_on=day(TODAY),
            **month(1)),
        row(customer, reference="E-19", file_name="missing.pdf", **month(1)),
        row(customer, reference="E-20", file_name="notes.pdf", **month(1)),
        row(customer, reference="E-21"),  # this month is invoiced by OK-1 already
        row(customer, reference="E-22", qr=good, **month(1)),  # OK-1's QR reference
        row(customer, reference="OK-23", **month(1)),                              # 23
    ]
    out, error = run(tmp_path / "in", {"s.csv": csv(*rows), "notes.pdf": "plain text"})
    assert error is not None and "20 invoice(s) could not be imported" in str(error)
    expected = {
        3: "no customer with contract or customer number 'KPT99999999'",
        4: (f"insured person '{other_customer.policy_holder.insured_number}' does not belong "
            f"to customer {customer.customer_number}"),
        5: "period '13.2025' is not a month (mm.yyyy or yyyy-mm)",
        6: "issue_date '31.02.2026' is not a date",
        7: f"issue_date {future} is in the future",
        8: f"due_date {day(ISSUED - timedelta(days=1))} is before the issue_date",
        9: f"qr_reference '{wrong_digit}' is not a QR reference",
        10: "line must be KVG or VVG, got 'LCA'",
        11: "label is empty",
        12: "gross '41x.30' is not an amount",
        13: "Inconsistent premium invoice: negative amount",
        14: "Inconsistent premium invoice: more than two decimals",
        15: "Inconsistent premium invoice: discount above the premium",
        16: "Inconsistent premium invoice: premium after discount not rounded to 5 centimes",
        17: "Inconsistent premium invoice: payment in the future",
        18: "Inconsistent premium invoice: reminder on or after the day of payment",
        19: "file 'missing.pdf' not found",
        20: "file 'notes.pdf' is not a PDF",
        21: (f"customer {customer.customer_number} already has the premium invoice OK-1 "
             f"for {MONTH:%m.%Y}"),
        22: f"QR reference {good} is already another invoice's",
    }
    for line, reason in expected.items():
        assert f"s.csv, line {line}: {reason}" in out, (line, reason, out)
    assert set(PremiumInvoice.objects.values_list("document__reference", flat=True)) == {
        "OK-1", "OK-23"}
    assert Document.objects.filter(customer=customer).count() == 2
    assert not Document.objects.filter(customer=other_customer).exists()
    assert f"[ 1/22] s.csv line 2: imported – {customer.customer_number} OK-1" in out


def test_the_error_names_the_line_of_the_invoice_line_at_fault(tmp_path, customer):
    rows = [row(customer), row(customer, line="VVG", label="Dentaire", gross="38.60",
                               discount="1.93")]
    out, error = run(tmp_path / "in", {"s.csv": csv(*rows)})
    assert error is not None
    assert "s.csv, line 3: Inconsistent premium invoice: premium after discount" in out


def test_the_rows_of_one_invoice_must_agree_and_follow_one_another(tmp_path, customer):
    out, error = run(tmp_path / "in", {"s.csv": csv(
        row(customer), row(customer, due=day(DUE - timedelta(days=1)), gross="38.60"),
        row(customer, reference="PR-2", period=f"{LAST_MONTH:%m.%Y}"),
        row(customer, gross="10.00"))})
    assert error is not None
    assert f"line 3: due_date '{day(DUE - timedelta(days=1))}' differs from line 2" in out
    assert "line 5: invoice PR-1 began at line 2; the rows of one invoice must follow" in out


def test_an_invoice_already_archived_for_another_customer_is_an_error(tmp_path, customer,
                                                                     other_customer):
    folder = tmp_path / "in"
    run(folder, {"s.csv": csv(row(customer))})
    out, error = run(folder, {"s.csv": csv(row(other_customer))})
    assert error is not None and "already in the archive for another customer" in out
    assert not PremiumInvoice.objects.filter(customer=other_customer).exists()


def test_a_failure_after_the_pdf_was_stored_leaves_neither_row_nor_file(tmp_path, customer):
    with mock.patch("documents.premium_import.premiums.record_invoice",
                    side_effect=RuntimeError("disk full")):
        out, error = run(tmp_path / "in", {"s.csv": csv(row(customer))})
    assert error is not None and "unexpected error: RuntimeError: disk full" in out
    assert not Document.objects.exists()
    storage = private_storage()

    def files(path):
        folders, names = storage.listdir(path) if storage.exists(path) else ([], [])
        return names + [name for folder in folders for name in files(f"{path}/{folder}")]

    assert files("documents") == []


def test_a_month_invoiced_by_the_demo_or_by_hand_is_not_invoiced_twice(tmp_path, customer):
    make_premium_invoice(customer.policy_holder, MONTH)
    out, error = run(tmp_path / "in", {"s.csv": csv(row(customer))})
    assert error is not None and "already has the premium invoice" in out
    assert PremiumInvoice.objects.count() == 1


def test_a_folder_without_files_or_with_bad_columns_stops_with_a_clear_message(tmp_path,
                                                                              customer):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CommandError, match="holds no .csv or .json file"):
        call_command("import_premium_invoices", str(tmp_path / "empty"), stdout=StringIO())
    _out, error = run(tmp_path / "bad", {"s.csv": "invoice_reference;gross\nX;1\n"})
    assert error is not None and "lacks the column(s)" in str(error)
    _out, error = run(tmp_path / "typo", {"s.csv": csv(row(customer)).replace(
        ";paid_on;", ";paidon;")})
    assert error is not None and "unknown column(s): paidon" in str(error)
    _out, error = run(tmp_path / "json", {"s.json": '[{"invoice_reference": "X"},'})
    assert error is not None and "s.json" in str(error)


def test_optional_columns_may_be_left_out(tmp_path, customer):
    holder = customer.policy_holder
    text = ("invoice_reference,contract_or_customer_number,period,issue_date,due_date,"
            "insured_number,line,label,gross\n"
            f"PR-9,{customer.customer_number},{MONTH:%Y-%m},{ISSUED.isoformat()},"
            f"{DUE.isoformat()},{holder.insured_number},KVG,Base,300.00\n")
    out, error = run(tmp_path / "in", {"s.csv": text})
    assert error is None, out
    assert PremiumInvoice.objects.get().total == Decimal("300.00")


def test_a_json_invoice_with_unknown_fields_is_refused(tmp_path, customer):
    holder = customer.policy_holder
    invoice = {"invoice_reference": "PR-1", "contract_or_customer_number":
               customer.customer_number, "period": f"{MONTH:%Y-%m}",
               "issue_date": ISSUED.isoformat(), "due_date": DUE.isoformat(),
               "amount": "300.00",
               "lines": [{"insured_number": holder.insured_number, "line": "KVG",
                          "label": "Base", "gross": "300.00", "vat": "0"}]}
    out, error = run(tmp_path / "in", {"s.json": json.dumps([invoice])})
    assert error is not None and "s.json, line 1: unknown field(s) amount" in out
    assert not PremiumInvoice.objects.exists()


def test_a_person_added_to_the_household_later_is_found(tmp_path, customer):
    baby = InsuredPersonFactory(customer=customer, first_name="Baby", is_policy_holder=False)
    out, error = run(tmp_path / "in", {"s.csv": csv(row(customer, person=baby,
                                                        gross="95.00"))})
    assert error is None, out
    assert PremiumInvoice.objects.get().lines.get().insured_person == baby


def test_the_readme_examples_import(tmp_path):
    """The CSV and JSON examples of the README, for the demo households they name."""
    from pathlib import Path

    from accounts.tests.factories import CustomerFactory

    first = CustomerFactory(customer_number="100200300", account__username="KPT12345678",
                            holder=False)
    InsuredPersonFactory(customer=first, insured_number="10020030001", is_policy_holder=True)
    InsuredPersonFactory(customer=first, insured_number="10020030002", is_policy_holder=False)
    second = CustomerFactory(customer_number="100200400", holder=False)
    InsuredPersonFactory(customer=second, insured_number="10020040001", is_policy_holder=True)
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Import of premium invoices")[1].split("\n### ")[0]
    csv_text = section.split("```csv\n")[1].split("```")[0]
    json_text = section.split("```json\n")[1].split("```")[0]
    out, error = run(tmp_path / "in", {"a.csv": csv_text, "b.json": json_text,
                                       "PR-2026-03-100200400.pdf": letter_pdf("PR", ["x"])})
    assert error is None, out
    assert [(invoice.customer.customer_number, invoice.total, invoice.paid_on)
            for invoice in PremiumInvoice.objects.order_by("customer__customer_number")] == [
        ("100200300", Decimal("557.65"), None),
        ("100200400", Decimal("530.55"), date(2026, 3, 24))]
