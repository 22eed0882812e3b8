"""Label words the OCR misread in small print, known again before labels are matched."""

import pytest

from claims.intake.layout import LABEL_WORDS, repair_label_words, substitutions


@pytest.mark.parametrize(("read", "meant"), [
    ("eacture n°", "facture n°"),
    ("rechnungsnurmer", "rechnungsnummer"),
    ("gebortsdatum", "geburtsdatum"),
    ("gi.n 7601003000016", "gln  7601003000016"),
    ("6ln: 7601003000016", "gln: 7601003000016"),
    ("gen auteur de la facture", "gln auteur de la facture"),
    # a fax's "N°" read with a quote; "payer" with a letter wrong
    ("n’ de facture", "n° de facture"),
    ('n" avs', "n° avs"),
    ("solde a puyer chf", "solde a payer chf"),
    ("monsicur", "monsieur"),
])
def test_a_misread_label_word_is_put_right_keeping_the_texts_length(read, meant):
    assert repair_label_words(read) == meant
    assert len(repair_label_words(read)) == len(read)


@pytest.mark.parametrize("text", [
    "gen.-guisan-strasse 3",  # a street's "General", not a GLN
    "ginevra",
    "factura",  # as near to "facture" as to "fattura": whose word it is is not known
    "fuciure",  # two letters off a seven-letter word: too far to be sure
    "anna muster, chemin des vignes",
    "n'est pas",  # an apostrophe in a word
])
def test_what_is_not_one_label_word_misread_is_left_as_it_is(text):
    assert repair_label_words(text) == text


def test_label_words_one_letter_apart_are_the_same_label_in_two_forms():
    # a word one letter off two label words is left as it is; the pairs that close say the
    # same thing, so which of the two a misread becomes changes nothing
    words = sorted(LABEL_WORDS)
    close = {(a, b) for i, a in enumerate(words) for b in words[i + 1:]
             if len(a) == len(b) and substitutions(a, b) == 1}
    assert close == {("document", "dokument"), ("emessa", "emesso"), ("facture", "fatture"),
                     ("facturer", "factures"), ("prestazione", "prestazioni"),
                     ("fattura", "fatture"), ("patiente", "paziente"),
                     ("patienten", "patientin"), ("periode", "periodo"),
                     ("ricevuta", "ricevuto"), ("signora", "signore")}


def test_a_fax_label_read_with_a_quote_and_a_letter_wrong_still_names_its_value():
    from claims.intake.extraction import extract_fields
    from claims.tests.test_intake_layout import TODAY, ocr_page

    lines = ocr_page((20, 10, "Laboratoire Exemple SA"),
                     (110, 40, "N’ de facture"), (110, 44.4, "2025-42476"),
                     # the fax lost the total's first digit: the amount due is read by its label
                     (96, 140, "Total CHF"), (140, 140, "015,95"),
                     (96, 144.4, "Solde à puyer CHF"), (140, 144.4, "1015.95"))
    fields = extract_fields(lines, today=TODAY)
    assert fields["invoice_number"].value == "2025-42476"
    assert str(fields["amount"].value) == "1015.95"


def test_a_letters_salutation_is_not_the_address_windows():
    from claims.intake.extraction import extract_fields
    from claims.tests.test_intake_layout import TODAY, ocr_page

    lines = ocr_page((20, 10, "Physiothérapie Exemple"),
                     (110, 40, "Monsicur"), (110, 44.4, "Marc Rochat"),
                     (110, 48.8, "Avenue de la Gare 4"), (110, 53.2, "1950 Sion"),
                     (20, 80, "Monsieur,"), (20, 84.4, "Pour les séances de Marc Rochat du"))
    assert extract_fields(lines, today=TODAY)["patient_name"].value == "Marc Rochat"


def test_an_italian_invoice_number_label_with_a_letter_lost_in_a_fax():
    from claims.intake.extraction import extract_fields
    from claims.tests.test_intake_layout import TODAY, ocr_page

    lines = ocr_page((20, 10, "Studio Exemple"), (20, 60, "Fatura N°"), (20, 64.4, "67994374"),
                     (110, 60, "Paziente"), (140, 60, "Anna Muster"))
    assert extract_fields(lines, today=TODAY)["invoice_number"].value == "67994374"


def test_a_full_stop_in_an_invoice_number_read_as_a_comma_is_put_back():
    from claims.intake.extraction import extract_fields
    from claims.tests.test_intake_layout import TODAY, ocr_page

    lines = ocr_page((20, 10, "Studio Exemple"), (20, 60, "Fattura N°"), (20, 64.4, "67,994374"),
                     (110, 60, "Paziente"), (140, 60, "Anna Muster"))
    assert extract_fields(lines, today=TODAY)["invoice_number"].value == "67.994374"


def test_a_stacked_rechnung_nr_read_with_an_e_names_the_number_under_it():
    from claims.intake.extraction import extract_fields
    from claims.tests.test_intake_layout import TODAY, ocr_page

    lines = ocr_page((20, 10, "Labor Exemple AG"), (110, 40, "Rechnung Ne,"),
                     (110, 44.4, "2025-33927"), (110, 48.8, "Rechnungsdatum"),
                     (110, 53.2, "28.09.2025"), (110, 57.6, "Fall-Nr."), (110, 62, "12-297734"))
    assert extract_fields(lines, today=TODAY)["invoice_number"].value == "2025-33927"
