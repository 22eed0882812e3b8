"""Label -> value pairing by geometry: the two-column grid, stacked labels, fax headers."""

from datetime import date
from decimal import Decimal

import pytest

from claims.intake.extraction import extract_fields
from claims.intake.layout import boxes_from_lines
from claims.intake.ocr import Line, Word, lines_from_runs, merge_rows

TODAY = date(2026, 3, 20)


def page(*runs: tuple[float, float, str]) -> list[Line]:
    """Lines from (x mm, y mm, text) runs, 3 mm high, one word box per run like the text layer."""
    return lines_from_runs([(t, x * 10, y * 10, len(t) * 17.0, 30.0) for x, y, t in runs])


def ocr_page(*runs: tuple[float, float, str]) -> list[Line]:
    """The same, one box per word (as Tesseract gives them), rows merged."""
    lines = []
    for x, y, text in runs:
        words, cx = [], x * 10
        for w in text.split():
            words.append(Word(w, 91.0, round(cx), round(y * 10), len(w) * 17, 30))
            cx += len(w) * 17 + 9
        lines.append(Line(text, 0.91, tuple(words)))
    return merge_rows(lines)


GRID = [
    (20, 10, "Dr méd. Anna Exemple"),
    (20, 70, "N° de facture"), (55, 70, "2026-0042"),
    (110, 70, "Patient"), (142, 70, "Anna Muster"),
    # one printed row: the invoice date on the left, the birth date on the right
    (20, 74.4, "Date facture"), (55, 74.4, "12.03.2026"),
    (110, 74.4, "Date de naissance"), (142, 74.4, "17.04.1981"),
    (20, 78.8, "GLN fournisseur"), (55, 78.8, "7601000000002"),
    (110, 78.8, "GLN assureur"), (142, 78.8, "7601003000016"),
    (20, 83.2, "Période"), (55, 83.2, "du 02.03.2026 au 10.03.2026"),
    (20, 100, "Date"), (40, 100, "Tarif"), (60, 100, "Code"), (80, 100, "Prestation"),
    (20, 105, "02.03.2026"), (40, 105, "007"), (60, 105, "AA.00.0010"), (80, 105, "Consultation"),
    (110, 120, "Total CHF"), (190, 120, "250.00"),
    (110, 125, "Acompte"), (190, 125, "-50.00"),
    (110, 130, "Montant dû CHF"), (190, 130, "200.00"),
]


def test_the_grid_row_with_a_birth_date_still_gives_the_invoice_date():
    for lines in (page(*GRID), ocr_page(*GRID)):
        f = extract_fields(lines, today=TODAY)
        assert f["invoice_date"].value == date(2026, 3, 12)
        assert f["patient_birth_date"].value == date(1981, 4, 17)
        assert f["invoice_number"].value == "2026-0042"
        assert f["patient_name"].value == "Anna Muster"
        assert f["provider_gln"].value == "7601000000002"  # not the insurer's, beside it
        assert f["amount"].value == Decimal("200.00")  # the amount due, not the total


def test_words_split_into_boxes_at_column_gaps_only():
    boxes = boxes_from_lines(ocr_page((20, 74.4, "Date facture"), (55, 74.4, "12.03.2026"),
                                      (110, 74.4, "Date de naissance")))
    assert [b.text for b in boxes] == ["Date facture", "12.03.2026", "Date de naissance"]


def test_a_label_stacked_above_its_value_in_a_box():
    lines = page(
        (20, 10, "Laboratoire Exemple SA"),
        (131, 50, "Facture n°"), (131, 53.6, "R-833309"),
        (131, 59, "Date"), (131, 62.6, "12.03.2026"),
        (131, 68, "N° de cas"), (131, 71.6, "85-997421"),
        (20, 86, "Patient: Luc Dupont   Né(e) le: 10.07.1971"),
        (20, 90, "Séjour du 04.03.2026 au 09.03.2026"),
    )
    f = extract_fields(lines, today=TODAY)
    assert f["invoice_number"].value == "R-833309"
    assert f["invoice_date"].value == date(2026, 3, 12)
    assert f["patient_name"].value == "Luc Dupont"
    assert f["patient_birth_date"].value == date(1971, 7, 10)


def test_a_table_heading_date_is_not_the_invoice_date():
    lines = page(
        (20, 10, "Physio Exemple"),
        (20, 100, "Date"), (40, 100, "Tarif"), (60, 100, "Code"), (80, 100, "Prestation"),
        (20, 105, "02.03.2026"), (40, 105, "312"), (60, 105, "7301"), (80, 105, "Séance"),
        (115, 74, "Lausanne, le 14 mars 2026"),
    )
    assert extract_fields(lines, today=TODAY)["invoice_date"].value == date(2026, 3, 14)


def test_the_fax_header_date_is_never_the_invoice_date():
    lines = page(
        (5, 1, "18/03/2026 14:32   FAX +41 21 555 12 34   CABINET EXEMPLE   P.001/001"),
        (20, 10, "Cabinet Exemple"),
        (20, 40, "Séance du 02.03.2026"),
        (20, 60, "Zürich, 9. März 2026"),
    )
    assert extract_fields(lines, today=TODAY)["invoice_date"].value == date(2026, 3, 9)


def test_a_till_receipt_reads_its_number_date_and_total_not_the_gtin():
    lines = page(
        (5, 10, "PHARMACIE DU LAC"),
        (5, 14, "Beleg Nr. 551295168"),
        (5, 18, "31.10.2025 12:19"),
        (5, 22, "Pantoprazol Mepha 40 mg"), (75, 22, "62.50"),
        (5, 26, "7680415040834  1 x 62.50"),
        (5, 30, "Total CHF"), (75, 30, "62.50"),
        (5, 34, "davon MWST 2.6 %"), (75, 34, "1.58"),
    )
    f = extract_fields(lines, today=TODAY)
    assert f["invoice_number"].value == "551295168"
    assert f["invoice_date"].value == date(2025, 10, 31)
    assert f["amount"].value == Decimal("62.50")
    assert f["provider_gln"] is None  # a medicine GTIN is not the provider's GLN


def sized(*runs: tuple[float, float, str, float]) -> list[Line]:
    """Like ``page`` with a font height (mm) per run: a letterhead's name is printed bigger."""
    return lines_from_runs([(t, x * 10, y * 10, len(t) * 17.0 * h / 3, h * 10)
                            for x, y, t, h in runs])


def centre_letterhead(name: str, title: str, phone: str = "044 555 12 34"
                      ) -> list[tuple[float, float, str, float]]:
    """The letterhead of a billing centre printing for a provider: its name, the title, and a
    contact line with the centre's own GLN."""
    return [(31, 17, name, 4.2), (170, 17, title, 5.0),
            (31, 25.5, f"Tel. {phone} · GLN 7601000000002", 2.8)]


def test_the_provider_is_the_biggest_name_of_the_letterhead_not_the_title_or_window():
    lines = sized(
        (20, 14, "Cabinet médical Exemple", 4.2), (120, 14, "Facture", 5.0),
        (20, 19, "Médecine générale FMH", 3.0), (20, 23, "Rue du Bourg 3", 3.0),
        (20, 27, "1003 Lausanne", 3.0), (20, 31, "Tél. 021 555 12 34", 3.0),
        (120, 44, "Madame", 3.5), (120, 49, "Anna Muster", 3.5),
    )
    assert extract_fields(lines, today=TODAY)["provider_name"].value == "Cabinet médical Exemple"


@pytest.mark.parametrize("title", [
    "Giustificativo di rimborso", "Justificatif de remboursement", "Rückforderungsbeleg",
    "Honorarnote", "Note d'honoraires", "Duplicata", "Mahnung", "Sollecito",
])
def test_a_title_printed_bigger_than_the_practitioners_name_is_not_the_provider(title):
    lines = sized((20, 14, "Marco Bernasconi", 3.6), (100, 14, title, 6.0),
                  (20, 19, "Via Cantonale 3", 3.0), (20, 23, "6900 Lugano", 3.0),
                  (120, 44, "Signora", 3.5), (120, 49, "Anna Muster", 3.5))
    assert extract_fields(lines, today=TODAY)["provider_name"].value == "Marco Bernasconi"


@pytest.mark.parametrize("profession", ["Fisioterapista diplomato", "Physiothérapeute diplômée",
                                        "Dipl. Ergotherapeutin", "Naturheilpraktikerin"])
def test_the_practitioners_profession_under_the_name_is_not_the_provider(profession):
    lines = sized((20, 14, "Marco Bernasconi", 3.8), (20, 19, profession, 3.8),
                  (20, 23, "Via Nassa 5, 6900 Lugano", 3.0),
                  (120, 44, "Signora", 3.5), (120, 49, "Anna Muster", 3.5))
    assert extract_fields(lines, today=TODAY)["provider_name"].value == "Marco Bernasconi"


def test_a_logo_beside_the_name_does_not_hide_it():
    lines = sized((20, 14, "|||", 4.5), (36, 14, "Regionalspital Exemple", 4.2),
                  (36, 19, "Medizinische Klinik", 3.0), (20, 44, "Herr", 3.5),
                  (20, 49, "Hans Muster", 3.5))
    assert extract_fields(lines, today=TODAY)["provider_name"].value == "Regionalspital Exemple"


def test_a_receipt_number_after_its_mark_is_read_whole():
    lines = page((5, 10, "PHARMACIE EXEMPLE"), (5, 14, "Quittance n° R-507733"))
    assert extract_fields(lines, today=TODAY)["invoice_number"].value == "R-507733"


def test_without_a_label_the_patient_is_the_addressee_in_the_window_not_the_biller():
    lines = page(
        (20, 14, "Physiothérapie Exemple"), (20, 19, "Rue du Lac 5"), (20, 23, "1003 Lausanne"),
        (120, 50, "Anna Muster"), (120, 55, "Chemin des Vignes 12"), (120, 60, "1950 Sion"),
        (20, 90, "Séance du 02.03.2026"), (150, 90, "96.00"),
        (20, 285, "Merci de votre confiance"),  # the foot of the page
    )
    assert extract_fields(lines, today=TODAY)["patient_name"].value == "Anna Muster"


def test_a_number_read_twice_over_itself_by_two_lines_is_read_once_whole():
    # a skewed row: Tesseract gives the start of the number in one line, the rest (with part
    # of the start again) in another, the two boxes over each other
    lines = merge_rows([
        Line("Facture no 025-84499", 0.9, (
            Word("Facture", 96.0, 1053, 432, 81, 18), Word("no", 96.0, 1143, 436, 25, 14),
            Word("025-84499", 88.0, 1334, 431, 126, 19))),
        Line(": 2025-", 0.8, (Word(":", 72.0, 346, 446, 3, 3),
                              Word("2025-", 88.0, 1321, 431, 64, 18))),
        Line("Date 13.11.2025", 0.95, (Word("Date", 95.0, 1053, 470, 49, 18),
                                       Word("13.11.2025", 92.0, 1334, 470, 120, 18))),
    ])
    assert [w.text for w in lines[0].words if w.left > 1300] == ["2025-84499"]
    assert extract_fields(lines, today=TODAY)["invoice_number"].value == "2025-84499"


def test_words_of_two_lines_side_by_side_are_not_joined():
    lines = merge_rows([
        Line("Rechnung 2025-", 0.9, (Word("Rechnung", 96.0, 100, 400, 90, 18),
                                     Word("2025-", 96.0, 200, 400, 60, 18))),
        Line("025-84499", 0.9, (Word("025-84499", 96.0, 300, 400, 110, 18),)),
    ])
    assert [w.text for w in lines[0].words] == ["Rechnung", "2025-", "025-84499"]


def test_the_patient_name_ends_where_a_misread_birth_date_label_begins():
    # "Nata il:" printed close after the name, its slash read as a letter ("Natoja")
    lines = ocr_page((20, 70, "Nome paziente: Chiara Colombo Natoja il: 19.02.1962"),
                     (20, 75, "Fattura n. 2026-0042"))
    fields = extract_fields(lines, today=TODAY)
    assert fields["patient_name"].value == "Chiara Colombo"
    assert fields["patient_birth_date"].value == date(1962, 2, 19)


def test_a_billing_centres_letterhead_is_not_the_provider_its_labelled_block_is():
    lines = sized(
        (31, 17, "Abrechnungsstelle Exemple AG", 4.2), (170, 17, "Rechnung", 5.0),
        (31, 21.5, "Industriestrasse 3, 8304 Wallisellen", 2.8),
        (31, 25.5, "Tel. 044 555 12 34 · GLN 7601000000002", 2.8),
        (20, 40, "Leistungserbringer", 2.8), (118, 40, "Frau", 3.5),
        (20, 45, "Ambulatorium Exemple", 3.3), (118, 45, "Anna Muster", 3.5),
        (20, 49, "Bahnhofstrasse 5, 3011 Bern", 3.0),
        (20, 53, "GLN 7601003000016   ZSR-Nr. A123456", 3.0),
    )
    assert extract_fields(lines, today=TODAY)["provider_name"].value == "Ambulatorium Exemple"


def test_the_provider_label_gives_the_name_beside_it():
    lines = sized(
        (31, 17, "Centre de facturation Exemple SA", 4.2), (170, 17, "Facture", 5.0),
        (20, 64, "Fournisseur de prestations:", 3.0), (80, 64, "Psychothérapie Exemple", 3.0),
        (20, 68.5, "GLN Fournisseur de prestations:", 3.0), (80, 68.5, "7601003000016", 3.0),
    )
    assert extract_fields(lines, today=TODAY)["provider_name"].value == "Psychothérapie Exemple"


def test_a_provider_band_beside_the_billers_names_the_staff_not_the_biller():
    # the biller's letterhead is the name asked for; its practitioner's band is not
    lines = sized(
        (20, 17, "Spitex Exemple", 4.2), (170, 17, "Rechnung", 5.0),
        (20, 64, "Rechnungssteller", 3.0), (80, 64, "Leistungserbringer", 3.0),
        (20, 69, "Spitex Exemple", 3.0), (80, 69, "Anna Pflegerin", 3.0),
    )
    assert extract_fields(lines, today=TODAY)["provider_name"].value == "Spitex Exemple"


def test_the_providers_gln_under_its_heading_wins_over_the_centres_in_its_letterhead():
    lines = sized(
        *centre_letterhead("Rechnungszentrum Exemple AG", "Rechnung"),
        (20, 64, "Leistungserbringer", 3.0),
        (20, 69, "Ambulatorium Exemple", 3.0),
        (20, 73, "Seestrasse 37, 8001 Zürich", 3.0),
        (20, 77, "GLN 7601003000016   ZSR-Nr. A123456", 3.0),
    )
    assert extract_fields(lines, today=TODAY)["provider_gln"].value == "7601003000016"


def test_a_providers_heading_beside_the_windows_salutation_is_still_its_heading():
    lines = sized(
        *centre_letterhead("Rechnungszentrum Exemple AG", "Rechnung"),
        (20, 40, "Leistungserbringer", 3.0), (118, 40, "Frau", 3.5),
        (20, 45, "Ambulatorium Exemple", 3.0), (118, 45, "Anna Muster", 3.5),
        (20, 49, "Seestrasse 37, 8001 Zürich", 3.0), (118, 50, "Kirchweg 4", 3.5),
        (20, 53, "GLN 7601003000016   ZSR-Nr. A123456", 3.0), (118, 55, "6003 Luzern", 3.5),
    )
    assert extract_fields(lines, today=TODAY)["provider_gln"].value == "7601003000016"



def test_a_stacked_invoice_number_label_the_ocr_misread_is_still_its_label():
    # "Facture n°" read "Eactüre n°" over its value, in a hospital's box of stacked labels
    lines = ocr_page(
        (20, 10, "Hôpital régional de Exemple"), (155, 30, "FACTURE"),
        (155, 33, "Eactüre n°"), (155, 36.5, "F26/5346"),
        (155, 40, "N° de cas"), (155, 43.5, "10-929686"),
        (155, 47, "Date de facture"), (155, 50.5, "04.03.2026"),
    )
    assert extract_fields(lines, today=TODAY)["invoice_number"].value == "F26/5346"


def test_a_grids_invoice_number_label_whose_degree_sign_was_read_as_an_e():
    lines = ocr_page(
        (20, 10, "Laboratoire Exemple"),
        (18, 52, "Ne facture"), (50, 52, "Date facture"), (90, 52, "Nom du patient"),
        (18, 56, "2025/39548"), (50, 56, "11 novembre 2025"), (90, 56, "Anna Muster"),
    )
    assert extract_fields(lines, today=TODAY)["invoice_number"].value == "2025/39548"


def test_the_providers_gln_label_may_name_the_service_after_the_party():
    lines = sized(
        *centre_letterhead("Service de facturation Exemple SA", "Facture", "021 555 12 34"),
        (20, 64, "Fournisseur de prestation:", 3.0), (80, 64, "Cabinet Exemple", 3.0),
        (20, 68.5, "GLN Fournisseur de prestation:", 3.0), (80, 68.5, "7601003000016", 3.0),
    )
    assert extract_fields(lines, today=TODAY)["provider_gln"].value == "7601003000016"


def test_a_misread_gln_under_a_providers_heading_of_several_words_is_the_providers():
    # the heading shares its row with the window's salutation and a speck at the page's edge;
    # the provider's "GLN" is read "GI.N"
    lines = sized(
        *centre_letterhead("Cassa dei medici Exemple", "Fattura", "091 555 12 34"),
        (1, 40, "/", 3.0), (20, 40, "Fornitore della prestazione", 3.0),
        (118, 40, "Signor", 3.5),
        (20, 45, "Ambulatorio Exemple", 3.0), (118, 45, "Paolo Rossi", 3.5),
        (20, 49, "Via Cantonale 17, 6600 Locarno", 3.0), (118, 50, "Corso Elvezia 34", 3.5),
        (20, 53, "GI.N 7601003000016   N.RCC V444510", 3.0),
    )
    assert extract_fields(lines, today=TODAY)["provider_gln"].value == "7601003000016"


def test_a_receipts_number_label_with_a_letter_misread():
    lines = page(
        (5, 10, "APOTHEKE AM SEE"),
        (5, 14, "Beles Nr. 441521498"),
        (5, 18, "15.07.2025 10:02"),
        (5, 30, "Total CHF"), (75, 30, "62.50"),
    )
    assert extract_fields(lines, today=TODAY)["invoice_number"].value == "441521498"


def test_specks_on_a_labels_row_do_not_make_it_a_tables_head():
    # two dots a fax left on the row of "Numéro" are no columns
    lines = ocr_page(
        (18, 10, "Centre dentaire Exemple"), (18, 27, "Note d'honoraires"),
        (26, 41, "."), (37, 41, "."), (95, 40, "Numéro"), (122, 40, "R-516165"),
    )
    assert extract_fields(lines, today=TODAY)["invoice_number"].value == "R-516165"


def test_what_the_ocr_kept_of_a_stacked_number_label_names_the_number_under_it():
    # "N° facture" in 7 pt read as a lone "N" over its value; the case number keeps its label
    lines = ocr_page(
        (24, 48, "Monsieur"), (155, 48, "FACTURE"),
        (24, 55, "Claire Perret"), (155, 55, "N"),
        (24, 61, "Avenue de la Gare 66"), (155, 61, "425993006"),
        (24, 67, "1700 Fribourg"), (155, 67, "N° de cas"),
        (155, 71, "61-489766"),
    )
    assert extract_fields(lines, today=TODAY)["invoice_number"].value == "425993006"


def test_the_balance_in_our_favour_is_the_amount_whatever_the_word_before_was_read_as():
    lines = ocr_page(
        (18, 88, "Valeur du point 1.00"), (110, 88, "Total des prestations"), (180, 88, "456.14"),
        (110, 91, "Acompte reçu"), (180, 91, "-50.00"),
        (110, 95, "Solide en notre faveur CHF"), (180, 95, "406.14"),
    )
    assert extract_fields(lines, today=TODAY)["amount"].value == Decimal("406.14")


def test_the_patients_name_ends_where_a_misread_birth_date_label_starts():
    lines = ocr_page(
        (19, 68, "Patientin: Anna Keller Geburtscatum: 24.06.1976"),
    )
    assert extract_fields(lines, today=TODAY)["patient_name"].value == "Anna Keller"


WINDOW_OF_A_PARENT = [(120, 44, "Madame"), (120, 49, "Claire Muster"),
                      (120, 54, "Rue du Lac 3"), (120, 59, "1003 Lausanne")]


def test_a_childs_name_in_the_forms_family_and_first_name_rows_not_the_parent_in_the_window():
    lines = ocr_page(
        (20, 10, "Physio Exemple"), *WINDOW_OF_A_PARENT,
        (110, 70, "Nom"), (140, 70, "Muster"), (110, 74.4, "Prénom"), (140, 74.4, "Anna"),
        (110, 78.8, "Date de naissance"), (150, 78.8, "17.04.2015"),
    )
    assert extract_fields(lines, today=TODAY)["patient_name"].value == "Anna Muster"


def test_a_name_labelled_family_name_first_is_read_first_name_first():
    lines = ocr_page(
        (20, 10, "Physio Exemple"), *WINDOW_OF_A_PARENT,
        (110, 70, "Name, Vorname"), (150, 70, "Muster Anna"),
    )
    assert extract_fields(lines, today=TODAY)["patient_name"].value == "Anna Muster"


def test_a_patient_label_spelled_for_both_is_a_patient_label():
    for label in ("Patient(in)", "Patient(e)", "Nom du/de la patient(e)", "Versicherte Person"):
        lines = ocr_page((20, 10, "Physio Exemple"), *WINDOW_OF_A_PARENT,
                         (110, 70, label), (160, 70, "Anna Muster"))
        assert extract_fields(lines, today=TODAY)["patient_name"].value == "Anna Muster", label


def test_a_name_row_with_no_first_name_row_beside_it_names_no_patient():
    # the provider's "Name" in its own block: the patient stays the window's addressee
    lines = ocr_page(
        (20, 10, "Physio Exemple"), (120, 44, "Madame"), (120, 49, "Anna Muster"),
        (20, 70, "Name"), (50, 70, "Praxis Exemple"), (20, 90, "Vorname"), (50, 90, "Hans"),
    )
    assert extract_fields(lines, today=TODAY)["patient_name"].value == "Anna Muster"


def test_a_label_of_number_and_date_whose_second_part_opens_with_its_hyphen():
    lines = ocr_page(
        (20, 10, "Physio Exemple"),
        (20, 70, "Rechnungs-Nr./-Datum"), (60, 70, "2026-0042 / 12.03.2026"),
        (110, 70, "Fall-Nr./-Datum"), (150, 70, "F-123 / 01.02.2026"),
    )
    f = extract_fields(lines, today=TODAY)
    assert f["invoice_number"].value == "2026-0042"
    assert f["invoice_date"].value == date(2026, 3, 12)


def test_a_speck_read_as_a_full_stop_after_the_patients_first_name_is_dropped():
    for printed, read in (("Patient: Markus. Frei", "Markus Frei"),
                          ("Patient: A. Muster", "A. Muster")):
        f = extract_fields(ocr_page((20, 10, "Apotheke Exemple"), (20, 40, printed)),
                           today=TODAY)
        assert f["patient_name"].value == read


def test_the_number_of_a_tiers_garant_copy_and_the_italian_word_order():
    for label in ("Justificatif n°", "N° du justificatif", "Giustificativo n.", "Fattura numero"):
        lines = ocr_page((20, 10, "Physio Exemple"), (20, 70, label), (70, 70, "2026/04812"),
                         (110, 70, "Date de naissance"), (150, 70, "17.04.1981"))
        assert extract_fields(lines, today=TODAY)["invoice_number"].value == "2026/04812", label


def test_more_ways_to_label_the_invoice_number():
    for label in ("Numéro de la facture", "Facture numéro", "Rg. Nr."):
        lines = ocr_page((20, 10, "Physio Exemple"), (20, 70, label), (70, 70, "2026-0042"))
        assert extract_fields(lines, today=TODAY)["invoice_number"].value == "2026-0042", label


def test_an_invoice_number_printed_in_groups_is_read_whole_not_a_date_beside_it():
    for printed, read in (("RE 2026-0042", "RE 2026-0042"), ("2026 04812", "2026 04812"),
                          ("2026-0042 12.03.2026", "2026-0042")):
        lines = ocr_page((20, 10, "Physio Exemple"), (20, 70, "N° de facture"), (70, 70, printed))
        assert extract_fields(lines, today=TODAY)["invoice_number"].value == read, printed


@pytest.mark.parametrize("label", ["Beleg-Nr.", "Belegnummer", "Dokument-Nr.", "Rechnungs-ID",
                                   "ID facture", "Rif. fattura", "N. giustificativo"])
def test_a_weaker_number_label_in_a_row_of_the_grid_keeps_the_value_beside_it(label):
    # four short boxes in a row would make a table's heading, but a heading has no value
    lines = ocr_page((20, 10, "Praxis Exemple"), (20, 60, label), (60, 60, "2026-04812"),
                     (110, 60, "Patient"), (140, 60, "Anna Muster"))
    assert extract_fields(lines, today=TODAY)["invoice_number"].value == "2026-04812"


def test_a_tables_heading_still_gives_no_value_from_the_row_under_it():
    lines = ocr_page((20, 10, "Praxis Exemple"),
                     (20, 80, "Numéro"), (45, 80, "Date"), (70, 80, "Tarif"), (95, 80, "Code"),
                     (20, 84.4, "4711"), (45, 84.4, "02.03.2026"), (70, 84.4, "007"),
                     (95, 84.4, "AA.00.0010"))
    fields = extract_fields(lines, today=TODAY)
    assert fields["invoice_number"] is None


def test_a_tables_footer_gives_its_last_figure_not_the_one_beside_its_label():
    # "Total | tax points | point value | amount": figures only after the first, no grid row
    lines = ocr_page((20, 10, "Praxis Exemple"), (20, 140, "Total"), (60, 140, "215.50"),
                     (100, 140, "0.89"), (140, 140, "191.80"))
    assert extract_fields(lines, today=TODAY)["amount"].value == Decimal("191.80")


@pytest.mark.parametrize("label", ["Facturé le", "Belegdatum", "Dokumentdatum", "Fatturato il",
                                   "Date du justificatif", "Data del giustificativo"])
def test_the_invoice_date_named_as_the_documents_own_beside_the_birth_date(label):
    lines = ocr_page((20, 10, "Praxis Exemple"), (20, 60, label), (60, 60, "12.03.2026"),
                     (110, 60, "Date de naissance"), (150, 60, "17.04.1981"))
    day = extract_fields(lines, today=TODAY)["invoice_date"]
    assert day.value == date(2026, 3, 12) and day.confidence >= 0.8  # read by its label


def test_the_patients_name_rows_in_the_grid_beside_the_invoices_rows():
    # each printed row holds four short boxes: the left column's label and value, the right's
    lines = ocr_page((20, 10, "Praxis Exemple"), (120, 30, "Herr"), (120, 34.4, "Ursula Meier"),
                     (20, 60, "Datum"), (50, 60, "12.03.2026"), (110, 60, "Name"),
                     (140, 60, "Meier"), (20, 64.4, "Gesetz"), (50, 64.4, "KVG"),
                     (110, 64.4, "Vorname"), (140, 64.4, "Claudia"))
    assert extract_fields(lines, today=TODAY)["patient_name"].value == "Claudia Meier"
