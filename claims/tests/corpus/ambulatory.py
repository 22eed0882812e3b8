"""A tuned layout family of the corpus: the outpatient invoice sent by a billing centre
(``ambulatory``).

Written from the domain note on Swiss medical invoices. An outpatient clinic's, an emergency
department's, a psychotherapist's, an occupational therapist's or a nutrition counsellor's
invoice that a billing centre (an intermediary billing on the provider's behalf) prints and
sends:

- the letterhead is the billing centre's: its logo and name, its address, its own GLN and its
  own numbers (a customer or batch number); it is not the provider;
- the provider is named only in a labelled block ("Leistungserbringer", "Fournisseur de
  prestations", "Fornitore di prestazioni"), with its address, its GLN and its ZSR; the block
  stands under the letterhead, beside the patient's window, or as one labelled line;
- invoice number labels in several variants (``Rechnungs-Nr.``, ``Rechnungsnummer``,
  ``N° de facture``, ``Facture n°``, ``Fattura n.``, ``Numero fattura``), the value beside the
  label or on the line under it;
- the patient, birth date, AHV, the insurer and its GLN, the insured and card numbers, law,
  reason, treatment period; a tariff table, Total, deposit, amount due; the QR-bill, an IBAN
  line or the tiers payant note.

The truth's provider (name and GLN) is the provider, never the billing centre.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

if TYPE_CHECKING:
    from .generate import Invoice

WORDS: dict[str, dict[str, Any]] = {
    "fr": dict(
        centre=["Centre de facturation {n} SA", "Caisse des médecins {n}",
                "Service de facturation {n} SA"],
        practice={
            "clinic": ["Permanence médicale {c}", "Centre médical ambulatoire {c}"],
            "emergency": ["Service des urgences, Hôpital de {c}", "Urgences {c}"],
            "psy": ["Cabinet de psychothérapie {f} {l}", "Psychothérapie {c}"],
            "ergo": ["Ergothérapie {f} {l}", "Cabinet d'ergothérapie {c}"],
            "diet": ["Conseil nutritionnel {f} {l}", "Diététique {c}"],
        },
        provider_block=["Fournisseur de prestations", "Prestataire", "Fournisseur de prestation"],
        on_behalf="Facture établie sur mandat du fournisseur de prestations",
        title="Facture",
        inv_no=["N° de facture", "Facture n°", "N° facture", "No de facture"],
        inv_date=["Date de facture", "Date facture"],
        centre_no=["N° client", "N° de lot", "Réf. centre"],
        patient="Patient",
        birth="Date de naissance",
        gln="GLN",
        zsr="N° RCC",
        ahv="N° AVS",
        insurer="Assureur",
        gln_ins="GLN assureur",
        insured_no="N° d'assuré",
        card="N° de carte",
        law="Loi",
        law_v="LAMal",
        reason="Motif",
        period="Période de traitement",
        period_fmt="du {a} au {b}",
        head=["Date", "Tarif", "Position", "Prestation", "Qté", "Montant"],
        items={
            "clinic": ["Consultation, 5 premières min", "Consultation, par 5 min en plus",
                       "Pansement", "Prise de sang"],
            "emergency": ["Forfait urgence", "Consultation d'urgence", "Radiographie",
                          "Suture de plaie"],
            "psy": ["Psychothérapie, par 5 min", "Entretien diagnostique", "Rapport"],
            "ergo": ["Ergothérapie, séance", "Évaluation ergothérapeutique", "Attelle"],
            "diet": ["Conseil nutritionnel, par 5 min", "Première consultation", "Rapport"],
        },
        total="Total",
        deposit="Acompte",
        due="Montant dû",
        carry="Report",
        page="Page",
        payable="Payable dans les 30 jours",
        tp_note="Tiers payant : la facture a été transmise à votre assureur.",
        vat_no="N° TVA",
    ),
    "de": dict(
        centre=["Ärztekasse {n}", "Abrechnungsstelle {n} AG", "Rechnungszentrum {n} AG"],
        practice={
            "clinic": ["Ambulatorium {c}", "Medizinisches Zentrum {c}"],
            "emergency": ["Notfallstation Spital {c}", "Notfallpraxis {c}"],
            "psy": ["Psychotherapie {f} {l}", "Praxis für Psychotherapie {c}"],
            "ergo": ["Ergotherapie {f} {l}", "Ergotherapie-Praxis {c}"],
            "diet": ["Ernährungsberatung {f} {l}", "Ernährungsberatung {c}"],
        },
        provider_block=["Leistungserbringer", "Leistungserbringer/in", "Erbringer der Leistung"],
        on_behalf="Rechnung im Auftrag des Leistungserbringers",
        title="Rechnung",
        inv_no=["Rechnungs-Nr.", "Rechnungsnummer", "Rechnung Nr.", "Rechnungs-Nummer"],
        inv_date=["Rechnungsdatum", "Datum Rechnung"],
        centre_no=["Kunden-Nr.", "Auftrags-Nr.", "Referenz Abrechnungsstelle"],
        patient="Patient",
        birth="Geburtsdatum",
        gln="GLN",
        zsr="ZSR-Nr.",
        ahv="AHV-Nr.",
        insurer="Versicherer",
        gln_ins="GLN Versicherer",
        insured_no="Versicherten-Nr.",
        card="Karten-Nr.",
        law="Gesetz",
        law_v="KVG",
        reason="Behandlungsgrund",
        period="Behandlungsperiode",
        period_fmt="vom {a} bis {b}",
        head=["Datum", "Tarif", "Position", "Leistung", "Anz.", "Betrag"],
        items={
            "clinic": ["Konsultation, erste 5 Min.", "Konsultation, jede weitere 5 Min.",
                       "Verband", "Blutentnahme"],
            "emergency": ["Notfallpauschale", "Notfallkonsultation", "Röntgen",
                          "Wundnaht"],
            "psy": ["Psychotherapie je 5 Min.", "Diagnostisches Gespräch", "Bericht"],
            "ergo": ["Ergotherapie, Sitzung", "Ergotherapeutische Abklärung", "Schiene"],
            "diet": ["Ernährungsberatung je 5 Min.", "Erstberatung", "Bericht"],
        },
        total="Total",
        deposit="Anzahlung",
        due="Fälliger Betrag",
        carry="Übertrag",
        page="Seite",
        payable="Zahlbar innert 30 Tagen",
        tp_note="Tiers payant: die Rechnung wurde Ihrem Versicherer übermittelt.",
        vat_no="MWST-Nr.",
    ),
    "it": dict(
        centre=["Centro di fatturazione {n} SA", "Cassa dei medici {n}",
                "Servizio fatture {n} SA"],
        practice={
            "clinic": ["Ambulatorio medico {c}", "Centro medico {c}"],
            "emergency": ["Pronto soccorso, Ospedale di {c}", "Pronto soccorso {c}"],
            "psy": ["Studio di psicoterapia {f} {l}", "Psicoterapia {c}"],
            "ergo": ["Ergoterapia {f} {l}", "Studio di ergoterapia {c}"],
            "diet": ["Consulenza nutrizionale {f} {l}", "Dietetica {c}"],
        },
        provider_block=["Fornitore di prestazioni", "Fornitore della prestazione",
                        "Fornitore di prestazione"],
        on_behalf="Fattura emessa su mandato del fornitore di prestazioni",
        title="Fattura",
        inv_no=["Fattura n.", "Numero fattura", "N. fattura", "Fattura N°"],
        inv_date=["Data fattura", "Data della fattura"],
        centre_no=["N. cliente", "N. lotto", "Rif. centro"],
        patient="Paziente",
        birth="Data di nascita",
        gln="GLN",
        zsr="N. RCC",
        ahv="N. AVS",
        insurer="Assicuratore",
        gln_ins="GLN assicuratore",
        insured_no="N. assicurato",
        card="N. tessera",
        law="Legge",
        law_v="LAMal",
        reason="Motivo",
        period="Periodo di trattamento",
        period_fmt="dal {a} al {b}",
        head=["Data", "Tariffa", "Posizione", "Prestazione", "Qtà", "Importo"],
        items={
            "clinic": ["Consultazione, primi 5 min", "Consultazione, ogni 5 min in più",
                       "Medicazione", "Prelievo di sangue"],
            "emergency": ["Forfait pronto soccorso", "Consultazione d'urgenza",
                          "Radiografia", "Sutura"],
            "psy": ["Psicoterapia ogni 5 min", "Colloquio diagnostico", "Rapporto"],
            "ergo": ["Ergoterapia, seduta", "Valutazione ergoterapica", "Stecca"],
            "diet": ["Consulenza nutrizionale ogni 5 min", "Prima consulenza", "Rapporto"],
        },
        total="Totale",
        deposit="Acconto",
        due="Importo dovuto",
        carry="Riporto",
        page="Pagina",
        payable="Pagabile entro 30 giorni",
        tp_note="Terzo pagante: la fattura è stata trasmessa al suo assicuratore.",
        vat_no="N. IVA",
    ),
}

_TARIFF = {"clinic": "007", "emergency": "007", "psy": "007", "ergo": "338", "diet": "325"}
_CENTRE_NAMES = ["Medifakt", "Tarimed", "Curabill", "Helvebill", "Praxifakt", "Sanacont"]
_CENTRE_CITIES = [("8304", "Wallisellen"), ("1003", "Lausanne"), ("6900", "Lugano"),
                  ("3011", "Bern"), ("4051", "Basel")]


def dress(inv: Invoice, rng: random.Random) -> None:
    """What the billing centre's invoice prints beyond the common invoice data."""
    from .generate import _digits, _gln7601

    w = WORDS[inv.lang]
    inv.kind = rng.choice(list(_TARIFF))
    first = rng.choice(["Sarah", "Luca", "Anne", "Reto", "Giulia", "Yves"])
    last = rng.choice(["Blanc", "Huber", "Fontana", "Steiner", "Morel", "Brunner"])
    inv.provider_name = rng.choice(w["practice"][inv.kind]).format(
        f=first, l=last, c=inv.provider_city[1])
    year = inv.invoice_date.year
    inv.invoice_number = rng.choice([
        f"{rng.randint(100000, 9999999)}",
        f"{year}-{rng.randint(1, 999999):06d}",
        f"R{rng.randint(10000, 999999)}",
        f"{rng.randint(10, 99)}.{rng.randint(100000, 999999)}",
    ])
    start = inv.invoice_date - timedelta(days=rng.randint(5, 40))
    for i, t in enumerate(inv.lines):
        t.day = start + timedelta(days=(3 * i + rng.randint(0, 2)) if inv.kind != "emergency"
                                  else 0)
        t.tariff = _TARIFF[inv.kind]
        t.code = (f"AA.{rng.randint(0, 99):02d}.{rng.randint(0, 9999):04d}"
                  if t.tariff == "007" else f"{rng.randint(1000, 9999)}")
        t.text = rng.choice(w["items"][inv.kind])
    # the billing centre: its name, its GLN and its own numbers are distractors
    inv.prescriber = rng.choice(w["centre"]).format(n=rng.choice(_CENTRE_NAMES))
    inv.prescriber_gln = _gln7601(rng)
    inv.case_no = _digits(rng, rng.choice([6, 7, 8]))
    if rng.random() < 0.2:
        inv.paid = Decimal(rng.choice([30, 50, 100])).quantize(Decimal("0.01"))


def render_ambulatory(inv: Invoice, rng: random.Random, *, force_pages: int = 1) -> bytes:
    from .generate import draw_payment_part, fmt_amount, fmt_date
    from .layouts import (
        Page,
        Table,
        _finish,
        _new_canvas,
        draw_settlement,
        draw_table,
    )

    w = WORDS[inv.lang]
    buf, c = _new_canvas()
    pg = Page(c, A4[1], inv.fonts)
    amt = lambda v: fmt_amount(v, inv.number_style)  # noqa: E731
    dt = lambda d: fmt_date(d, rng.choice(["numeric", "numeric", "long"]), inv.lang)  # noqa: E731
    num = lambda d: f"{d:%d.%m.%Y}"  # noqa: E731
    centre, centre_gln = inv.prescriber, inv.prescriber_gln
    ccity = rng.choice(_CENTRE_CITIES)
    cstreet = f"{rng.choice(['Industriestrasse', 'Route de Genève', 'Via Cantonale'])} " \
              f"{rng.randint(1, 80)}"
    cphone = f"0{rng.randint(21, 91)} {rng.randint(200, 999)} {rng.randint(10, 99)} " \
             f"{rng.randint(10, 99)}"
    centre_no_label = rng.choice(w["centre_no"])
    block_label = rng.choice(w["provider_block"])
    placement = rng.choice(["under", "beside", "line"])
    next_line = rng.random() < 0.4  # the invoice number under its label

    def letterhead(page_no: int) -> None:
        # the billing centre's logo (a filled square with its initials) and its name
        pg.c.rect(20 * mm, A4[1] - 22 * mm, 9 * mm, 9 * mm, fill=1)
        pg.text(31, 17, centre, 12, bold=True)
        pg.text(31, 21.5, f"{cstreet}, {ccity[0]} {ccity[1]}", 8)
        pg.text(31, 25.5, f"Tel. {cphone} · GLN {centre_gln}", 8)
        pg.text(190, 17, w["title"], 14, bold=True, right=True)
        pg.text(190, 22.5, f"{w['page']} {page_no}/{force_pages}", 8, right=True)
        pg.text(190, 26.5, f"{centre_no_label} {inv.case_no}", 8, right=True)

    def provider_block(x: float, y: float) -> float:
        pg.text(x, y, block_label, 8, bold=True)
        pg.hline(x, x + 80, y + 1.2)
        pg.text(x, y + 5, inv.provider_name, 9.5, bold=True)
        pg.text(x, y + 9, f"{inv.provider_street}, {inv.provider_city[0]} "
                          f"{inv.provider_city[1]}", 8.5)
        pg.text(x, y + 13, f"{w['gln']} {inv.provider_gln}   {w['zsr']} {inv.zsr}", 8.5)
        return y + 17

    letterhead(1)
    if rng.random() < 0.5:
        pg.text(20, 31, w["on_behalf"], 7.5)
    # the patient's window
    pg.text(118, 40, rng.choice(["Madame", "Monsieur"] if inv.lang == "fr" else
                               ["Frau", "Herr"] if inv.lang == "de" else ["Signora", "Signor"]),
            10)
    pg.text(118, 45, inv.patient_name, 10)
    pg.text(118, 50, inv.patient_street, 10)
    pg.text(118, 55, f"{inv.patient_city[0]} {inv.patient_city[1]}", 10)
    if placement == "beside":
        y = provider_block(20, 40)
        y = max(y, 62.0)
    elif placement == "under":
        y = provider_block(20, 64) + 2
    else:  # one labelled line, the GLN on its own labelled line
        y = 64.0
        pg.text(20, y, f"{block_label}:", 9, bold=True)
        pg.text(80, y, inv.provider_name, 9)
        pg.text(20, y + 4.5, f"{w['gln']} {block_label}:"[:40], 9)
        pg.text(80, y + 4.5, inv.provider_gln, 9)
        pg.text(20, y + 9, f"{w['zsr']}:", 9)
        pg.text(80, y + 9, inv.zsr, 9)
        y += 15
    # identification: two columns, labels at x, values at x + 40
    first, last = inv.lines[0].day, inv.lines[-1].day
    left: list[tuple[str, str]] = [
        (rng.choice(w["inv_date"]), dt(inv.invoice_date)),
        (w["law"], w["law_v"]),
        (w["reason"], inv.reason),
        (w["period"], w["period_fmt"].format(a=num(first), b=num(last))),
    ]
    right: list[tuple[str, str]] = [
        (w["patient"], inv.patient_name),
        (w["birth"], num(inv.patient_birth)),
        (w["ahv"], inv.ahv),
        (w["insurer"], inv.insurer),
        (w["gln_ins"], inv.insurer_gln),
        (w["insured_no"], inv.insured_no),
        (w["card"], inv.card_no),
    ]
    inv_label = rng.choice(w["inv_no"])
    ly = y
    if next_line:
        pg.text(20, ly, inv_label, 8.5)
        pg.text(20, ly + 4.5, inv.invoice_number, 10, bold=True)
        ly += 10
    else:
        pg.text(20, ly, inv_label, 8.5)
        pg.text(58, ly, inv.invoice_number, 9, bold=True)
        ly += 4.5
    for label, value in left:
        pg.text(20, ly, label, 8.5)
        pg.text(58, ly, value, 8.5)
        ly += 4.5
    ry = y
    for label, value in right:
        pg.text(110, ry, label, 8.5)
        pg.text(143, ry, value, 8.5)
        ry += 4.5
    y = max(ly, ry) + 5
    table = Table(cols=[20, 40, 54, 82, 160, 190], head=w["head"], carry=w["carry"],
                  carry_x=120, next_top=40)
    y = draw_table(pg, inv, table, y, lambda t: [
        num(t.day), t.tariff, t.code, t.text[:38], str(t.qty), amt(t.amount)],
        letterhead=letterhead, amt=amt, pages=force_pages)
    pg.hline(20, 190, y - 2)
    y += 3
    draw_settlement(pg, inv, rng, y, w, amt)
    if inv.has_qr:
        draw_payment_part(c, inv)
    else:
        pg.text(20, 285, f"{centre} · {w['vat_no']} {inv.vat_no}", 7)
    return _finish(buf, c)
