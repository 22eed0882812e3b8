"""``manage.py import_premium_payments``: per-row transactions, line numbers, idempotence."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from documents.models import PremiumInvoice
from documents.tests.factories import make_premium_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoices(customer):
    holder = customer.policy_holder
    return (make_premium_invoice(holder, date(2025, 3, 1)),
            make_premium_invoice(holder, date(2025, 4, 1)))


def run(tmp_path, text: str, name: str = "payments.csv") -> tuple[str, CommandError | None]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    try:
        call_command("import_premium_payments", str(path), stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def test_payments_and_reminders_are_recorded_once(tmp_path, invoices):
    march, april = invoices
    spaced = " ".join([april.qr_reference[:2]] + [april.qr_reference[i:i + 5]
                                                  for i in range(2, 27, 5)])
    csv_text = ("qr_reference;event;date;amount\n"
                f"{march.qr_reference};paid;25.03.2025;338.00\n"
                f"{spaced};reminded;2025-05-20;\n")
    out, error = run(tmp_path, csv_text)
    assert error is None and "Done: 2 applied, 0 already there, 0 error(s)." in out
    assert "[1/2] line 2: applied" in out
    march.refresh_from_db()
    april.refresh_from_db()
    assert march.paid_on == date(2025, 3, 25) and april.reminded_on == date(2025, 5, 20)
    out, error = run(tmp_path, csv_text)
    assert error is None and "Done: 0 applied, 2 already there" in out


def test_bad_rows_are_reported_by_line_and_the_rest_is_applied(tmp_path, invoices):
    march, april = invoices
    bad_reference = march.qr_reference[:-1] + str((int(march.qr_reference[-1]) + 1) % 10)
    csv_text = ("qr_reference,event,date,amount\n"
                f"{bad_reference},paid,25.03.2025,338.00\n"
                f"{march.qr_reference},paid,25.03.2025,300.00\n"
                f"{march.qr_reference},refunded,25.03.2025,338.00\n"
                f"{march.qr_reference},paid,31.02.2025,338.00\n"
                f"{march.qr_reference},paid,25.03.2099,338.00\n"
                f"{april.qr_reference},paid,2025-04-28,338.00\n")
    out, error = run(tmp_path, csv_text)
    assert error is not None and "5 row(s) could not be applied" in str(error)
    for line, reason in ((2, "is not valid"), (3, "is not the invoice's total"),
                         (4, "event must be one of"), (5, "is not dd.mm.yyyy"),
                         (6, "in the future")):
        assert f"  {line}: " in out and reason in out.split(f"  {line}: ")[-1].split("\n")[0]
    assert PremiumInvoice.objects.get(pk=april.pk).paid_on == date(2025, 4, 28)
    assert PremiumInvoice.objects.get(pk=march.pk).paid_on is None


def test_a_second_payment_on_another_date_is_an_error(tmp_path, invoices):
    march, _april = invoices
    run(tmp_path, f"qr_reference,event,date,amount\n{march.qr_reference},paid,25.03.2025,338\n")
    _out, error = run(tmp_path,
                      f"qr_reference,event,date,amount\n{march.qr_reference},paid,26.03.2025,338\n")
    assert error is not None
    march.refresh_from_db()
    assert march.paid_on == date(2025, 3, 25)


def test_a_file_with_missing_columns_or_not_utf8_stops_with_a_clear_message(tmp_path):
    _out, error = run(tmp_path, "reference,date\n1,2\n")
    assert error is not None and "lacks the column(s): qr_reference, event, amount" in str(error)
    path = tmp_path / "latin1.csv"
    path.write_bytes("qr_reference,event,date,amount\nRéf,paid,1.1.2025,1\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_premium_payments", str(path), stdout=StringIO())
    with pytest.raises(CommandError, match="not found"):
        call_command("import_premium_payments", str(tmp_path / "none.csv"), stdout=StringIO())


def test_the_amount_must_be_cents(tmp_path, invoices):
    march, _april = invoices
    _out, error = run(tmp_path, "qr_reference,event,date,amount\n"
                                f"{march.qr_reference},paid,25.03.2025,338.001\n")
    assert error is not None
    assert PremiumInvoice.objects.get(pk=march.pk).total == Decimal("338.00")
