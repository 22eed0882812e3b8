"""Premium invoices as data: status, QR reference, recording, the QR-bill and the pages."""

from datetime import date, timedelta
from decimal import Decimal

import pypdfium2
import pytest
import zxingcpp
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from stdnum.ch import esr

from audit.models import AuditEvent
from documents import premiums
from documents.models import PremiumInvoice
from documents.premiums import PremiumStatus, status_of
from documents.tests.factories import make_document, make_premium_invoice

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))
maybe_days = st.none() | days


# --- The status, on plain values ------------------------------------------------------------

@given(due=days, paid=maybe_days, reminded=maybe_days, today=days)
def test_a_booked_payment_always_wins(due, paid, reminded, today):
    status = status_of(due_date=due, paid_on=paid, reminded_on=reminded, today=today)
    assert (status == PremiumStatus.PAID) == (paid is not None)


@given(due=days, reminded=maybe_days, today=days)
def test_an_unpaid_invoice_is_open_only_until_its_due_date(due, reminded, today):
    status = status_of(due_date=due, paid_on=None, reminded_on=reminded, today=today)
    if reminded is not None:
        assert status == PremiumStatus.REMINDED
    elif today > due:
        assert status == PremiumStatus.OVERDUE
    else:
        assert status == PremiumStatus.OPEN


def test_the_due_date_itself_is_still_on_time():
    due = date(2026, 3, 31)
    assert status_of(due_date=due, paid_on=None, reminded_on=None, today=due) == "open"
    assert status_of(due_date=due, paid_on=None, reminded_on=None,
                     today=due + timedelta(days=1)) == "overdue"


# --- The QR reference ----------------------------------------------------------------------

@given(number=st.text(alphabet="0123456789", min_size=1, max_size=12),
       month=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 1)))
def test_every_qr_reference_has_27_digits_and_a_valid_check_digit(number, month):
    reference = premiums.qr_reference(number, month.replace(day=1))
    assert len(reference) == 27 and reference.isdigit()
    assert esr.is_valid(reference)


@given(number=st.text(alphabet="0123456789", min_size=1, max_size=12),
       first=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 1)),
       second=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 1)))
def test_two_months_of_a_household_never_share_a_reference(number, first, second):
    if (first.year, first.month) != (second.year, second.month):
        assert premiums.qr_reference(number, first) != premiums.qr_reference(number, second)


def test_households_never_share_a_reference():
    month = date(2026, 1, 1)
    assert premiums.qr_reference("100200300", month) != premiums.qr_reference("100200400", month)


# --- Recording ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_recording_stores_totals_per_line_and_is_idempotent(customer):
    holder = customer.policy_holder
    invoice = make_premium_invoice(holder)
    assert (invoice.gross, invoice.discount, invoice.total) == (
        Decimal("340.00"), Decimal("2.00"), Decimal("338.00"))
    assert [line.net for line in invoice.lines.all()] == [Decimal("300.00"), Decimal("38.00")]
    again = premiums.record_invoice(invoice.document, premiums.InvoiceData(
        period=invoice.period, due_date=invoice.due_date, paid_on=date(2025, 3, 20),
        lines=[premiums.InvoiceLineData(holder, "KVG", "Base", Decimal("300.00"))]))
    assert again.pk == invoice.pk and PremiumInvoice.objects.count() == 1
    assert again.lines.count() == 1 and again.total == Decimal("300.00")
    assert again.customer_id == customer.pk


@pytest.mark.django_db
@pytest.mark.parametrize("gross, discount", [("-1.00", "0"), ("10.00", "10.05"),
                                             ("10.001", "0")])
def test_impossible_amounts_are_refused(customer, gross, discount):
    document = make_document(insured_person=customer.policy_holder, period=date(2025, 3, 1))
    with pytest.raises(premiums.InvalidInvoice):
        premiums.record_invoice(document, premiums.InvoiceData(
            period=date(2025, 3, 1), due_date=date(2025, 3, 31),
            lines=[premiums.InvoiceLineData(customer.policy_holder, "VVG", "x",
                                            Decimal(gross), Decimal(discount))]))
    assert not PremiumInvoice.objects.exists()


def _data(*lines, **dates):
    return premiums.InvoiceData(period=date(2025, 3, 1), due_date=date(2025, 3, 31),
                                lines=list(lines), **dates)


def _reason(data, **kwargs) -> tuple[str, int | None]:
    with pytest.raises(premiums.InvalidInvoice) as caught:
        premiums.check(data, **kwargs)
    return str(caught.value.params["reason"]), caught.value.position


@pytest.mark.django_db
def test_a_line_of_another_household_is_refused_and_named(customer, other_customer):
    ours = premiums.InvoiceLineData(customer.policy_holder, "KVG", "Base", Decimal("300.00"))
    theirs = premiums.InvoiceLineData(other_customer.policy_holder, "KVG", "Base",
                                      Decimal("300.00"))
    assert _reason(_data(ours, theirs), customer_id=customer.pk) == (
        "personne assurée d'un autre ménage", 1)
    document = make_document(insured_person=customer.policy_holder, period=date(2025, 3, 1))
    with pytest.raises(premiums.InvalidInvoice):
        premiums.record_invoice(document, _data(ours, theirs))
    assert not PremiumInvoice.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("gross, discount", [("38.62", "0"), ("38.60", "1.93")])
def test_a_premium_after_discount_is_a_multiple_of_five_centimes(customer, gross, discount):
    line = premiums.InvoiceLineData(customer.policy_holder, "VVG", "x", Decimal(gross),
                                    Decimal(discount))
    assert _reason(_data(line)) == ("prime après rabais qui n'est pas arrondie à 5 centimes", 0)


@pytest.mark.django_db
def test_an_invoice_without_lines_or_with_an_unknown_line_is_refused(customer):
    assert _reason(_data()) == ("aucune ligne", None)
    line = premiums.InvoiceLineData(customer.policy_holder, "LCA", "x", Decimal("10.00"))
    assert _reason(_data(line)) == ("branche inconnue", 0)


@pytest.mark.django_db
def test_a_reminder_in_the_future_or_after_the_payment_is_refused(customer):
    line = premiums.InvoiceLineData(customer.policy_holder, "KVG", "x", Decimal("10.00"))
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert _reason(_data(line, reminded_on=tomorrow))[0] == "rappel dans le futur"
    assert _reason(_data(line, paid_on=date(2025, 3, 20), reminded_on=date(2025, 3, 20)))[0] \
        == "rappel le jour du paiement ou après"
    premiums.check(_data(line, paid_on=date(2025, 4, 2), reminded_on=date(2025, 4, 1)))


@given(number=st.text(alphabet="0123456789", min_size=1, max_size=12),
       month=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 1)))
def test_the_portals_own_references_are_qr_references(number, month):
    assert premiums.is_qr_reference(premiums.qr_reference(number, month))


def test_a_qr_reference_needs_27_digits_and_its_check_digit():
    good = premiums.qr_reference("100200300", date(2026, 3, 1))
    assert premiums.is_qr_reference(premiums.format_reference(good))  # blocks of five
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    short = good[1:-1] + esr.calc_check_digit(good[1:-1])  # 26 digits, valid as an ESR
    assert not premiums.is_qr_reference(wrong) and not premiums.is_qr_reference(short)
    assert not premiums.is_qr_reference("RF18539007547034")


@pytest.mark.django_db
def test_a_given_qr_reference_is_recorded_as_given(customer):
    given_reference = premiums.qr_reference("990011", date(2025, 3, 1))
    document = make_document(insured_person=customer.policy_holder, period=date(2025, 3, 1))
    line = premiums.InvoiceLineData(customer.policy_holder, "KVG", "x", Decimal("10.00"))
    invoice = premiums.record_invoice(document, _data(
        line, qr_reference=premiums.format_reference(given_reference)))
    assert invoice.qr_reference == given_reference
    wrong = given_reference[:-1] + str((int(given_reference[-1]) + 1) % 10)
    assert _reason(_data(line, qr_reference=wrong)) == ("référence QR invalide", None)


# --- The QR-bill -------------------------------------------------------------------------

def _qr_payloads(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        images = [page.render(scale=3).to_pil() for page in document]
    finally:
        document.close()
    return [found.text for image in images for found in zxingcpp.read_barcodes(image)]


@pytest.mark.django_db
def test_the_slip_carries_amount_reference_and_debtor_in_its_qr_code(customer):
    invoice = make_premium_invoice(customer.policy_holder)
    [payload] = _qr_payloads(premiums.slip_pdf(invoice, customer))
    fields = payload.split("\r\n") if "\r\n" in payload else payload.split("\n")
    assert fields[0] == "SPC"
    assert premiums.DEFAULT_QR_IBAN in fields
    assert "338.00" in fields and "CHF" in fields
    assert "QRR" in fields and invoice.qr_reference in fields
    assert customer.policy_holder.last_name in payload


# --- The pages ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_invoice_page_shows_amounts_per_person_due_date_and_status(customer,
                                                                      customer_client):
    holder = customer.policy_holder
    kid = customer.insured_persons.exclude(pk=holder.pk).first()
    invoice = make_premium_invoice(holder, amounts=(
        ("KVG", "412.30", "0"), ("VVG", "38.60", "1.95"), ("KVG", "108.70", "0", kid)))
    page = customer_client.get(reverse("documents:detail", args=[invoice.document_id])).text
    assert "CHF 557.65" in page  # 412.30 + 38.60 − 1.95 + 108.70
    assert "CHF 448.95" in page and "CHF 108.70" in page  # per person
    assert "−CHF 1.95" in page
    assert "31.03.2025" in page and "En retard" in page
    assert invoice.formatted_reference in page
    assert reverse("documents:qr_bill", args=[invoice.document_id]) in page


@pytest.mark.django_db
def test_a_paid_invoice_says_so_and_offers_no_slip(customer, customer_client):
    invoice = make_premium_invoice(customer.policy_holder, paid_on=date(2025, 3, 25))
    url = reverse("documents:detail", args=[invoice.document_id])
    page = customer_client.get(url).text
    assert "Payée le 25.03.2025" in page
    assert reverse("documents:qr_bill", args=[invoice.document_id]) not in page
    slip = customer_client.get(reverse("documents:qr_bill", args=[invoice.document_id]))
    assert slip.status_code == 404


@pytest.mark.django_db
def test_the_slip_downloads_and_is_audited(customer, customer_client):
    invoice = make_premium_invoice(customer.policy_holder, reminded_on=date(2025, 4, 20))
    response = customer_client.get(reverse("documents:qr_bill", args=[invoice.document_id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")
    event = AuditEvent.objects.filter(customer=customer).latest("pk")
    assert event.detail.get("part") == "qr_bill"


@pytest.mark.django_db
def test_a_document_that_is_not_a_premium_invoice_has_no_slip(customer, customer_client):
    document = make_document(insured_person=customer.policy_holder)
    assert customer_client.get(reverse("documents:qr_bill", args=[document.pk])).status_code \
        == 404
    page = customer_client.get(reverse("documents:detail", args=[document.pk])).text
    assert "premium-invoice" not in page


@pytest.mark.parametrize(("today", "since"), [
    (date(2026, 1, 15), date(2025, 7, 1)), (date(2026, 6, 30), date(2025, 12, 1)),
    (date(2026, 7, 1), date(2026, 1, 1)), (date(2026, 12, 31), date(2026, 6, 1)),
])
def test_recent_means_six_months_back_in_every_month_of_the_year(today, since):
    assert premiums.months_back(today, premiums.RECENT_MONTHS) == since


def test_in_spring_a_paid_invoice_of_last_spring_is_no_longer_recent(customer):
    holder = customer.policy_holder
    make_premium_invoice(holder, date(2025, 4, 1), paid_on=date(2025, 4, 20))
    recent = make_premium_invoice(holder, date(2025, 11, 1), paid_on=date(2025, 11, 20))
    summary = premiums.summary_for(customer, date(2026, 3, 10), recent=3)
    assert [invoice for invoice, _status in summary.recent] == [recent]
