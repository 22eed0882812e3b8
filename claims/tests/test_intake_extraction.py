"""Field extraction from text lines: amounts, dates, identifiers, labelled values."""

from datetime import date
from decimal import Decimal

import pytest

from claims.intake.extraction import (
    extract_fields,
    find_amounts,
    find_dates,
    find_glns,
    find_ibans,
    find_references,
    is_valid_gln,
    parse_amount,
)
from claims.intake.ocr import lines_from_text
from claims.intake.qrbill import parse_spc
from claims.tests.test_intake_qrbill import spc

TODAY = date(2026, 3, 20)


def fields_of(text: str, qr=None):
    return extract_fields(lines_from_text(text), qr, today=TODAY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1'234.50", "1234.50"),
        ("1’234.50", "1234.50"),
        ("1 234,50", "1234.50"),
        ("183.45", "183.45"),
        ("183,45", "183.45"),
        ("12'345'678.05", "12345678.05"),
        ("40.-", "40.00"),
    ],
)
def test_swiss_amount_formats(text, expected):
    assert parse_amount(text) == Decimal(expected)


def test_dates_are_not_taken_for_amounts():
    assert find_amounts("Datum 14.03.2026") == []


def test_labelled_total_preferred_over_tax_points_and_subtotal():
    text = """Total points tarifaires 1'912.40
Sous-total 1'712.40
TVA 0.00% 0.00
Acompte déjà versé -50.00
Montant dû CHF 1'662.40"""
    f = fields_of(text)
    assert f["amount"].value == Decimal("1662.40")
    assert f["currency"].value == "CHF"
    assert f["amount"].source == "text-layer"


def test_german_total_ignores_taxpunkte():
    f = fields_of("Total Taxpunkte 622.68\nZwischentotal 605,67\nTotalbetrag CHF 605,67")
    assert f["amount"].value == Decimal("605.67")


def test_italian_total_with_value_on_next_line():
    f = fields_of("Totale punti tariffali 300.00\nImporto totale\n1 250,00")
    assert f["amount"].value == Decimal("1250.00")


def test_amount_fallback_ignores_phone_and_birth_date():
    f = fields_of("Tél. 021 345 67 89\nDate de naissance 03.07.1981\nHonoraires 95.20")
    assert f["amount"].value == Decimal("95.20")
    assert f["amount"].confidence < 0.6


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14.03.2026", date(2026, 3, 14)),
        ("14.03.26", date(2026, 3, 14)),
        ("03.07.81", date(1981, 7, 3)),
        ("14 mars 2026", date(2026, 3, 14)),
        ("1er février 2026", date(2026, 2, 1)),
        ("14. März 2026", date(2026, 3, 14)),
        ("3. Dezember 2025", date(2025, 12, 3)),
        ("14 marzo 2026", date(2026, 3, 14)),
        ("2 agosto 2025", date(2025, 8, 2)),
    ],
)
def test_date_formats_fr_de_it(text, expected):
    assert [d for d, _s, _e in find_dates(text, today=TODAY)] == [expected]


def test_invalid_date_is_ignored():
    assert find_dates("31.02.2026", today=TODAY) == []


def test_invoice_date_label_wins_over_birth_and_treatment_dates():
    text = """Date de naissance: 03.07.1981
Date de traitement: 02.02.2026 - 10.03.2026
Date de facture: 14.03.2026"""
    f = fields_of(text)
    assert f["invoice_date"].value == date(2026, 3, 14)
    assert f["patient_birth_date"].value == date(1981, 7, 3)


def test_invoice_date_from_city_line():
    f = fields_of("St. Gallen, 14. November 2025\nGeburtsdatum: 18.06.1950")
    assert f["invoice_date"].value == date(2025, 11, 14)
    assert f["patient_birth_date"].value == date(1950, 6, 18)


def test_gln_check_digit():
    assert is_valid_gln("7601000000004") is False
    assert is_valid_gln("7601003000016") is True  # valid EAN-13, Swiss prefix
    assert is_valid_gln("4012345000009") is False  # valid EAN but not Swiss


def test_gln_ocr_letter_o_is_read_as_zero():
    assert [g for g, _ in find_glns("GLN: 76O1003000016")] == ["7601003000016"]


def test_provider_gln_skips_insurer_gln():
    f = fields_of("Assureur: KPT GLN assureur: 7601003000016\nGLN fournisseur: 7601000000019")
    assert f["provider_gln"].value == "7601000000019"


def test_iban_mod97():
    assert find_ibans("IBAN CH93 0076 2011 6238 5295 7") == ["CH9300762011623852957"]
    assert find_ibans("IBAN CH94 0076 2011 6238 5295 7") == []


def test_an_iban_with_a_digit_read_as_two_glyphs():
    # a wide "7" read "O7": the one letter too many dropped where the check digits agree
    assert find_ibans("IBAN CH93 0076 2011 6238 5295 O7") == ["CH9300762011623852957"]
    assert find_ibans("IBAN CH94 0076 2011 6238 5295 O7") == []


def test_an_iban_letter_read_for_its_second_digit():
    # the check digits "08" read "OS": "S" is more often a "5", here it is an "8"
    assert find_ibans("IBAN: CHOS 3094 5163 0810 9035 4 Total") == ["CH0830945163081090354"]
    # no reading of the letters passes the check: nothing is made up
    assert find_ibans("IBAN: CHOS 3094 5163 0810 9035 5 Total") == []


def test_an_iban_with_a_one_printed_light():
    assert find_ibans("Zahlbar auf IBAN CH7] 3141 3898 4444 6811 1") == ["CH7131413898444468111"]
    assert find_ibans("IBAN | CH93 0076 2011 6238 5295 7| Total") == ["CH9300762011623852957"]


def test_a_qr_reference_with_a_speck_glued_to_a_group():
    assert find_references("Ref. 21 00000 00003 13947) 14300 09017") == [
        ("QRR", "210000000003139471430009017")
    ]
    assert find_references("Ref. 21 00000 00003 13947| 14300 09018") == []


def test_references_qrr_and_scor():
    assert find_references("Référence: 21 00000 00003 13947 14300 09017") == [
        ("QRR", "210000000003139471430009017")
    ]
    assert find_references("Referenz: RF18 5390 0754 7034") == [("SCOR", "RF18539007547034")]
    assert find_references("RF18 539O 0754 7034") == [("SCOR", "RF18539007547034")]


def test_invoice_number_and_patient_labels():
    text = """Rechnung Nr.: 2025-38381
Patientin: Anna Schmid
geb.: 26.07.1986"""
    f = fields_of(text)
    assert f["invoice_number"].value == "2025-38381"
    assert f["patient_name"].value == "Anna Schmid"
    assert f["patient_birth_date"].value == date(1986, 7, 26)


def test_provider_name_from_letterhead():
    f = fields_of("Cabinet médical Favre\nRue du Bourg 3\n1003 Lausanne\nTél. 021 345 67 89")
    assert f["provider_name"].value == "Cabinet médical Favre"


def test_qr_bill_fields_win_over_text():
    qr = parse_spc(spc())
    f = fields_of("Montant dû CHF 180.00\nIBAN CH93 0076 2011 6238 5295 7", qr)
    assert (f["amount"].value, f["amount"].source) == (Decimal("183.45"), "qr")
    assert (f["iban"].value, f["iban"].source) == ("CH4431999123000889012", "qr")
    assert f["reference"].value == "210000000003139471430009017"
    assert f["provider_name"].value == "Dr méd. Anne Favre"


def test_ocr_noise_in_labels_and_separators_is_tolerated():
    text = """=, fattura: R-704262
Data della fattura: 22.09.2025
Paziente: - Giulia Bernasconi
Nato/a il: 20,03,62
IBAN: CH04 8648 8761.0854 6493.0"""
    f = fields_of(text)
    assert f["invoice_number"].value == "R-704262"
    assert f["patient_name"].value == "Giulia Bernasconi"
    assert f["patient_birth_date"].value == date(1962, 3, 20)
    assert f["iban"].value == "CH0486488761085464930"
    assert f["invoice_date"].value == date(2025, 9, 22)


def test_creditor_reference_with_ocr_letters_in_check_digits():
    assert find_references("RFOG 664X 1U") == [("SCOR", "RF06664X1U")]


@pytest.mark.parametrize(
    "printed",
    ["CHO4 0203 6594 2895 3697 3", "CH04-0203 6594 2895 3697 3", "©H04 0203 6594 2895 3697 3"],
)
def test_iban_with_ocr_confusions_is_recovered(printed):
    assert find_ibans(f"IBAN: {printed} Total points") == ["CH0402036594289536973"]


def test_invoice_number_after_noise_and_patient_name_without_speck():
    f = fields_of("Rechnungsnummer: :. :: 2025-08516\nPatient: Peter Meier i")
    assert f["invoice_number"].value == "2025-08516"
    assert f["patient_name"].value == "Peter Meier"


def test_labels_with_value_on_the_next_line():
    f = fields_of("N° de facture\n2026-00417\nPatiente\nNathalie Morel\nNée le 12.05.1990")
    assert f["invoice_number"].value == "2026-00417"
    assert f["patient_name"].value == "Nathalie Morel"
    assert f["patient_birth_date"].value == date(1990, 5, 12)


def test_the_qr_bills_additional_information_gives_the_invoice_number_the_print_lost():
    qr = parse_spc(spc(additional_information="Rechnung Nr. R-123456 vom 12.03.2026"))
    f = fields_of("Praxis Exemple\nTotal CHF 183.45", qr)
    assert (f["invoice_number"].value, f["invoice_number"].source) == ("R-123456", "qr")


def test_the_qr_bill_corrects_an_invoice_number_the_ocr_nearly_read():
    qr = parse_spc(spc(additional_information="Facture F25/5661"))
    f = fields_of("Praxis Exemple\nN° de facture: 25/5661", qr)
    assert f["invoice_number"].value == "F25/5661"
    qr = parse_spc(spc(additional_information="Facture 2025-25519"))
    f = fields_of("Praxis Exemple\nConcerne : facture n° 20225-25519", qr)  # a 2 added
    assert f["invoice_number"].value == "2025-25519"


def test_a_printed_invoice_number_unlike_the_qr_message_is_kept():
    qr = parse_spc(spc(additional_information="Patient 4711"))
    f = fields_of("Praxis Exemple\nN° de facture: 2026-0042", qr)
    assert f["invoice_number"].value == "2026-0042"
    # two characters apart is another number when the number is short
    qr = parse_spc(spc(additional_information="Facture 4981"))
    f = fields_of("Praxis Exemple\nN° de facture: 4711", qr)
    assert f["invoice_number"].value == "4711"


def test_the_amount_due_is_the_total_less_the_deposit_whatever_its_label():
    f = fields_of("Total CHF 250.00\nVersement reçu -50.00\nReste à régler 200.00")
    assert f["amount"].value == Decimal("200.00")


@pytest.mark.parametrize(
    ("text", "due"),
    [
        # a rounding to 0.05 printed with its sign, after a deposit
        ("Total CHF 312.47\nVersement reçu -100.00\nArrondi -0.02\nReste à régler 212.45",
         "212.45"),
        # printed without its sign, and with no deposit: tried both ways
        ("Total 87.42\nRundung 0.03\nNoch offen 87.45", "87.45"),
        ("Totale 150.03\nArrotondamento 0.03\nRestante 150.00", "150.00"),
    ],
)
def test_the_amount_due_is_the_total_adjusted_by_a_rounding_whatever_its_label(text, due):
    assert fields_of(text)["amount"].value == Decimal(due)


def test_a_rounding_that_does_not_land_on_five_centimes_proves_nothing():
    f = fields_of("Total 87.42\nRundung 0.01\nNoch offen 87.43")
    assert f["amount"].value == Decimal("87.42")


@pytest.mark.parametrize(("text", "name"), [
    ("Patient: Elena Pedrazzıni", "Elena Pedrazzini"),  # a dotless i
    ("Patiente: Claire Morel né", "Claire Morel"),  # the birth date's label cut short
    ("Patient: Hans Frei geb.", "Hans Frei"),
])
def test_the_patients_name_without_what_the_ocr_joined_to_it(text, name):
    assert fields_of("Praxis Exemple\n" + text)["patient_name"].value == name
