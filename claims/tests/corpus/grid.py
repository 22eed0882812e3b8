"""A tuned layout family of the corpus: the boxed grid (``grid``).

Written from the domain note on Swiss medical invoices. A chiropractor's, a home-care (Spitex)
service's or a laboratory's invoice whose identification block is a grid of ruled boxes, each
label printed small above its value, the boxes side by side:

- the invoice number (printed with slashes: ``2026/04812``, ``418/26``) and the invoice date
  (often in words: ``24 janvier 2026``, ``3. März 2026``) in the same row as the patient and
  the birth date;
- the GLNs of several parties: the biller, sometimes the practitioner, the prescribing or
  referring doctor, the insurer; either each box names its party ("GLN prescripteur") or a
  band above a group of boxes names the party and the boxes say only "GLN";
- ZSR, AHV, insured and card numbers, law, reason, treatment period;
- a tariff table (two pages with a carry-over), Total, deposit, amount due; the QR-bill, an
  IBAN line or the tiers payant note.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics

if TYPE_CHECKING:
    from .generate import Invoice

WORDS: dict[str, dict[str, Any]] = {
    "fr": dict(
        practice={
            "chiro": ["Cabinet de chiropratique {f} {l}", "Chiropratique {c}"],
            "spitex": ["Soins à domicile {c}", "Spitex {c}"],
            "lab": ["Laboratoire {l} SA", "Laboratoire d'analyses {c}"],
        },
        spec={"chiro": "Chiropraticien ChiroSuisse", "spitex": "Aide et soins à domicile",
              "lab": "Analyses médicales FAMH"},
        title="Facture",
        inv_no=["N° facture", "Facture n°", "N° de facture", "No facture"],
        inv_date=["Date facture", "Date de facture", "Date"],
        patient=["Patient", "Nom du patient"],
        birth=["Date de naissance", "Né(e) le"],
        gln_biller=["GLN facturant", "GLN auteur de la facture"],
        gln_provider=["GLN fournisseur de prestations", "GLN prestataire"],
        gln_presc=["GLN médecin prescripteur", "GLN prescripteur"],
        gln_ins="GLN assureur",
        band_biller="Auteur de la facture",
        band_provider="Fournisseur de prestations",
        band_presc="Médecin prescripteur",
        band_ins="Assureur",
        name="Nom",
        zsr="N° RCC",
        ahv="N° AVS",
        insurer="Assureur",
        insured_no="N° d'assuré",
        card="N° de carte",
        law="Loi",
        law_v="LAMal",
        reason="Motif",
        reason_v=["Maladie", "Accident"],
        period="Période de traitement",
        period_fmt="du {a} au {b}",
        head=["Date", "Tarif", "Position", "Prestation", "Qté", "Montant"],
        items={
            "chiro": ["Consultation chiropratique", "Manipulation", "Radiographie",
                      "Rapport", "Traitement, par 5 min"],
            "spitex": ["Évaluation des besoins", "Soins de base, par 5 min",
                       "Examens et traitements", "Conseil et coordination"],
            "lab": ["Hémogramme complet", "CRP", "Glucose", "Créatinine", "TSH", "Ferritine",
                    "Forfait de laboratoire"],
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
        practice={
            "chiro": ["Chiropraktik {f} {l}", "Chiropraktische Praxis {c}"],
            "spitex": ["Spitex {c}", "Spitex Verein {c}"],
            "lab": ["Labor {l} AG", "Medizinisches Labor {c}"],
        },
        spec={"chiro": "Chiropraktor ChiroSuisse", "spitex": "Hilfe und Pflege zu Hause",
              "lab": "Medizinische Analysen FAMH"},
        title="Rechnung",
        inv_no=["Rechnungs-Nr.", "Rechnung Nr.", "Rechnungsnummer"],
        inv_date=["Rechnungsdatum", "Datum"],
        patient=["Patient", "Name Patient"],
        birth=["Geburtsdatum", "geb."],
        gln_biller=["GLN Rechnungssteller"],
        gln_provider=["GLN Leistungserbringer"],
        gln_presc=["GLN verordnender Arzt", "GLN Zuweiser"],
        gln_ins="GLN Versicherer",
        band_biller="Rechnungssteller",
        band_provider="Leistungserbringer",
        band_presc="Verordnender Arzt",
        band_ins="Versicherer",
        name="Name",
        zsr="ZSR-Nr.",
        ahv="AHV-Nr.",
        insurer="Versicherer",
        insured_no="Versicherten-Nr.",
        card="Karten-Nr.",
        law="Gesetz",
        law_v="KVG",
        reason="Behandlungsgrund",
        reason_v=["Krankheit", "Unfall"],
        period="Behandlungsperiode",
        period_fmt="vom {a} bis {b}",
        head=["Datum", "Tarif", "Position", "Leistung", "Anz.", "Betrag"],
        items={
            "chiro": ["Chiropraktische Konsultation", "Manipulation", "Röntgen",
                      "Bericht", "Behandlung je 5 Min."],
            "spitex": ["Bedarfsabklärung", "Grundpflege je 5 Min.",
                       "Untersuchung und Behandlung", "Beratung und Koordination"],
            "lab": ["Blutbild komplett", "CRP", "Glukose", "Kreatinin", "TSH", "Ferritin",
                    "Laborpauschale"],
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
        practice={
            "chiro": ["Studio di chiropratica {f} {l}", "Chiropratica {c}"],
            "spitex": ["Servizio cure a domicilio {c}", "Spitex {c}"],
            "lab": ["Laboratorio {l} SA", "Laboratorio medico {c}"],
        },
        spec={"chiro": "Chiropratico ChiroSuisse", "spitex": "Assistenza e cura a domicilio",
              "lab": "Analisi mediche FAMH"},
        title="Fattura",
        inv_no=["N. fattura", "Fattura n.", "Numero fattura"],
        inv_date=["Data fattura", "Data della fattura", "Data"],
        patient=["Paziente", "Nome del paziente"],
        birth=["Data di nascita", "Nato/a il"],
        gln_biller=["GLN autore della fattura", "GLN fatturante"],
        gln_provider=["GLN fornitore di prestazioni"],
        gln_presc=["GLN medico prescrivente", "GLN medico inviante"],
        gln_ins="GLN assicuratore",
        band_biller="Autore della fattura",
        band_provider="Fornitore di prestazioni",
        band_presc="Medico prescrivente",
        band_ins="Assicuratore",
        name="Nome",
        zsr="N. RCC",
        ahv="N. AVS",
        insurer="Assicuratore",
        insured_no="N. assicurato",
        card="N. tessera",
        law="Legge",
        law_v="LAMal",
        reason="Motivo",
        reason_v=["Malattia", "Infortunio"],
        period="Periodo di trattamento",
        period_fmt="dal {a} al {b}",
        head=["Data", "Tariffa", "Posizione", "Prestazione", "Qtà", "Importo"],
        items={
            "chiro": ["Consultazione chiropratica", "Manipolazione", "Radiografia",
                      "Rapporto", "Trattamento ogni 5 min"],
            "spitex": ["Valutazione del bisogno", "Cure di base ogni 5 min",
                       "Esami e cure", "Consulenza e coordinamento"],
            "lab": ["Emocromo completo", "PCR", "Glucosio", "Creatinina", "TSH", "Ferritina",
                    "Forfait di laboratorio"],
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

_TARIFF = {"chiro": "007", "spitex": "312", "lab": "317"}


def dress(inv: Invoice, rng: random.Random) -> None:
    """What the boxed grid prints beyond the common invoice data."""
    from .generate import _gln7601

    w = WORDS[inv.lang]
    inv.kind = rng.choice(["chiro", "spitex", "lab"])
    first = rng.choice(["Lara", "Marc", "Nina", "Beat", "Chiara", "Loïc"])
    last = rng.choice(["Favre", "Meier", "Bernasconi", "Gerber", "Rochat", "Keller"])
    inv.provider_name = rng.choice(w["practice"][inv.kind]).format(
        f=first, l=last, c=inv.provider_city[1])
    inv.speciality = w["spec"][inv.kind]
    year = inv.invoice_date.year
    inv.invoice_number = rng.choice([
        f"{year}/{rng.randint(1, 99999):05d}",
        f"{rng.randint(10, 9999)}/{year % 100:02d}",
        f"{rng.randint(1, 99):02d}/{rng.randint(1000, 99999)}/{year % 100:02d}",
        f"K{rng.randint(100, 9999)}/{year}",
    ])
    start = inv.invoice_date - timedelta(days=rng.randint(10, 45))
    for i, t in enumerate(inv.lines):
        t.day = start + timedelta(days=2 * i + rng.randint(0, 1))
        t.tariff = _TARIFF[inv.kind]
        t.code = f"{rng.randint(1000, 9999)}.{rng.randint(0, 99):02d}"
        t.text = rng.choice(w["items"][inv.kind])
    # the practitioner's own GLN beside the biller's (an organisation billing for its staff)
    inv.practitioner_gln = _gln7601(rng) if rng.random() < 0.4 else ""
    inv.prescriber_gln = _gln7601(rng)
    if rng.random() < 0.2:
        inv.paid = Decimal(rng.choice([20, 50, 100])).quantize(Decimal("0.01"))


Row = list[tuple[str, str]]


def _cells(inv: Invoice, rng: random.Random, dt: Any, num: Any, *, bands: bool
           ) -> list[Row]:
    """The grid's rows of (label, value) boxes; with ``bands`` the parties' GLNs are left to
    the bands (``_bands``)."""
    w = WORDS[inv.lang]
    first, last = inv.lines[0].day, inv.lines[-1].day
    ident = [(rng.choice(w["inv_no"]), inv.invoice_number),
             (rng.choice(w["inv_date"]), dt(inv.invoice_date))]
    person = [(rng.choice(w["patient"]), inv.patient_name),
              (rng.choice(w["birth"]), num(inv.patient_birth))]
    first_row = ident + person if rng.random() < 0.6 else person + ident
    glns = [(rng.choice(w["gln_biller"]), inv.provider_gln),
            (rng.choice(w["gln_presc"]), inv.prescriber_gln)]
    if inv.practitioner_gln:
        glns.insert(1, (rng.choice(w["gln_provider"]), inv.practitioner_gln))
    rng.shuffle(glns)
    insurer = [(w["insurer"], inv.insurer), (w["insured_no"], inv.insured_no),
               (w["ahv"], inv.ahv)]
    if not bands:
        insurer.insert(1, (w["gln_ins"], inv.insurer_gln))
    rng.shuffle(insurer)
    other = [(w["law"], w["law_v"]), (w["reason"], inv.reason),
             (w["period"], w["period_fmt"].format(a=num(first), b=num(last)))]
    rows = [first_row, insurer, other]
    if bands:
        other.append((w["zsr"], inv.zsr))
        rows.append([(w["card"], inv.card_no)])
    else:
        glns.insert(rng.randint(0, len(glns)), (w["zsr"], inv.zsr))
        rows.insert(rng.choice([1, 2]), glns)
        rows.append([(w["card"], inv.card_no)])
    return rows


def _bands(inv: Invoice, rng: random.Random) -> list[tuple[str, Row]]:
    """The GLNs grouped under a band naming each party, the boxes saying only "GLN"."""
    w = WORDS[inv.lang]
    parties = [(w["band_biller"], inv.provider_name, inv.provider_gln),
               (w["band_presc"], inv.prescriber, inv.prescriber_gln),
               (w["band_ins"], inv.insurer, inv.insurer_gln)]
    if inv.practitioner_gln:
        parties.insert(1, (w["band_provider"], inv.prescriber.replace("Dr ", ""),
                           inv.practitioner_gln))
    head, tail = parties[:1], parties[1:]
    rng.shuffle(tail)
    order = head + tail if rng.random() < 0.5 else [*tail[:1], *head, *tail[1:]]
    return [(band, [(w["name"], name[:24]), ("GLN", gln)]) for band, name, gln in order]


def render_grid(inv: Invoice, rng: random.Random, *, force_pages: int = 1) -> bytes:
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
    style = rng.choice(["numeric", "long", "long"])
    dt = lambda d: fmt_date(d, style, inv.lang)  # noqa: E731
    num = lambda d: f"{d:%d.%m.%Y}"  # noqa: E731
    label_size = rng.choice([6.5, 7.0, 7.5])

    def letterhead(page_no: int) -> None:
        pg.text(20, 18, inv.provider_name, 12, bold=True)
        pg.text(20, 23, inv.speciality, 8.5)
        pg.text(20, 27, f"{inv.provider_street}, {inv.provider_city[0]} {inv.provider_city[1]}",
                8.5)
        pg.text(20, 31, f"Tel. {inv.provider_phone}   Fax {inv.provider_fax}", 8.5)
        pg.text(190, 18, w["title"], 14, bold=True, right=True)
        pg.text(190, 24, f"{w['page']} {page_no}/{force_pages}", 8, right=True)

    def cell(x: float, y: float, width: float, label: str, value: str) -> None:
        pg.box(x, y, width, 10)
        pg.text(x + 1.5, y + 3.2, label, label_size)
        pg.text(x + 1.5, y + 8, value, 9, bold=True)

    letterhead(1)
    pg.text(118, 40, rng.choice(["Madame", "Monsieur"] if inv.lang == "fr" else
                               ["Frau", "Herr"] if inv.lang == "de" else ["Signora", "Signor"]),
            10)
    pg.text(118, 45, inv.patient_name, 10)
    pg.text(118, 50, inv.patient_street, 10)
    pg.text(118, 55, f"{inv.patient_city[0]} {inv.patient_city[1]}", 10)
    y = 64.0
    with_bands = rng.random() < 0.4  # the parties' GLNs under bands instead of the GLN row
    rows = _cells(inv, rng, dt, num, bands=with_bands)
    if with_bands:
        bands = _bands(inv, rng)
        width = 170 / len(bands)
        for i, (band, _boxes) in enumerate(bands):
            pg.text(20 + i * width + 1, y + 3, band, 8, bold=True)
        y += 4.5
        for k in range(2):
            for i, (_band, boxes) in enumerate(bands):
                cell(20 + i * width, y, width, *boxes[k])
            y += 10
        y += 2
    for row in rows:
        # each box as wide as its label or value needs, the row filling the width
        need = [max(pdfmetrics.stringWidth(k, inv.fonts[0], label_size),
                    pdfmetrics.stringWidth(v, inv.fonts[1], 9)) / mm + 5 for k, v in row]
        x = 20.0
        for (label, value), n in zip(row, need, strict=True):
            width = n * 170 / sum(need) if len(row) > 1 else 80.0
            cell(x, y, width, label, value)
            x += width
        y += 10
    y += 6
    table = Table(cols=[20, 40, 54, 74, 155, 190], head=w["head"], carry=w["carry"],
                  carry_x=120, next_top=44)
    y = draw_table(pg, inv, table, y, lambda t: [
        num(t.day), t.tariff, t.code, t.text[:40], str(t.qty), amt(t.amount)],
        letterhead=letterhead, amt=amt, pages=force_pages)
    pg.hline(20, 190, y - 2)
    y += 3
    draw_settlement(pg, inv, rng, y, w, amt)
    if inv.has_qr:
        draw_payment_part(c, inv)
    else:
        c.setFont(inv.fonts[0], 7)
        c.drawString(20 * mm, 12 * mm, f"{w['vat_no']} {inv.vat_no}")
    return _finish(buf, c)
