"""Payout IBANs: Swiss or Liechtenstein, valid check digits, never a QR-IBAN; masked."""

import pytest
from django.utils import translation

from core import iban

SWISS = "CH9300762011623852957"
LIECHTENSTEIN = "LI21088100002324013AA"
QR_IBAN = "CH4431999123000889012"


@pytest.mark.parametrize("raw", ["CH93 0076 2011 6238 5295 7", "ch9300762011623852957",
                                 " CH93-0076-2011-6238-5295-7 ", "LI21 0881 0000 2324 013A A"])
def test_swiss_and_liechtenstein_ibans_are_accepted_as_typed(raw):
    assert iban.payout_iban(raw) in (SWISS, LIECHTENSTEIN)


def test_a_qr_iban_is_refused_with_the_reason():
    with pytest.raises(iban.QrIban) as refused, translation.override("fr"):
        iban.payout_iban("CH44 3199 9123 0008 8901 2")
    assert "QR-IBAN" in refused.value.message
    assert "QR-factures" in refused.value.message


@pytest.mark.parametrize("iid", ["30000", "31999"])
def test_the_qr_iid_range_is_inclusive(iid):
    assert iban.is_qr_iban(f"CH00{iid}000000000000")


@pytest.mark.parametrize("iid", ["29999", "32000", "00762"])
def test_iids_outside_the_range_are_ordinary_accounts(iid):
    assert not iban.is_qr_iban(f"CH00{iid}000000000000")


def test_a_foreign_iban_is_refused_even_when_valid():
    with pytest.raises(iban.ForeignIban):
        iban.payout_iban("DE89 3704 0044 0532 0130 00")


@pytest.mark.parametrize("raw", ["CH9400762011623852957", "CH93 0076 2011", "1234", "",
                                 "CH93007620116238529571"])
def test_wrong_check_digits_or_length_are_not_an_iban(raw):
    with pytest.raises(iban.NotAnIban):
        iban.payout_iban(raw)


def test_the_mask_keeps_the_country_and_the_last_four_only():
    assert iban.mask(SWISS) == "CH••\u00a0••••\u00a02957"  # no-break spaces: one line
    assert iban.mask("CH93 0076 2011 6238 5295 7") == iban.mask(SWISS)
    assert "0076" not in iban.mask(SWISS)
