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
                     ("patienten", "patientin"), ("periode", "periodo")}
