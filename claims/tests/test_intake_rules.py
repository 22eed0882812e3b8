"""Rules that follow how Swiss medical invoices are built, each on a few positioned words."""

from datetime import date
from decimal import Decimal

import pytest

from claims.intake.extraction import extract_fields
from claims.intake.layout import boxes_from_lines
from claims.intake.ocr import Line
from claims.tests.test_intake_layout import TODAY, ocr_page, page


def test_the_balance_in_our_favour_is_the_amount_due_beside_a_two_column_total():
    french = page(
        (20, 100, "02.03.2026"), (190, 100, "140,96"),
        (20, 130, "Valeur du point"), (50, 130, "0.95"),
        (110, 130, "Total des prestations"), (190, 130, "364,08"),
        (20, 140, "Prestations exonérées de TVA"),
        (110, 140, "Solde en notre faveur CHF"), (190, 140, "364,08"),
    )
    german = ocr_page(
        (20, 100, "02.12.2025 11 4830 Lokalanästhesie"), (190, 100, "79,48"),
        (20, 130, "Taxpunktwert 0.95"), (110, 130, "Total Leistungen"), (190, 130, "211,36"),
        (20, 135, "Von der MWST befreite Leistungen"),
        (110, 135, "Zu unseren Gunsten CHF"), (190, 135, "211,36"),
    )
    assert extract_fields(french, today=TODAY)["amount"].value == Decimal("364.08")
    assert extract_fields(german, today=TODAY)["amount"].value == Decimal("211.36")


def test_the_total_of_the_services_is_read_when_nothing_else_is_due():
    lines = page((20, 130, "Valeur du point"), (50, 130, "0.95"),
                 (110, 130, "Total des prestations"), (190, 130, "364,08"),
                 (20, 100, "02.03.2026"), (190, 100, "140,96"))
    assert extract_fields(lines, today=TODAY)["amount"].value == Decimal("364.08")


def test_a_service_line_date_is_never_taken_for_the_invoice_date():
    lines = page(
        (20, 10, "Zahnarztpraxis Exemple"),
        (20, 85, "09.12.2025 21 4163 Zahnsteinentfernung"), (190, 85, "50,48"),
        (20, 90, "17.12.2025 21 4750 Kompositfüllung"), (190, 90, "74,12"),
    )
    assert extract_fields(lines, today=TODAY)["invoice_date"] is None


def test_issue_date_labels_in_three_languages():
    for label in ("Date d'émission", "Datum der Rechnung", "Data di emissione",
                  "Date de facturation", "Rechnungs-Datum", "Établie le", "Ausgestellt am"):
        lines = page((20, 10, "Praxis Exemple"), (20, 70, label), (60, 70, "12.03.2026"),
                     (20, 90, "Sitzung"), (60, 90, "20.03.2026"))
        assert extract_fields(lines, today=TODAY)["invoice_date"].value == date(2026, 3, 12)


def test_dates_of_a_cost_estimate_or_a_printout_are_not_the_invoice_date():
    lines = page((20, 10, "Praxis Exemple"),
                 (20, 70, "Kostenvoranschlag vom 15.11.2025"),
                 (20, 75, "Gedruckt am 20.03.2026"),
                 (20, 80, "Zürich, 9. März 2026"))
    assert extract_fields(lines, today=TODAY)["invoice_date"].value == date(2026, 3, 9)
    for estimate in ("Devis du 15.11.2025", "Preventivo del 15.11.2025"):
        lines = page((20, 10, "Praxis Exemple"), (20, 70, estimate),
                     (20, 75, "Imprimé le 20.03.2026"))
        assert extract_fields(lines, today=TODAY)["invoice_date"] is None


def test_geboren_am_gives_the_birth_date_and_stops_the_invoice_date():
    lines = ocr_page((20, 70, "Rechnungsdatum 12.03.2026"), (110, 70, "geboren am 03.08.1959"))
    f = extract_fields(lines, today=TODAY)
    assert f["patient_birth_date"].value == date(1959, 8, 3)
    assert f["invoice_date"].value == date(2026, 3, 12)


def test_a_bare_number_label_in_the_identification_block_is_the_invoice_number():
    lines = page((20, 10, "Cabinet dentaire Exemple"), (110, 60, "Numéro"), (150, 60, "694149431"),
                 (110, 65, "Nummer"), (150, 65, "F26/3206"))
    assert extract_fields(lines, today=TODAY)["invoice_number"].value == "694149431"
    insured = page((110, 60, "Versichertennummer"), (150, 60, "694149431"))
    assert extract_fields(insured, today=TODAY)["invoice_number"] is None


def test_the_billers_gln_not_the_prescribers_nor_the_insurers():
    for prescriber in ("Prescripteur GLN", "Verordnender Arzt GLN", "GLN medico prescrivente"):
        lines = page(
            (20, 10, "Physiothérapie Exemple"),
            (20, 60, prescriber), (60, 60, "7601003000016"),
            (110, 60, "Assureur GLN"), (150, 60, "7601003000023"),
            (20, 65, "GLN"), (60, 65, "7601000000002"),
        )
        assert extract_fields(lines, today=TODAY)["provider_gln"].value == "7601000000002"


def test_the_row_of_a_form_names_the_party_of_its_gln():
    lines = page(
        (20, 10, "Praxis Exemple"),
        (20, 60, "Auftraggeber"), (60, 60, "EAN-Nr./ZSR-Nr."), (100, 60, "7601003000016/H121111"),
        (20, 65, "Leistungserbringer"), (60, 65, "EAN-Nr./ZSR-Nr."),
        (100, 65, "7601000000019/H121112"),
        (20, 70, "Rechnungssteller"), (60, 70, "EAN-Nr./ZSR-Nr."),
        (100, 70, "7601000000002/H121111"),
    )
    assert extract_fields(lines, today=TODAY)["provider_gln"].value == "7601000000002"


def test_a_partys_name_misread_in_a_gln_label_still_names_it():
    # a grid of boxes, each label over its value; the biller's word misread by the OCR
    lines = ocr_page(
        (20, 10, "Chiropraktische Praxis Exemple"),
        (20, 60, "GLN Leistungserbringer"), (75, 60, "ZSR-Nr."),
        (110, 60, "GLN Rechnungsstaller"), (160, 60, "GLN Zuweiser"),
        (20, 64, "7601000000019"), (75, 64, "H121112"),
        (110, 64, "7601000000002"), (160, 64, "7601003000016"),
    )
    assert extract_fields(lines, today=TODAY)["provider_gln"].value == "7601000000002"
    # the prescriber's word misread: still another party's GLN
    lines = ocr_page(
        (20, 10, "Chiropraktische Praxis Exemple"),
        (20, 60, "GLN Verordnendor"), (110, 60, "GLN"),
        (20, 64, "7601003000016"), (110, 64, "7601000000002"),
    )
    assert extract_fields(lines, today=TODAY)["provider_gln"].value == "7601000000002"


def test_a_biller_label_before_its_gln():
    for label in ("Rechnungssteller EAN-Nr.", "Fournisseur de prestations EAN", "Biller EAN"):
        lines = page((20, 10, "Praxis Exemple"),
                     (20, 55, "Zuweiser GLN"), (60, 55, "7601003000016"),
                     (20, 60, label), (60, 60, "7601000000002"))
        assert extract_fields(lines, today=TODAY)["provider_gln"].value == "7601000000002"


def test_the_italian_invoice_number_label_with_della():
    for label in ("N. della fattura", "N° della fattura", "N. fattura"):
        lines = page((20, 10, "Studio Exemple"), (110, 60, label), (150, 60, "145807869"))
        assert extract_fields(lines, today=TODAY)["invoice_number"].value == "145807869"


def test_a_creditor_reference_with_one_confused_character_is_put_right_by_its_check():
    from claims.intake.extraction import find_references

    assert find_references("RF24 ALVT FG") == [("SCOR", "RF24A1VTFG")]  # 1 read as L
    assert find_references("RF82 SNB1 STBL EJ") == [("SCOR", "RF82SNB1ST8LEJ")]  # 8 as B
    assert find_references("RF24 ALVT XG") == []  # not a confusion: left alone
    assert find_references("Ref. RF74 EWP3 ER8W 3F") == [("SCOR", "RF74EWP3ER8W3E")]  # E as F
    assert find_references("Ref. RF87 KHFJ 2U5Y 062") == [("SCOR", "RF87KHFJ2U5YQ62")]  # Q as 0
    assert find_references("RF88 ANUJ 41QA L") == [("SCOR", "RF884NUJ41QAL")]  # 4 as A
    assert find_references("RF21 ZETJ KQHA 7") == [("SCOR", "RF21ZETJKQH47")]  # 4 as A
    assert find_references("Ref. RF53 8RK] XFNZ") == [("SCOR", "RF538RKJXFNZ")]  # J as ]
    assert find_references("Ref. RF80 F52T LUM) YY") == [("SCOR", "RF80F52TLUMJYY")]  # J as )
    assert find_references("Ref. RF44 SAP8 7688 P]") == [("SCOR", "RF44SAP87688PJ")]  # J as ]
    assert find_references("Ref. RF96 3QGW XRON J") == [("SCOR", "RF963QGWXRQNJ")]  # Q as O
    # two characters wrong (Z read as 7, 1 as I): here no single change makes the check agree,
    # so nothing is guessed (for other references one might, by chance: about 1 in 97 each)
    assert find_references("RF83 H47X IT") == []


@pytest.mark.parametrize("text", [
    "(Ref. RF18 5390 0754 7034)",  # the bracket closes the text, it is no J
    "Ref. RF18 5390 0754 7034 Zahlbar bis 30.04.2026",  # the words after it are not part of it
    "Ref. RF18 539O 0754 7034 Zahlbar bis 30.04.2026",
    "Ref. RF18 5390 07547034",  # a space the OCR missed
])
def test_a_creditor_reference_is_read_apart_from_what_follows_it(text):
    from claims.intake.extraction import find_references

    assert find_references(text) == [("SCOR", "RF18539007547034")]


def test_a_reference_put_right_by_its_check_is_left_for_the_advisor_to_check():
    repaired = extract_fields(page((20, 10, "Praxis Exemple"), (20, 60, "Ref. RF88 ANUJ 41QA L")),
                              today=TODAY)["reference"]
    assert repaired.value == "RF884NUJ41QAL" and repaired.confidence < 0.6
    read = extract_fields(page((20, 10, "Praxis Exemple"), (20, 60, "Ref. RF88 4NUJ 41QA L")),
                          today=TODAY)["reference"]
    assert read.value == "RF884NUJ41QAL" and read.confidence >= 0.9


def test_a_fax_header_with_its_own_date_label_is_not_the_invoice_date():
    for header in ("Von: Praxis Exemple   Datum: 18.03.2026 14:32   Seite 1/2",
                   "FROM: CABINET EXEMPLE   DATE: 18/03/2026 14:32   PAGE 1",
                   "Date 18.03.2026 14:32 Fax +41 21 555 12 34"):
        lines = ocr_page((5, 2, header), (20, 10, "Cabinet Exemple"),
                         (110, 40, "Lausanne, le 9 mars 2026"))
        assert extract_fields(lines, today=TODAY)["invoice_date"].value == date(2026, 3, 9)


def test_a_till_receipts_date_and_time_is_still_its_date():
    lines = page((5, 10, "PHARMACIE EXEMPLE"), (5, 14, "31.10.2025 12:19 Kasse 2"),
                 (5, 30, "Total CHF"), (75, 30, "62.50"))
    assert extract_fields(lines, today=TODAY)["invoice_date"].value == date(2025, 10, 31)


def test_the_right_columns_birth_date_never_stands_in_for_an_unreadable_invoice_date():
    from claims.intake.ocr import Line

    for row in ("Datum 12.O3.2O26 Geburtsdatum 17.04.1981",
                "Date 12.O3.2O26 Date naiss. 17.04.1981"):
        f = extract_fields([Line("Praxis Exemple", 0.9), Line(row, 0.9)], today=TODAY)
        assert f["invoice_date"] is None
        assert f["patient_birth_date"].value == date(1981, 4, 17)
    row = "Datum 12.03.2026 Geburtsdatum 17.04.1981"
    f = extract_fields([Line("Praxis Exemple", 0.9), Line(row, 0.9)], today=TODAY)
    assert f["invoice_date"].value == date(2026, 3, 12)


def test_invoice_number_labels_as_printed_in_three_languages():
    for label in ("No. de facture", "Réf. facture", "Référence de la facture", "Rg.-Nr.",
                  "Re-Nr.", "Rechnungsreferenz", "Nr. fattura", "Riferimento fattura"):
        lines = page((20, 10, "Praxis Exemple"), (20, 60, label), (60, 60, "2026-0042"),
                     (110, 60, "N° AVS"), (150, 60, "756.1234.5678.97"))
        assert extract_fields(lines, today=TODAY)["invoice_number"].value == "2026-0042"


def test_a_patient_label_with_its_gender_ending_and_a_speck_in_the_name():
    from claims.intake.ocr import Line

    for row in ("Ai Patient/in Anna Huber  VESTI geboren am 07.02.1940",
                "x Patient(e) Anna Huber  Né(e) le 07.02.1940", "Patient: Anna: Huber"):
        f = extract_fields([Line("Praxis Exemple", 0.9), Line(row, 0.9)], today=TODAY)
        assert f["patient_name"].value == "Anna Huber"


def test_the_abbreviated_german_invoice_number_label():
    for label in ("Rech Nr.", "Rech.-Nr."):
        lines = page((20, 10, "Praxis Exemple"), (110, 60, f"{label} F25/7111"))
        assert extract_fields(lines, today=TODAY)["invoice_number"].value == "F25/7111"


def test_abbreviated_month_names():
    from claims.intake.values import find_dates

    for text, want in (("Lausanne, le 24 janv. 2026", date(2026, 1, 24)),
                       ("Zürich, 3. Sept. 2025", date(2025, 9, 3)),
                       ("Lugano, 14 ott. 2025", date(2025, 10, 14)),
                       ("Bern, 9. Dez 2025", date(2025, 12, 9))):
        assert [d for d, _s, _e in find_dates(text, today=TODAY)] == [want]
    assert find_dates("12 Augenarzt 2026", today=TODAY) == []


def test_a_band_of_headings_over_the_invoices_data_gives_each_value():
    lines = page(
        (20, 10, "Praxis Exemple"),
        (20, 60, "N° facture"), (60, 60, "Date facture"), (100, 60, "N° client"),
        (140, 60, "Page"),
        (20, 65, "2026-0042"), (60, 65, "12.03.2026"), (100, 65, "K-1234"), (140, 65, "1/1"),
        (20, 80, "Datum"), (50, 80, "Tarif"), (80, 80, "Code"), (110, 80, "Leistung"),
        (20, 85, "02.03.2026"), (50, 85, "007"), (80, 85, "AA.00.0010"), (110, 85, "Konsultation"),
    )
    f = extract_fields(lines, today=TODAY)
    assert f["invoice_number"].value == "2026-0042"
    assert f["invoice_date"].value == date(2026, 3, 12)


def test_dot_leaders_between_a_label_and_its_value():
    lines = ocr_page((20, 10, "Praxis Exemple"),
                     (20, 60, "Rechnungsdatum"), (55, 60, "........"), (75, 60, "12.03.2026"),
                     (20, 65, "Patient"), (55, 65, "|"), (75, 65, "Anna Muster"))
    f = extract_fields(lines, today=TODAY)
    assert f["invoice_date"].value == date(2026, 3, 12)
    assert f["patient_name"].value == "Anna Muster"


def test_patient_labels_as_forms_print_them():
    for label in ("Nom patient", "Name des Patienten", "Patientenname", "Nome del paziente",
                  "Personne traitée", "Behandelte Person"):
        lines = page((20, 10, "Praxis Exemple"), (110, 60, label), (150, 60, "Anna Muster"),
                     (110, 65, "Geburtstag"), (150, 65, "17.04.1981"))
        f = extract_fields(lines, today=TODAY)
        assert f["patient_name"].value == "Anna Muster"
        assert f["patient_birth_date"].value == date(1981, 4, 17)


def test_the_date_after_the_invoice_number_in_a_title_line():
    for title in ("Facture n° 2026-0042 du 12.03.2026", "Rechnung Nr. 4711 vom 12. März 2026",
                  "Fattura n. 2026/12 del 12.03.2026", "Facture 2026-0042 du 12.03.2026"):
        lines = page((20, 10, "Praxis Exemple"), (20, 60, title),
                     (20, 70, "Behandlung vom 02.03.2026 bis 10.03.2026"))
        f = extract_fields(lines, today=TODAY)
        assert f["invoice_date"].value == date(2026, 3, 12)
        assert f["invoice_number"].value in ("2026-0042", "4711", "2026/12")


def test_the_open_balance_after_a_payment_is_the_amount_due():
    for rows in ([("Total CHF", "250.00"), ("Bereits bezahlt", "50.00"),
                  ("Offener Betrag", "200.00")],
                 [("Total", "250.00"), ("Déjà payé", "50.00"), ("Solde ouvert", "200.00")],
                 [("Totale", "250.00"), ("Già pagato", "50.00"), ("Importo residuo", "200.00")],
                 [("Gesamttotal", "200.00"), ("davon MWST 2.6 %", "5.07")]):
        runs = [(20, 10, "Praxis Exemple"), (20, 50, "02.03.2026  Konsultation"),
                (190, 50, "300.00")]
        for i, (label, value) in enumerate(rows):
            runs += [(110, 100 + 5 * i, label), (180, 100 + 5 * i, value)]
        assert extract_fields(page(*runs), today=TODAY)["amount"].value == Decimal("200.00")


def test_a_due_date_or_a_received_stamp_is_not_the_invoice_date():
    for other in ("Fällig am 11.04.2026", "Échéance 11.04.2026", "Scadenza 11.04.2026",
                  "EINGANG 15.03.2026", "Reçu le 15.03.2026"):
        lines = page((20, 10, "Praxis Exemple"), (20, 60, "12.03.2026"),
                     (110, 60, other))
        assert extract_fields(lines, today=date(2026, 4, 20))["invoice_date"].value == date(
            2026, 3, 12)


def test_a_gln_under_the_insurers_heading_is_the_insurers():
    lines = page((20, 10, "Praxis Exemple"),
                 (20, 55, "Versicherer"), (20, 60, "Name"), (55, 60, "KPT"),
                 (20, 65, "GLN"), (55, 65, "7601003000023"),
                 (20, 80, "Leistungserbringer"), (20, 85, "Name"), (55, 85, "Dr. X"),
                 (20, 90, "GLN"), (55, 90, "7601000000002"))
    assert extract_fields(lines, today=TODAY)["provider_gln"].value == "7601000000002"


def test_a_gln_in_a_sentence_belongs_to_the_party_named_before_it():
    lines = page((20, 10, "Praxis Exemple"),
                 (20, 60, "Verordnet von Dr. Y, GLN 7601003000016"),
                 (20, 280, "Praxis Exemple, GLN 7601000000002"))
    assert extract_fields(lines, today=TODAY)["provider_gln"].value == "7601000000002"


def test_the_documents_own_number_when_no_invoice_number_label_is_printed():
    for label in ("Dokument-Nr.", "Belegnummer", "N° de document", "Numero documento"):
        lines = page((20, 10, "Praxis Exemple"), (20, 60, "Versicherten-Nr."),
                     (60, 60, "80756012"), (20, 65, label), (60, 65, "2026-0042"))
        assert extract_fields(lines, today=TODAY)["invoice_number"].value == "2026-0042"


def test_an_iban_wrapped_onto_the_next_row_of_its_column():
    lines = ocr_page((20, 10, "Praxis Exemple"), (20, 200, "IBAN CH93 0076 2011"),
                     (130, 200, "Total CHF 120.00"), (20, 204, "6238 5295 7"))
    assert extract_fields(lines, today=TODAY)["iban"].value == "CH9300762011623852957"


def test_without_a_birth_label_the_only_old_date_is_the_birth_date():
    lines = page((20, 10, "Praxis Exemple"), (110, 50, "Anna Muster, 17.04.1981"),
                 (20, 60, "Datum"), (50, 60, "12.03.2026"), (20, 80, "02.03.2026 Konsultation"))
    assert extract_fields(lines, today=TODAY)["patient_birth_date"].value == date(1981, 4, 17)
    two = page((20, 10, "Praxis Exemple"), (110, 50, "Anna Muster, 17.04.1981"),
               (110, 55, "Hans Muster, 02.11.1979"))
    assert extract_fields(two, today=TODAY)["patient_birth_date"] is None  # whose?
    accident = page((20, 10, "Praxis Exemple"), (20, 60, "Unfall vom 12.05.2015"),
                    (110, 50, "Anna Muster, 17.04.1981"))
    assert extract_fields(accident, today=TODAY)["patient_birth_date"].value == date(1981, 4, 17)


def test_a_label_with_its_value_above_a_gln_is_not_a_section_heading():
    lines = page((20, 10, "Praxis Exemple"), (20, 55, "Patient"), (55, 55, "Anna Muster"),
                 (20, 60, "Versicherer:"), (55, 60, "KPT"),
                 (20, 65, "GLN"), (20, 69, "7601000000002"))
    gln = extract_fields(lines, today=TODAY)["provider_gln"]
    assert gln.value == "7601000000002" and gln.confidence > 0.9  # read next to its label


def test_specks_before_a_bare_label_do_not_hide_it():
    lines = page((20, 10, "Cabinet Exemple"), (110, 60, "À | Numéro R-725049"))
    assert extract_fields(lines, today=TODAY)["invoice_number"].value == "R-725049"
    lines = ocr_page((20, 10, "Cabinet Exemple"), (110, 60, "Numéro À"), (150, 60, "R-725049 |"))
    assert extract_fields(lines, today=TODAY)["invoice_number"].value == "R-725049"
    lines = page((20, 10, "Cabinet Exemple"), (110, 60, "Consultation Numéro R-725049"))
    assert extract_fields(lines, today=TODAY)["invoice_number"] is None  # a word, not a speck


def _read(*runs: tuple[float, float, str, float, float]) -> list:
    """OCR rows from (x mm, y mm, text, height mm, confidence 0..100), one row per run."""
    from claims.intake.ocr import Word

    lines = []
    for x, y, text, h, conf in runs:
        words, cx = [], x * 10
        for w in text.split():
            words.append(Word(w, conf, round(cx), round(y * 10), round(len(w) * 17 * h / 3),
                              round(h * 10)))
            cx += round(len(w) * 17 * h / 3) + 9
        lines.append(Line(text, conf / 100, tuple(words)))
    return lines


def test_the_letterhead_ends_at_the_first_wide_gap():
    # the window's first row, two printed rows merged by the OCR into one tall smudge
    lines = _read((16, 10, "Centre dentaire Exemple", 2.8, 96),
                  (16, 15, "Médecin-dentiste SSO", 2.0, 90),
                  (16, 18, "Rue de Lausanne 10 - 2000 Neuchâtel", 2.0, 94),
                  (16, 26, "Note d'honoraires", 3.0, 96),
                  (16, 36, "Dr, Anna Muster", 5.5, 70), (16, 41, "Chemin des Vignes 3", 2.0, 93))
    assert extract_fields(lines, today=TODAY)["provider_name"].value == "Centre dentaire Exemple"


def test_a_fax_line_a_street_and_a_split_hyphen_are_not_the_provider():
    lines = _read((6, 3, "02/07/2025 16:57 FAX +41 27 234 43 91 SEE APOTHEKE P.001/001", 2.0, 86),
                  (9, 12, "SEE -APOTHEKE", 4.8, 16), (9, 22, "Bahnhofstrasse 53", 3.9, 93),
                  (9, 29, "8001 Zürich", 3.9, 95), (9, 36, "Tel. 053 238 38 37", 3.9, 95))
    assert extract_fields(lines, today=TODAY)["provider_name"].value == "SEE-APOTHEKE"


def test_a_date_whose_dot_the_ocr_read_as_a_comma():
    from claims.intake.values import find_dates

    assert [d for d, _s, _e in find_dates("31.07,2025 17:59")] == [date(2025, 7, 31)]
    assert [d for d, _s, _e in find_dates("vom 22,05.2025")] == [date(2025, 5, 22)]
    assert find_dates("12.03/2026") == []  # a dot and a slash do not mix
    assert [d for d, _s, _e in find_dates("3, November 2025")] == [date(2025, 11, 3)]
    assert find_dates("1,30 8,47") == []
    # a position, a count or a duration is no date when the separators differ
    assert find_dates("Pos. 3.10, 25 min") == []
    assert find_dates("1.5, 12 Sitzungen") == []
    assert find_dates("4,5.25") == []  # mixed separators need a four-digit year
    receipt = ocr_page((9, 10, "Apotheke Exemple"), (9, 60, "31.07,2025 17:59"),
                       (9, 70, "Rezept vom 28.07.2025"))
    assert extract_fields(receipt, today=TODAY)["invoice_date"].value == date(2025, 7, 31)


def test_a_misread_date_in_a_period_is_not_a_place_and_date():
    lines = ocr_page((20, 10, "Zahnarztpraxis Exemple"),
                     (20, 55, "Behandlung vom 22,05.2025 bis 26.05.2025"))
    assert extract_fields(lines, today=TODAY)["invoice_date"] is None
    lines = ocr_page((20, 10, "Praxis Exemple"), (110, 55, "La Chaux-de-Fonds, le 12.03.2026"))
    assert extract_fields(lines, today=TODAY)["invoice_date"].value == date(2026, 3, 12)


def test_an_invoice_number_label_with_a_vowel_misread_keeps_its_value_below():
    lines = ocr_page((16, 10, "Labor Exemple AG"), (16, 37, "Herr"), (107, 33, "RECHNUNG"),
                     (16, 37, "Anna Muster"), (107, 39, "Rochnung Nr."),
                     (16, 41, "Seestrasse 77"), (107, 41.5, "F25/4932"))
    assert extract_fields(lines, today=TODAY)["invoice_number"].value == "F25/4932"
    lines = ocr_page((16, 10, "Laboratoire Exemple SA"), (107, 33, "FACTURE"),
                     (107, 37, "Focture n°"), (107, 40.5, "2025-03624"))
    assert extract_fields(lines, today=TODAY)["invoice_number"].value == "2025-03624"


def test_the_window_gives_back_the_umlaut_the_label_row_lost():
    window = [(93, 45, "Peter Müller"), (93, 49, "Hauptgasse 71"), (93, 53, "4051 Basel"),
              (16, 280, "MWST-Nr. CHE-113.260.268")]
    lines = page((16, 15, "Praxis Exemple"), *window, (16, 67, "Patientin: Peter Muller"))
    assert extract_fields(lines, today=TODAY)["patient_name"].value == "Peter Müller"
    other = page((16, 15, "Praxis Exemple"), *window, (16, 67, "Patientin: Petra Muller"))
    assert extract_fields(other, today=TODAY)["patient_name"].value == "Petra Muller"


def _mono(x: float, y: float, text: str, gaps: list[int]) -> Line:
    """A till receipt's row in a monospace font 5 mm high: a character and a space are as wide
    as the text is high; ``gaps``: the pixels between the words."""
    from claims.intake.ocr import Word

    words, cx = [], round(x * 10)
    for w, gap in zip(text.split(), [*gaps, 0], strict=True):
        words.append(Word(w, 94.0, cx, round(y * 10), len(w) * 50, 52))
        cx += len(w) * 50 + gap
    return Line(text, 0.94, tuple(words))


def test_a_till_receipts_wide_spaces_do_not_split_its_rows():
    lines = [_mono(16, 17, "PHARMACIE PERRET", [79]), _mono(16, 30, "Rue du Bourg 6", [63, 63, 62]),
             _mono(16, 77, "Quittance n° 147744435", [63, 74]),
             _mono(16, 100, "Ordonnance du 24.01.2026 Dr Luc Morel", [63, 63, 116, 68, 63])]
    f = extract_fields(lines, today=TODAY)
    assert (f["provider_name"].value, f["invoice_number"].value) == ("PHARMACIE PERRET",
                                                                     "147744435")
    boxes = boxes_from_lines(lines[3:])
    assert [b.text for b in boxes] == ["Ordonnance du 24.01.2026", "Dr Luc Morel"]


def test_the_person_a_fee_note_is_for_is_the_patient():
    for label in ("Pour", "Für", "Per"):
        lines = page((16, 10, "Cabinet dentaire Exemple"), (16, 36, "Pierre Morel"),
                     (16, 40, "Chemin des Vignes i"), (93, 36, "Numéro"), (120, 36, "F25/7988"),
                     (93, 43, label), (120, 43, "Pierre Morel"))
        assert extract_fields(lines, today=TODAY)["patient_name"].value == "Pierre Morel"
    letter = page((16, 10, "Physiothérapie Exemple"),
                  (16, 60, "Pour les séances de Claire Morel du 14.10.2025"))
    assert extract_fields(letter, today=TODAY)["patient_name"] is None


def test_a_name_read_twice_word_by_word_is_read_once():
    lines = page((16, 10, "Cabinet Exemple"), (16, 60, "Patient: Pierre Pierre Morel Morel"))
    assert extract_fields(lines, today=TODAY)["patient_name"].value == "Pierre Morel"
    # names that repeat a word are names
    for name in ("Martin Martin", "Anne Anne-Marie Muster"):
        lines = page((16, 10, "Cabinet Exemple"), (16, 60, f"Patient: {name}"))
        assert extract_fields(lines, today=TODAY)["patient_name"].value == name


def _grid(left: tuple[str, str], right: tuple[str, str], *, stacked: bool, ocr: bool):
    """One row of a form's two-column identification grid: each label with its value to its
    right, or under it (``stacked``)."""
    (ll, lv), (rl, rv) = left, right
    cells = ([(20, 70, ll), (20, 74, lv), (110, 70, rl), (110, 74, rv)] if stacked
             else [(20, 70, ll), (55, 70, lv), (110, 70, rl), (150, 70, rv)])
    return (ocr_page if ocr else page)((20, 10, "Dr méd. Anna Exemple"), *cells)


def test_a_shortened_birth_date_label_keeps_its_value_in_its_own_column():
    for label in ("Geb.-Datum", "Geb. Datum", "Geb.datum", "Geb.-Dat.", "Geburtsdatum",
                  "Date naiss.", "Né(e) le", "Data di nascita", "Nato/a il"):
        for stacked in (False, True):
            for ocr in (False, True):
                f = extract_fields(_grid(("Rechnungsdatum", "12.03.2026"), (label, "17.04.1981"),
                                         stacked=stacked, ocr=ocr), today=TODAY)
                assert f["patient_birth_date"].value == date(1981, 4, 17), (label, stacked)
                assert f["invoice_date"].value == date(2026, 3, 12), (label, stacked)


def test_the_insurers_gln_in_the_column_beside_does_not_name_the_billers():
    for label in ("GLN", "GLN-Nr.", "EAN-Nr.", "N° GLN", "GLN Rechnungssteller",
                  "GLN auteur de la facture", "Autore della fattura GLN", "GLN fournisseur"):
        for stacked in (False, True):
            for ocr in (False, True):
                lines = _grid(("GLN assureur", "7601003000016"), (label, "7601000000002"),
                              stacked=stacked, ocr=ocr)
                gln = extract_fields(lines, today=TODAY)["provider_gln"]
                assert gln.value == "7601000000002", (label, stacked, ocr)


def test_the_auteur_de_la_facture_is_the_biller():
    lines = page((20, 10, "Cabinet Exemple"),
                 (20, 60, "Fournisseur de prestations GLN"), (80, 60, "7601000000019"),
                 (20, 65, "Auteur de la facture GLN"), (80, 65, "7601000000002"))
    assert extract_fields(lines, today=TODAY)["provider_gln"].value == "7601000000002"


def test_more_ways_to_print_the_invoice_number_label():
    for label in ("Nr. Rechnung", "N° fact.", "Rechnungsnr.", "Fattura nr."):
        f = extract_fields(_grid((label, "2026-0042"), ("N° AVS", "756.1234.5678.97"),
                                 stacked=False, ocr=True), today=TODAY)
        assert f["invoice_number"].value == "2026-0042", label


def test_a_label_giving_the_date_and_the_number_together_gives_both():
    for label in ("Date/N° facture", "Rechnungsdatum/-nr.", "Datum/Nr. Rechnung",
                  "Data/N. fattura"):
        for stacked in (False, True):
            f = extract_fields(_grid((label, "12.03.2026/2026-0042"),
                                     ("Date de naissance", "17.04.1981"),
                                     stacked=stacked, ocr=True), today=TODAY)
            assert f["invoice_date"].value == date(2026, 3, 12), label
            assert f["invoice_number"].value == "2026-0042", label
            assert f["patient_birth_date"].value == date(1981, 4, 17), label
    table = page((20, 10, "Praxis Exemple"), (20, 100, "Datum / Nr."), (60, 100, "Tarif"),
                 (90, 100, "Code"), (120, 100, "Betrag"), (20, 105, "02.03.2026 / 12"))
    assert extract_fields(table, today=TODAY)["invoice_number"] is None  # a table's heading


def test_a_date_with_a_dot_read_as_a_colon():
    lines = ocr_page((20, 10, "Studio dentistico Esempio"), (110, 40, "Emessa il 15:12.2025"))
    assert extract_fields(lines, today=TODAY)["invoice_date"].value == date(2025, 12, 15)
    times = ocr_page((20, 10, "Studio dentistico Esempio"), (20, 40, "Termin 12:30:2025"))
    assert extract_fields(times, today=TODAY)["invoice_date"] is None


def test_labels_joined_by_a_slash_give_their_values_joined_the_same_way():
    for label, value in (("Date de naissance / Sexe", "17.04.1981 / F"),
                         ("Geburtsdatum/Geschlecht", "17.04.1981/M"),
                         ("Data di nascita / Sesso", "17.04.1981 / F")):
        for stacked in (False, True):
            f = extract_fields(_grid(("Rechnungsdatum", "12.03.2026"), (label, value),
                                     stacked=stacked, ocr=True), today=TODAY)
            assert f["patient_birth_date"].value == date(1981, 4, 17), (label, stacked)
            assert f["invoice_date"].value == date(2026, 3, 12), (label, stacked)
    for stacked in (False, True):
        f = extract_fields(_grid(("N° facture / Date", "F25/8551 / 12.03.2026"),
                                 ("Date de naissance", "17.04.1981"), stacked=stacked, ocr=True),
                           today=TODAY)
        assert f["invoice_number"].value == "F25/8551", stacked
        assert f["invoice_date"].value == date(2026, 3, 12), stacked
    sex_first = page((20, 10, "Praxis Exemple"), (110, 70, "Sexe / Date de naissance"),
                     (150, 70, "F / 17.04.1981"))
    assert extract_fields(sex_first, today=TODAY)["patient_birth_date"].value == date(1981, 4, 17)


def test_a_value_in_the_box_of_labels_joined_by_a_slash_is_still_read_there():
    for text in ("EAN/GLN 7601000000002", "GLN/EAN: 7601000000002"):
        lines = page((20, 10, "Praxis Exemple"), (20, 70, text))
        assert extract_fields(lines, today=TODAY)["provider_gln"].value == "7601000000002"


def test_a_bare_date_joined_to_another_number_is_not_the_invoice_date():
    lines = page((20, 10, "Praxis Exemple"), (20, 60, "Date/N° cas"), (55, 60, "02.02.2026/77"),
                 (20, 65, "Date facture"), (55, 65, "12.03.2026"))
    assert extract_fields(lines, today=TODAY)["invoice_date"].value == date(2026, 3, 12)


def test_the_birth_date_under_its_label_is_the_one_in_its_column():
    from claims.intake.extraction import _extract_birth_date

    # the rows as a line-based reading sees them: both labels on one row, both values under
    lines = ocr_page((20, 70, "Rechnungsdatum"), (110, 70, "Geburtsdatum"),
                     (20, 74, "12.03.2026"), (110, 74, "17.04.1981"))
    assert _extract_birth_date(lines, TODAY).value == date(1981, 4, 17)
    left = ocr_page((20, 70, "Geburtsdatum"), (110, 70, "Rechnungsdatum"),
                    (20, 74, "17.04.1981"), (110, 74, "12.03.2026"))
    assert _extract_birth_date(left, TODAY).value == date(1981, 4, 17)


def test_bands_naming_each_party_over_boxes_that_say_only_gln():
    for bands in (["Médecin prescripteur", "Auteur de la facture", "Assureur"],
                  ["Versicherer", "Verordnender Arzt", "Leistungserbringer", "Rechnungssteller"]):
        runs = [(20, 10, "Praxis Exemple")]
        glns = ["7601003000016", "7601003000023", "7601000000019", "7601000000002"][-len(bands):]
        if len(bands) == 3:
            glns = ["7601003000016", "7601000000002", "7601003000023"]
        for i, band in enumerate(bands):
            x = 20 + 170 / len(bands) * i
            runs += [(x, 60, band), (x, 64, "Nom"), (x, 67.5, f"Partie {i}"),
                     (x, 72, "GLN"), (x, 75.5, glns[i])]
        f = extract_fields(page(*runs), today=TODAY)
        assert f["provider_gln"].value == "7601000000002", bands


def test_the_party_a_gln_label_names_after_gln_is_its_own():
    # labels over values in ruled boxes, the biller's box beside the prescriber's, under a
    # row whose one-word label ("Versicherer") is no heading of theirs
    lines = page((20, 10, "Spitex Exemple"),
                 (20, 60, "AHV-Nr."), (20, 63.5, "756.1234.5678.97"),
                 (70, 60, "Versicherer"), (70, 63.5, "KPT"),
                 (20, 70, "GLN verordnender Arzt"), (20, 73.5, "7601003000016"),
                 (70, 70, "GLN Rechnungssteller"), (70, 73.5, "7601000000002"),
                 (120, 70, "GLN Leistungserbringer"), (120, 73.5, "7601000000019"))
    assert extract_fields(lines, today=TODAY)["provider_gln"].value == "7601000000002"


def test_a_gln_under_another_partys_label_is_not_taken_when_the_billers_label_is_unread():
    lines = page((20, 10, "Cabinet Exemple"),
                 (20, 60, "GLN assureur"), (20, 63.5, "7601003000023"),
                 (70, 60, "N° AVS"), (70, 63.5, "756.1234.5678.97"),
                 (20, 70, "GLEN tacturant"), (20, 73.5, "7601000000002"),
                 (70, 70, "GI N médecin prescripteur"), (70, 73.5, "7601003000016"))
    assert extract_fields(lines, today=TODAY)["provider_gln"].value == "7601000000002"


@pytest.mark.parametrize("label", [
    "À payer", "Total dû", "Solde dû", "Montant à verser", "Montant à rembourser",
    "Zu zahlen", "Total zu bezahlen", "Zahlbetrag", "Zahlungsbetrag", "Zu überweisen",
    "Rückerstattungsbetrag", "Da pagare", "Importo a pagare", "Totale a pagare",
    "Importo da versare", "Importo da rimborsare", "Netto da pagare",
])
def test_the_amount_to_pay_named_in_the_words_of_its_language(label):
    # the total, then what is left to pay (a deposit paid earlier, printed elsewhere)
    lines = ocr_page((20, 10, "Praxis Exemple"), (96, 140, "Total CHF"), (150, 140, "312.45"),
                     (96, 144.4, label + " CHF"), (150, 144.4, "299.95"))
    assert extract_fields(lines, today=TODAY)["amount"].value == Decimal("299.95")


@pytest.mark.parametrize("due_label", ["Reste après acompte", "Offen nach Anzahlung",
                                       "Residuo dopo acconto"])
def test_the_row_left_after_the_deposit_is_the_amount_due_not_a_second_deposit(due_label):
    lines = ocr_page((20, 10, "Praxis Exemple"), (96, 140, "Total CHF"), (150, 140, "312.45"),
                     (96, 144.4, "Acompte"), (150, 144.4, "-100.00"),
                     (96, 148.8, due_label), (150, 148.8, "212.45"))
    assert extract_fields(lines, today=TODAY)["amount"].value == Decimal("212.45")


def test_a_deposit_printed_without_its_minus_is_taken_off_the_total():
    lines = ocr_page((20, 10, "Praxis Exemple"), (96, 140, "Total CHF"), (150, 140, "312.45"),
                     (96, 144.4, "Anzahlung"), (150, 144.4, "100.00"),
                     (96, 148.8, "Endtotal CHF"), (150, 148.8, "212.45"))
    assert extract_fields(lines, today=TODAY)["amount"].value == Decimal("212.45")
