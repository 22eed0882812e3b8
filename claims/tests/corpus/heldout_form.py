"""The held-out layout family of the corpus: the patient's refund copy (``refund_form``).

A tiers garant provider gives the patient the invoice to pay and a copy to send to the
insurer: "Rückforderungsbeleg", "Justificatif de remboursement", "Giustificativo di rimborso".
Written blind, from the domain note on Swiss medical invoices only, without reading the
extractor or its tests; nothing there may be written against it (no words, no coordinates).
``bench.intake_accuracy`` scores it apart and never lists its misses.

Three kinds of providers the other families do not draw:

- ``physio``: a physiotherapist's series of sessions (tariff 312, positions 7301...,
  "session 3/9"), on a doctor's prescription;
- ``emr``: a complementary therapist (tariff 590, per 5 minutes, supplementary insurance);
- ``migel``: an optician or a medical-aid supplier (MiGeL positions ``25.01.01.00.1``,
  VAT included, a deposit paid at the order).

What it prints: the letterhead with the title and "Tiers garant" on the right; the address
window (left or right, sometimes addressed to the family of a child); an identification grid of
boxes with the labels ABOVE the values, the provider's half on the left and the patient's half
on the right, the invoice date's box beside the birth date's; GLNs of the provider, the
prescriber and the insurer, ZSR, AHV, card, insured, case and EMR numbers, the prescription and
accident dates; a table of dated sessions; Total, a deposit with its own date and/or a rounding
to 0.05, the amount to pay; the QR-bill or a bank box or a sentence with the IBAN; a note
asking to send the copy to the insurer; on two pages a carry-over line.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics

if TYPE_CHECKING:
    from .generate import Invoice

WORDS: dict[str, dict[str, Any]] = {
    "de": dict(
        title="Rückforderungsbeleg",
        subtitle=["Kopie für den Patienten", "Patientenkopie zur Rückforderung"],
        mode="Tiers garant (TG)",
        page="Seite",
        inv_no=["Rechnungs-Nr.", "Rechnungsnummer", "Beleg-Nr."],
        inv_date=["Rechnungsdatum", "Datum der Rechnung", "Rechnungs-Datum"],
        gln=["GLN Leistungserbringer", "GLN-Nr. Rechnungssteller"],
        zsr="ZSR-Nr.",
        gln_rx="GLN verordnender Arzt",
        rx="Verordnung vom",
        emr="EMR-Nr.",
        method="Methode",
        law="Gesetz",
        laws={"physio": "KVG", "emr": "VVG", "migel": "KVG"},
        reason="Behandlungsgrund",
        illness="Krankheit",
        accident="Unfall",
        acc_date="Unfalldatum",
        case="Schaden-Nr.",
        period="Behandlungszeitraum",
        delivery="Abgabedatum",
        patient=["Patient/in", "Versicherte Person", "Patient"],
        birth=["Geburtsdatum", "Geb.-Datum"],
        sex="Geschlecht",
        sexes=("W", "M"),
        ahv="AHV-Nr.",
        insurer="Versicherer",
        insured_no="Versicherten-Nr.",
        card="Versichertenkarte Nr.",
        gln_ins="GLN Versicherer",
        head=["Datum", "Tarif", "Ziffer", "Leistung", "Anz.", "TP", "TPW", "Betrag"],
        total="Total Leistungen",
        vat="inkl. MWST 8.1 %",
        deposit="Anzahlung vom {d}",
        rounding="Rundung",
        due=["Zu bezahlen", "Offener Betrag", "Zahlbarer Betrag"],
        carry="Übertrag",
        qr_hint="Zahlbar innert 30 Tagen mit dem QR-Zahlteil.",
        bank_box="Bankverbindung",
        pay_box="Zahlbar innert 30 Tagen an {name}, {bank}",
        pay_text="Bitte überweisen Sie {cur} {amt} innert 30 Tagen auf unser Konto "
                 "IBAN {iban} bei der {bank}, zugunsten {name}.",
        ref="Zahlungsreferenz",
        forward="Bitte bezahlen Sie den Betrag direkt an uns und senden Sie diesen Beleg "
                "Ihrer Krankenversicherung zur Rückerstattung.",
        vat_no="MWST-Nr.",
        vat_free="Von der MWST ausgenommene Leistungen",
        window=["Frau", "Herr"],
        family_window="Familie",
        city_date="{city}, {date}",
        banks=["Berner Kantonalbank", "Raiffeisenbank {c}", "PostFinance AG",
               "Zürcher Kantonalbank"],
        physio_name=["Physiotherapie {l}", "Physio {c} AG", "Physiotherapie {f} {l}"],
        physio_spec=["dipl. Physiotherapeutin FH", "Physiotherapie · Manuelle Therapie",
                     "Sportphysiotherapie und Rehabilitation"],
        emr_name=["Naturheilpraxis {l}", "Praxis für Komplementärtherapie {f} {l}",
                  "Therapiezentrum {c}"],
        emr_spec=["Komplementärtherapeutin mit eidg. Diplom, EMR-anerkannt",
                  "Naturheilpraktiker TEN, EMR/ASCA"],
        optic_name=["Optik {l} AG", "{c} Optik", "Brillen {f} {l}"],
        optic_spec=["Augenoptik · Kontaktlinsen", "Eidg. dipl. Augenoptiker"],
        aids_name=["Sanitätshaus {l}", "Orthopädie {l} GmbH"],
        aids_spec=["Hilfsmittel · Bandagen · Orthesen", "Orthopädietechnik"],
        session="Sitzung",
        physio=[("7301", "Allgemeine Physiotherapie", 48),
                ("7311", "Aufwändige Physiotherapie", 77),
                ("7320", "Gruppentherapie", 25),
                ("7330", "Medizinische Trainingstherapie", 22)],
        methods=["Craniosacral-Therapie", "Shiatsu", "Akupunktur TCM", "Klassische Massage",
                 "Osteopathie"],
        per5="pro 5 Min.",
        anamnesis="Anamnese und Befund, pro 5 Min.",
        optic=[("25.01.01.00.1", "Brillenglas Einstärken", "60.00", "140.00", 2),
               ("25.01.02.00.1", "Brillenglas Mehrstärken", "150.00", "290.00", 2)],
        aids=[("17.01.02.00.1", "Kompressionsstrumpf Klasse II, Paar", "45.00", "95.00", 1),
               ("14.01.01.00.2", "Inhalationsgerät, Miete pro Tag", "1.20", "2.40", 30),
               ("05.04.02.00.1", "Handgelenkorthese, konfektioniert", "60.00", "180.00", 1)],
        not_covered=[("Brillenfassung", "90.00", "390.00"), ("Etui und Reinigungstuch",
                                                            "10.00", "25.00")],
    ),
    "fr": dict(
        title="Justificatif de remboursement",
        subtitle=["Copie pour le patient", "Copie patient à transmettre à l'assureur"],
        mode="Tiers garant (TG)",
        page="Page",
        inv_no=["N° de facture", "Facture n°", "N° de justificatif"],
        inv_date=["Date de facture", "Date de la facture", "Facturé le"],
        gln=["GLN du prestataire", "GLN fournisseur de prestations"],
        zsr="N° RCC",
        gln_rx="GLN médecin prescripteur",
        rx="Prescription du",
        emr="N° RME",
        method="Méthode",
        law="Loi",
        laws={"physio": "LAMal", "emr": "LCA", "migel": "LAMal"},
        reason="Motif du traitement",
        illness="Maladie",
        accident="Accident",
        acc_date="Date de l'accident",
        case="N° de sinistre",
        period="Période de traitement",
        delivery="Date de livraison",
        patient=["Patient(e)", "Personne assurée", "Patient"],
        birth=["Date de naissance", "Né(e) le"],
        sex="Sexe",
        sexes=("F", "M"),
        ahv="N° AVS",
        insurer="Assureur",
        insured_no="N° d'assuré",
        card="N° de carte d'assuré",
        gln_ins="GLN de l'assureur",
        head=["Date", "Tarif", "Position", "Prestation", "Nbre", "PT", "VPT", "Montant"],
        total="Total des prestations",
        vat="dont TVA 8.1 %",
        deposit="Acompte du {d}",
        rounding="Arrondi",
        due=["Montant à payer", "Solde dû", "Net à payer"],
        carry="Report",
        qr_hint="Payable dans les 30 jours avec la section paiement QR.",
        bank_box="Coordonnées bancaires",
        pay_box="Payable dans les 30 jours à {name}, {bank}",
        pay_text="Merci de verser {cur} {amt} dans les 30 jours sur notre compte "
                 "IBAN {iban} auprès de la {bank}, en faveur de {name}.",
        ref="Référence de paiement",
        forward="Veuillez nous régler ce montant directement et transmettre ce justificatif "
                "à votre assurance-maladie pour remboursement.",
        vat_no="N° TVA",
        vat_free="Prestations exclues du champ de la TVA",
        window=["Madame", "Monsieur"],
        family_window="Famille",
        city_date="{city}, le {date}",
        banks=["Banque Cantonale Vaudoise", "Banque Raiffeisen {c}", "PostFinance SA",
               "Banque Cantonale de Genève"],
        physio_name=["Physiothérapie {l}", "Physio {c} SA", "Cabinet de physiothérapie {f} {l}"],
        physio_spec=["Physiothérapeute diplômée HES", "Physiothérapie · Thérapie manuelle",
                     "Physiothérapie du sport et rééducation"],
        emr_name=["Cabinet de naturopathie {l}", "Thérapies complémentaires {f} {l}",
                  "Espace santé {c}"],
        emr_spec=["Thérapeute complémentaire avec diplôme fédéral, agréée RME",
                  "Naturopathe MTE, RME/ASCA"],
        optic_name=["Optique {l} SA", "{c} Optique", "Lunetterie {f} {l}"],
        optic_spec=["Opticien · Lentilles de contact", "Opticien diplômé"],
        aids_name=["Orthopédie {l} Sàrl", "Moyens auxiliaires {l}"],
        aids_spec=["Moyens auxiliaires · Bandages · Orthèses", "Technique orthopédique"],
        session="séance",
        physio=[("7301", "Physiothérapie générale", 48),
                ("7311", "Physiothérapie complexe", 77),
                ("7320", "Thérapie de groupe", 25),
                ("7330", "Entraînement thérapeutique médical", 22)],
        methods=["Thérapie craniosacrale", "Shiatsu", "Acupuncture MTC", "Massage classique",
                 "Ostéopathie"],
        per5="par 5 min",
        anamnesis="Anamnèse et bilan, par 5 min",
        optic=[("25.01.01.00.1", "Verre de lunettes unifocal", "60.00", "140.00", 2),
               ("25.01.02.00.1", "Verre de lunettes progressif", "150.00", "290.00", 2)],
        aids=[("17.01.02.00.1", "Bas de compression classe II, paire", "45.00", "95.00", 1),
               ("14.01.01.00.2", "Inhalateur, location par jour", "1.20", "2.40", 30),
               ("05.04.02.00.1", "Orthèse de poignet, préfabriquée", "60.00", "180.00", 1)],
        not_covered=[("Monture de lunettes", "90.00", "390.00"), ("Étui et chiffonnette",
                                                                  "10.00", "25.00")],
    ),
    "it": dict(
        title="Giustificativo di rimborso",
        subtitle=["Copia per il paziente", "Copia paziente da inoltrare all'assicuratore"],
        mode="Tiers garant (TG)",
        page="Pagina",
        inv_no=["N. fattura", "Fattura n.", "N. giustificativo"],
        inv_date=["Data fattura", "Data della fattura", "Fatturato il"],
        gln=["GLN del fornitore di prestazioni", "GLN prestatore"],
        zsr="N. RCC",
        gln_rx="GLN medico prescrittore",
        rx="Prescrizione del",
        emr="N. RME",
        method="Metodo",
        law="Legge",
        laws={"physio": "LAMal", "emr": "LCA", "migel": "LAMal"},
        reason="Motivo della cura",
        illness="Malattia",
        accident="Infortunio",
        acc_date="Data dell'infortunio",
        case="N. sinistro",
        period="Periodo di cura",
        delivery="Data di consegna",
        patient=["Paziente", "Persona assicurata"],
        birth=["Data di nascita", "Nato/a il"],
        sex="Sesso",
        sexes=("F", "M"),
        ahv="N. AVS",
        insurer="Assicuratore",
        insured_no="N. d'assicurato",
        card="N. tessera d'assicurato",
        gln_ins="GLN dell'assicuratore",
        head=["Data", "Tariffa", "Posizione", "Prestazione", "Qtà", "PT", "VPT", "Importo"],
        total="Totale prestazioni",
        vat="di cui IVA 8.1 %",
        deposit="Acconto del {d}",
        rounding="Arrotondamento",
        due=["Importo da pagare", "Saldo dovuto", "Netto da pagare"],
        carry="Riporto",
        qr_hint="Pagabile entro 30 giorni con la sezione pagamento QR.",
        bank_box="Coordinate bancarie",
        pay_box="Pagabile entro 30 giorni a {name}, {bank}",
        pay_text="La preghiamo di versare {cur} {amt} entro 30 giorni sul nostro conto "
                 "IBAN {iban} presso {bank}, a favore di {name}.",
        ref="Riferimento di pagamento",
        forward="La preghiamo di pagare l'importo direttamente a noi e di inoltrare questo "
                "giustificativo alla sua cassa malati per il rimborso.",
        vat_no="N. IVA",
        vat_free="Prestazioni escluse dall'IVA",
        window=["Signora", "Signor"],
        family_window="Famiglia",
        city_date="{city}, {date}",
        banks=["BancaStato", "Banca Raiffeisen {c}", "PostFinance SA", "Banca del Sempione"],
        physio_name=["Fisioterapia {l}", "Fisio {c} SA", "Studio di fisioterapia {f} {l}"],
        physio_spec=["Fisioterapista diplomata SUP", "Fisioterapia · Terapia manuale",
                     "Fisioterapia sportiva e riabilitazione"],
        emr_name=["Studio di naturopatia {l}", "Terapie complementari {f} {l}",
                  "Centro benessere {c}"],
        emr_spec=["Terapista complementare con diploma federale, riconosciuta RME",
                  "Naturopata MTE, RME/ASCA"],
        optic_name=["Ottica {l} SA", "{c} Ottica", "Occhiali {f} {l}"],
        optic_spec=["Ottico · Lenti a contatto", "Ottico diplomato"],
        aids_name=["Ortopedia {l} Sagl", "Mezzi ausiliari {l}"],
        aids_spec=["Mezzi ausiliari · Bendaggi · Ortesi", "Tecnica ortopedica"],
        session="seduta",
        physio=[("7301", "Fisioterapia generale", 48),
                ("7311", "Fisioterapia complessa", 77),
                ("7320", "Terapia di gruppo", 25),
                ("7330", "Terapia di allenamento medico", 22)],
        methods=["Terapia craniosacrale", "Shiatsu", "Agopuntura MTC", "Massaggio classico",
                 "Osteopatia"],
        per5="per 5 min",
        anamnesis="Anamnesi e valutazione, per 5 min",
        optic=[("25.01.01.00.1", "Lente per occhiali monofocale", "60.00", "140.00", 2),
               ("25.01.02.00.1", "Lente per occhiali progressiva", "150.00", "290.00", 2)],
        aids=[("17.01.02.00.1", "Calza compressiva classe II, paio", "45.00", "95.00", 1),
               ("14.01.01.00.2", "Inalatore, noleggio al giorno", "1.20", "2.40", 30),
               ("05.04.02.00.1", "Ortesi del polso, prefabbricata", "60.00", "180.00", 1)],
        not_covered=[("Montatura", "90.00", "390.00"), ("Astuccio e panno", "10.00", "25.00")],
    ),
}

TARIFF = {"physio": "312", "emr": "590", "migel": "452"}
# the generator's women's first names: the sex box and the window's salutation follow the name
WOMEN = {"Marie", "Claire", "Nathalie", "Sophie", "Anna", "Ursula", "Claudia", "Monika",
         "Giulia", "Francesca", "Chiara", "Elena"}


def _price(rng: random.Random, low: str, high: str) -> Decimal:
    cents = rng.randint(int(Decimal(low) * 20), int(Decimal(high) * 20))
    return Decimal(cents) / 20


def dress(inv: Invoice, rng: random.Random) -> None:
    """The provider and the services of a refund copy (the amounts are settled later)."""
    from .generate import TariffLine, _digits, _money

    w = WORDS[inv.lang]
    inv.kind = rng.choice(["physio", "physio", "emr", "migel"])
    inv.reason = w["illness"]
    inv.sex = "F" if inv.patient_name.split()[0] in WOMEN else "M"
    if inv.kind == "physio" and rng.random() < 0.3:
        inv.reason = w["accident"]
        inv.case_no = f"{rng.randint(10, 99)}.{_digits(rng, 5)}.{rng.randint(20, 25)}"
    if inv.kind != "emr" and rng.random() < 0.2:  # a child's glasses, aids or physiotherapy
        inv.patient_birth = inv.invoice_date - timedelta(days=rng.randint(5 * 365, 15 * 365))
    first = rng.choice(["Andrea", "Noémie", "Reto", "Silvia", "Fabio", "Corinne", "Daniel"])
    last = rng.choice(["Gerber", "Pittet", "Lüthi", "Cattaneo", "Vuilleumier", "Moser", "Sala"])
    trade = {"migel": rng.choice(["optic", "aids"])}.get(inv.kind, inv.kind)
    inv.provider_name = rng.choice(w[f"{trade}_name"]).format(
        f=first, l=last, c=inv.provider_city[1])
    inv.speciality = rng.choice(w[f"{trade}_spec"])
    tariff = TARIFF[inv.kind]
    lines: list[TariffLine] = []
    if inv.kind == "physio":
        code, text, tp = rng.choice(w["physio"][:2] if rng.random() < 0.8 else w["physio"][2:])
        point = Decimal(rng.choice(["1.00", "1.03", "1.08", "1.11"]))
        series = rng.choice([6, 9, 9])
        done = rng.randint(3, min(series, 8 if inv.has_qr else 9))
        day = inv.invoice_date - timedelta(days=rng.randint(25, 60))
        for i in range(done):
            label = f"{text}, {w['session']} {i + 1}/{series}"
            lines.append(TariffLine(day, tariff, code, label, 1, Decimal(tp), point,
                                    _money(Decimal(tp) * point)))
            day += timedelta(days=rng.choice([2, 3, 4, 7]))
    elif inv.kind == "emr":
        method = rng.choice(w["methods"])
        unit = Decimal(rng.choice(["9.00", "10.00", "10.50", "11.00", "12.00"]))
        day = inv.invoice_date - timedelta(days=rng.randint(30, 70))
        for i in range(rng.randint(3, 6)):
            if i == 0 and rng.random() < 0.6:
                lines.append(TariffLine(day, tariff, "1000", w["anamnesis"], rng.choice([2, 3]),
                                        unit, Decimal("1.00"), Decimal("0")))
            lines.append(TariffLine(day, tariff, "1200", f"{method}, {w['per5']}",
                                    rng.choice([9, 12, 12, 15, 18]), unit, Decimal("1.00"),
                                    Decimal("0")))
            day += timedelta(days=rng.choice([7, 7, 14, 10]))
        for t in lines:
            t.amount = _money(t.tp * t.qty)
    else:
        items = rng.sample(w[trade], rng.randint(1, len(w[trade]) - 1 if trade == "aids" else 1))
        day = inv.invoice_date - timedelta(days=rng.randint(2, 20))
        for code, text, low, high, qty in items:
            unit = _price(rng, low, high)
            lines.append(TariffLine(day, tariff, code, text, qty, unit, Decimal("1.00"),
                                    _money(unit * qty)))
        if trade == "optic" and rng.random() < 0.7:
            text, low, high = rng.choice(w["not_covered"])
            unit = _price(rng, low, high)
            lines.append(TariffLine(day, "999", "", text, 1, unit, Decimal("1.00"), unit))
    inv.lines = lines


def settle(inv: Invoice, rng: random.Random) -> None:
    """The amount to pay: Total less a deposit, rounded to 0.05 on some copies."""
    from .generate import _money

    inv.paid = Decimal("0.00")
    if rng.random() < {"migel": 0.6, "emr": 0.3}.get(inv.kind, 0.25):
        share = inv.gross * Decimal(rng.choice(["0.2", "0.3", "0.5"]))
        inv.paid = max(Decimal("20.00"), (share / 10).quantize(Decimal("1")) * 10)
        if inv.paid >= inv.gross:
            inv.paid = Decimal("0.00")
    inv.total = inv.gross - inv.paid
    if rng.random() < 0.7:
        inv.total = _money((inv.total * 20).quantize(Decimal("1"), ROUND_HALF_UP) / 20)


# ------------------------------------------------------------------------------ rendering


def _box_rows(inv: Invoice, w: dict[str, Any], lab: dict[str, str], rng: random.Random,
              extra: dict[str, str]) -> list[tuple[list, list]]:
    """The identification grid: (left cells, right cells) per row, each cell (label, value,
    span of 1 or 2). The row with the invoice date has the birth date beside it."""
    from .generate import fmt_date

    num = lambda d: f"{d:%d.%m.%Y}"  # noqa: E731
    date_cells = [(lab["inv_no"], inv.invoice_number, 1),
                  (lab["inv_date"], fmt_date(inv.invoice_date, inv.date_style, inv.lang), 1)]
    if rng.random() < 0.3:
        date_cells.reverse()
    accident = inv.reason == w["accident"]
    period_label = w["delivery"] if inv.kind == "migel" else w["period"]
    period = (num(inv.lines[0].day) if inv.kind == "migel"
              else f"{num(inv.lines[0].day)} – {num(inv.lines[-1].day)}")
    left = [
        [(lab["gln"], inv.provider_gln, 1), (w["zsr"], inv.zsr, 1)],
        ([(w["emr"], extra["emr"], 1), (w["method"], extra["method"], 1)] if inv.kind == "emr"
         else [(w["gln_rx"], extra["gln_rx"], 1), (w["rx"], extra["rx"], 1)]),
        [(w["law"], w["laws"][inv.kind], 1), (w["reason"], inv.reason, 1)],
        ([(period_label, period, 1), (w["acc_date"], extra["acc_date"], 1)] if accident
         else [(period_label, period, 2)]),
    ]
    birth = (lab["birth"], num(inv.patient_birth), 1)
    name_row = [(lab["patient"], inv.patient_name, 2)]
    insurer_gln = ([(w["gln_ins"], inv.insurer_gln, 1), (w["case"], inv.case_no, 1)] if accident
                   else [(w["gln_ins"], inv.insurer_gln, 2)])
    if rng.random() < 0.5:
        birth_row = [birth, (w["sex"], inv.sex, 1)]
        tail = [[(w["ahv"], inv.ahv, 2)],
                [(w["insurer"], inv.insurer, 1), (w["insured_no"], inv.insured_no, 1)]]
    else:
        birth_row = [birth, (w["ahv"], inv.ahv, 1)]
        tail = [[(w["sex"], inv.sex, 1), (w["insured_no"], inv.insured_no, 1)],
                [(w["insurer"], inv.insurer, 2)]]
    tail += [[(w["card"], inv.card_no, 2)], insurer_gln]
    rng.shuffle(left)
    rng.shuffle(tail)
    right = [name_row, birth_row, *tail] if rng.random() < 0.6 else [birth_row, name_row, *tail]
    at = right.index(birth_row)
    left.insert(at, date_cells)
    rows = max(len(left), len(right))
    left += [[]] * (rows - len(left))
    right += [[]] * (rows - len(right))
    return list(zip(left, right, strict=True))


def render_refund_form(inv: Invoice, rng: random.Random, *, force_pages: int = 1) -> bytes:
    from .generate import _gln7601, draw_payment_part, fmt_amount, fmt_date
    from .layouts import Page, _finish, _iban_text, _new_canvas, _paragraph, _ref_text

    w = WORDS[inv.lang]
    buf, c = _new_canvas()
    pg = Page(c, A4[1], inv.fonts)
    amt = lambda v: fmt_amount(v, inv.number_style)  # noqa: E731
    num = lambda d: f"{d:%d.%m.%Y}"  # noqa: E731
    lab = {k: rng.choice(w[k]) for k in ("inv_no", "inv_date", "gln", "patient", "birth")}
    window_right = rng.random() < 0.6
    logo = rng.random() < 0.5
    first_day = inv.lines[0].day
    extra = {
        "gln_rx": _gln7601(rng),
        "rx": num(first_day - timedelta(days=rng.randint(3, 30))),
        "emr": f"{rng.randint(10000, 99999)}",
        "method": inv.lines[-1].text.split(",")[0],
        "acc_date": num(first_day - timedelta(days=rng.randint(2, 20))),
    }
    contact = f"Tel. {inv.provider_phone}"
    if rng.random() < 0.5:
        contact += f" · Fax {inv.provider_fax}"
    longest = unicodedata.normalize("NFKD", max(inv.provider_name.split(), key=len).lower())
    slug = "".join(ch for ch in longest if ch.isascii() and ch.isalnum())

    def letterhead(page_no: int) -> None:
        x = 20.0
        if logo:
            initials = "".join(p[0] for p in inv.provider_name.split()[:2]).upper()
            c.circle(26 * mm, A4[1] - 19 * mm, 6 * mm)
            c.setFont(inv.fonts[1], 11)
            c.drawCentredString(26 * mm, A4[1] - 20.5 * mm, initials)
            x = 35.0
        pg.text(x, 17, inv.provider_name, 12, bold=True)
        pg.text(x, 21.5, inv.speciality, 8)
        pg.text(x, 25.5, f"{inv.provider_street}, {inv.provider_city[0]} {inv.provider_city[1]}",
                8)
        pg.text(x, 29.5, f"{contact} · info@{slug or 'praxis'}.ch", 8)
        pg.text(190, 17, w["title"], 13, bold=True, right=True)
        pg.text(190, 22, w["mode"], 8.5, right=True)
        pg.text(190, 26, f"{w['page']} {page_no}/{force_pages}", 8, right=True)

    letterhead(1)
    pg.text(190, 30, rng.choice(w["subtitle"]), 7.5, right=True)

    # the address window; a child's copy goes to the family
    child = inv.invoice_date.year - inv.patient_birth.year < 16 or rng.random() < 0.1
    surname = inv.patient_name.split()[-1]
    window = ([f"{w['family_window']} {surname}"] if child
              else [w["window"][inv.sex == "M"], inv.patient_name])
    window += [inv.patient_street, f"{inv.patient_city[0]} {inv.patient_city[1]}"]
    wx = 118 if window_right else 20
    for i, line in enumerate(window):
        pg.text(wx, 41 + 4.6 * i, line, 10)
    if rng.random() < 0.4:
        long_date = fmt_date(inv.invoice_date, "long", inv.lang)
        city_line = w["city_date"].format(city=inv.provider_city[1], date=long_date)
        pg.text(20 if window_right else 118, 57, city_line, 9)

    # the identification grid: boxes, labels above values
    y = 63.0
    row_h = 8.6
    half = [(20.0, 103.0), (107.0, 190.0)]
    for left, right in _box_rows(inv, w, lab, rng, extra):
        for (x0, x1), cells in zip(half, (left, right), strict=True):
            unit = (x1 - x0) / 2
            x = x0
            for label, value, span in cells:
                pg.box(x, y, unit * span, row_h)
                pg.text(x + 1.2, y + 2.8, label, 6.5)
                pg.text(x + 1.2, y + 7.0, value, 9, bold=label == lab["inv_no"])
                x += unit * span
        y += row_h
    y += 6

    # the table of sessions or items
    cols = [20, 38, 50, 74, 142, 152, 165, 190]
    head = w["head"][:-1] + [f"{w['head'][-1]} {inv.currency}"]

    def table_head(y: float) -> float:
        for i, (x, h) in enumerate(zip(cols, head, strict=True)):
            pg.text(x, y, h, 7.5, bold=True, right=i == 7)
        pg.hline(20, 190, y + 1.5)
        return y + 5.5

    y = table_head(y)
    per_page = max(1, (len(inv.lines) + force_pages - 1) // force_pages)
    running = Decimal("0")
    page_no = 1

    def carry_over(y: float) -> float:
        nonlocal page_no
        pg.text(120, y + 1, w["carry"], 8.5, bold=True)
        pg.text(190, y + 1, f"{running:.2f}", 8.5, bold=True, right=True)
        c.showPage()
        page_no += 1
        letterhead(page_no)
        y = table_head(42)
        pg.text(120, y, w["carry"], 8.5)
        pg.text(190, y, f"{running:.2f}", 8.5, right=True)
        return y + 4.2

    for i, t in enumerate(inv.lines):
        if i and i % per_page == 0:
            y = carry_over(y)
        text = t.text
        while pdfmetrics.stringWidth(text, inv.fonts[0], 7.8) > (cols[4] - cols[3] - 2) * mm:
            text = text[:-1]
        vals = [num(t.day), t.tariff, t.code, text, str(t.qty), f"{t.tp:.2f}", f"{t.vpt:.2f}",
                f"{t.amount:.2f}"]
        for j, (x, v) in enumerate(zip(cols, vals, strict=True)):
            pg.text(x, y, v, 7.8, right=j == 7)
        running += t.amount
        y += 4.2
    if page_no < force_pages:  # fewer lines than pages: the totals go on the last page
        y = carry_over(y)
    pg.hline(20, 190, y - 2)
    y += 3

    # Total, deposit, rounding, amount to pay
    rounding = inv.total - (inv.gross - inv.paid)
    rows: list[tuple[str, str, bool]] = [(f"{w['total']} {inv.currency}", amt(inv.gross), False)]
    if inv.kind == "migel":
        vat = (inv.gross * Decimal("8.1") / Decimal("108.1")).quantize(Decimal("0.01"))
        rows.append((w["vat"], amt(vat), False))
    if inv.paid:
        paid_day = inv.lines[0].day - timedelta(days=rng.randint(3, 20))
        rows.append((w["deposit"].format(d=num(paid_day)), "-" + amt(inv.paid), False))
    if rounding:
        rows.append((w["rounding"], f"{rounding:+.2f}", False))
    rows.append((f"{rng.choice(w['due'])} {inv.currency}", amt(inv.total), True))
    for k, v, b in rows:
        pg.text(112, y, k, 9, bold=b)
        pg.text(190, y, v, 9, bold=b, right=True)
        y += 4.6
    if inv.kind != "migel":
        pg.text(20, y - 4.6 * len(rows), w["vat_free"], 7.5)
    y += 3

    # payment: the QR-bill, a bank box (label above) or a sentence with the IBAN
    bank = rng.choice(w["banks"]).format(c=inv.provider_city[1])
    if inv.has_qr:
        pg.text(20, y, w["qr_hint"], 8.5)
        y += 4.5
    elif rng.random() < 0.5:
        lines = [w["pay_box"].format(name=inv.provider_name, bank=bank),
                 f"IBAN {_iban_text(inv, rng)}"]
        if inv.reference:
            lines.append(f"{w['ref']}: {_ref_text(inv)}")
        width = max(pdfmetrics.stringWidth(t, inv.fonts[0], 8.5) for t in lines) / mm + 3
        pg.box(20, y - 1, width, 5 + 4.4 * len(lines))
        pg.text(21.5, y + 2, w["bank_box"], 6.5)
        for i, line in enumerate(lines):
            pg.text(21.5, y + 6.2 + 4.4 * i, line, 8.5)
        y += 8 + 4.4 * len(lines)
    else:
        text = w["pay_text"].format(cur=inv.currency, amt=amt(inv.total), bank=bank,
                                    iban=_iban_text(inv, rng), name=inv.provider_name)
        y = _paragraph(pg, text, 20, y, 170, 8.5)
        if inv.reference:
            pg.text(20, y, f"{w['ref']}: {_ref_text(inv)}", 8.5)
            y += 4.2
        y += 1
    _paragraph(pg, w["forward"], 20, y + 1, 170, 7.5)

    vat = f"{w['vat_no']} {inv.vat_no}" if inv.kind == "migel" else f"{w['zsr']} {inv.zsr}"
    footer = f"{inv.provider_name} · {inv.provider_city[1]} · {vat}"
    if inv.kind == "emr":
        footer += f" · {w['emr']} {extra['emr']}"
    if inv.has_qr:
        draw_payment_part(c, inv)
    else:
        pg.text(20, 285, footer, 7)
    return _finish(buf, c)
