"""Swiss QR-bill (SPC) parsing and validation."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qrbill import QRBill

from claims.intake.errors import IntakeError, QrBillError
from claims.intake.qrbill import find_qr_bill, is_qr_iban, parse_spc
from claims.tests.corpus.generate import qr_image

QR_IBAN = "CH4431999123000889012"
IBAN = "CH9300762011623852957"
QRR = "210000000003139471430009017"
SCOR = "RF18539007547034"
CREDITOR = {
    "name": "Dr méd. Anne Favre",
    "street": "Rue du Bourg",
    "house_num": "3",
    "pcode": "1003",
    "city": "Lausanne",
    "country": "CH",
}
DEBTOR_K = {"name": "Jean Dupont", "line1": "Rue de Lausanne 12", "line2": "1950 Sion"}


def spc(account=QR_IBAN, ref=QRR, amount="183.45", currency="CHF", debtor=None, **kw) -> str:
    return QRBill(
        account=account,
        creditor=CREDITOR,
        amount=amount,
        currency=currency,
        debtor=debtor,
        reference_number=ref,
        **kw,
    ).qr_data()


def raw_spc(*, iban=QR_IBAN, ref_type="QRR", ref=QRR, currency="CHF") -> list[str]:
    return [
        "SPC",
        "0200",
        "1",
        iban,
        "S",
        "Dr A",
        "Rue",
        "1",
        "1000",
        "Lausanne",
        "CH",
        *[""] * 7,
        "10.00",
        currency,
        *[""] * 7,
        ref_type,
        ref,
        "",
        "EPD",
    ]


def test_valid_qrr_payload_is_parsed():
    bill = parse_spc(spc())
    assert bill.iban == QR_IBAN
    assert bill.is_qr_iban
    assert bill.amount == Decimal("183.45")
    assert bill.currency == "CHF"
    assert (bill.reference_type, bill.reference) == ("QRR", QRR)
    assert bill.debtor is None


def test_valid_scor_payload_is_parsed():
    bill = parse_spc(spc(account=IBAN, ref=SCOR))
    assert (bill.reference_type, bill.reference) == ("SCOR", SCOR)


def test_valid_non_payload_has_no_reference():
    bill = parse_spc(spc(account=IBAN, ref=None))
    assert (bill.reference_type, bill.reference) == ("NON", "")


def test_structured_creditor_address_type_s():
    bill = parse_spc(spc())
    c = bill.creditor
    assert (c.address_type, c.name, c.street, c.building, c.postcode, c.town, c.country) == (
        "S",
        "Dr méd. Anne Favre",
        "Rue du Bourg",
        "3",
        "1003",
        "Lausanne",
        "CH",
    )
    assert c.lines == ["Dr méd. Anne Favre", "Rue du Bourg 3", "1003 Lausanne"]


def test_combined_debtor_address_type_k():
    bill = parse_spc(spc(debtor=DEBTOR_K))
    d = bill.debtor
    assert d.address_type == "K"
    assert d.lines == ["Jean Dupont", "Rue de Lausanne 12", "1950 Sion"]


def test_eur_currency_is_accepted():
    assert parse_spc(spc(currency="EUR")).currency == "EUR"


def test_open_amount_is_none():
    assert parse_spc(spc(amount=None)).amount is None


def test_lf_line_endings_are_accepted():
    assert parse_spc(spc().replace("\r\n", "\n")).amount == Decimal("183.45")


def test_wrong_iban_check_digits_rejected():
    lines = raw_spc(iban="CH4531999123000889012")
    with pytest.raises(QrBillError, match="IBAN check digits"):
        parse_spc("\r\n".join(lines))


def test_wrong_qr_reference_check_digit_rejected():
    lines = raw_spc(ref=QRR[:-1] + "8")
    with pytest.raises(QrBillError, match="check digit"):
        parse_spc("\r\n".join(lines))


def test_wrong_creditor_reference_rejected():
    lines = raw_spc(iban=IBAN, ref_type="SCOR", ref="RF19539007547034")
    with pytest.raises(QrBillError, match="ISO 11649"):
        parse_spc("\r\n".join(lines))


def test_qr_iban_with_scor_rejected():
    lines = raw_spc(iban=QR_IBAN, ref_type="SCOR", ref=SCOR)
    with pytest.raises(QrBillError, match="QR-IBAN may only be used with a QR reference"):
        parse_spc("\r\n".join(lines))


def test_qrr_with_ordinary_iban_rejected():
    lines = raw_spc(iban=IBAN, ref_type="QRR", ref=QRR)
    with pytest.raises(QrBillError, match="requires a QR-IBAN"):
        parse_spc("\r\n".join(lines))


def test_non_with_reference_rejected():
    lines = raw_spc(iban=IBAN, ref_type="NON", ref=SCOR)
    with pytest.raises(QrBillError, match="NON must not have a reference"):
        parse_spc("\r\n".join(lines))


def test_foreign_iban_rejected():
    lines = raw_spc(iban="DE89370400440532013000", ref_type="NON", ref="")
    with pytest.raises(QrBillError, match="Swiss or Liechtenstein"):
        parse_spc("\r\n".join(lines))


def test_unsupported_currency_rejected():
    lines = raw_spc(currency="USD")
    with pytest.raises(QrBillError, match="currency"):
        parse_spc("\r\n".join(lines))


def test_missing_trailer_rejected():
    lines = raw_spc()
    lines[30] = "XXX"
    with pytest.raises(QrBillError, match="EPD"):
        parse_spc("\r\n".join(lines))


def test_truncated_payload_rejected():
    with pytest.raises(QrBillError, match="lines"):
        parse_spc("SPC\r\n0200\r\n1\r\nCH4431999123000889012")


def test_non_spc_text_rejected_as_intake_error():
    with pytest.raises(IntakeError):
        parse_spc("https://example.org")


def test_qr_iban_range():
    assert is_qr_iban(QR_IBAN)
    assert not is_qr_iban(IBAN)


def test_qr_bill_is_found_in_rendered_qr_code():
    img = qr_image(spc(debtor=DEBTOR_K))
    bill, warnings = find_qr_bill([img])
    assert warnings == []
    assert bill is not None and bill.reference == QRR


def test_invalid_qr_bill_in_image_gives_warning_not_crash():
    payload = "\r\n".join(raw_spc(ref=QRR[:-1] + "8"))
    bill, warnings = find_qr_bill([qr_image(payload)])
    assert bill is None
    assert any("check digit" in w for w in warnings)


_text = (
    st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzäöüéèàABCDEFGHIJKLMNOPQRSTUVWXYZ -.",
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=_text,
    town=_text,
    cents=st.integers(min_value=1, max_value=99_999_999),
    kind=st.sampled_from(["QRR", "SCOR", "NON"]),
    currency=st.sampled_from(["CHF", "EUR"]),
    message=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 ", max_size=40),
)
def test_spc_round_trip_with_qrbill_generated_payloads(name, town, cents, kind, currency, message):
    amount = f"{Decimal(cents) / 100:.2f}"
    account, ref = {"QRR": (QR_IBAN, QRR), "SCOR": (IBAN, SCOR), "NON": (IBAN, None)}[kind]
    creditor = {"name": name, "pcode": "1000", "city": town, "country": "CH"}
    payload = QRBill(
        account=account,
        creditor=creditor,
        amount=amount,
        currency=currency,
        reference_number=ref,
        additional_information=message,
    ).qr_data()
    bill = parse_spc(payload)
    assert bill.amount == Decimal(amount)
    assert bill.currency == currency
    assert bill.reference_type == kind
    assert bill.creditor.name == name
    assert bill.creditor.town == town
    assert bill.message == message.strip()
