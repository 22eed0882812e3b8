"""The held-out layout family of the corpus: a dentist's fee note (``dentist``).

Written from the domain note on Swiss medical invoices only, never from the extractor: the
intake's readers, their label lists and their tests must not be tuned on it (no coordinates, no
words taken from here). ``bench.intake_accuracy`` scores it apart and never lists its misses.

What it prints, and how it differs from the tuned families:

- the letterhead spread over the whole width: the practice on the left, the contact block on
  the right, the title ("Honorarnote", "Note d'honoraires", "Nota d'onorario") under a rule;
- the patient's address window on the LEFT, the identification block on the right as a
  label/value list with the label vocabulary of the standard form in other spellings;
- a cost estimate with its own date, the birth date, the treatment period, phone numbers;
- a table with the tooth number and the SSO tariff position, the tax-point value;
- "Total" then the deposit received then the amount due; either the QR-bill, or the IBAN in a
  payment line; the GLN and the VAT number in the footer.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from reportlab.lib.pagesizes import A4

if TYPE_CHECKING:
    from .generate import Invoice

WORDS: dict[str, dict[str, Any]] = {
    "fr": dict(
        practice=["Cabinet dentaire Dr {f} {l}", "Dr méd. dent. {f} {l}",
                  "Centre dentaire {c}"],
        spec=["Médecin-dentiste SSO", "Orthodontie et médecine dentaire"],
        title="Note d'honoraires",
        inv_no=["Facture no", "N° de la facture", "Numéro"],
        inv_date=["Date de la facture", "Établie le", "Date"],
        patient=["Patient(e)", "Pour"],
        birth=["Date de naissance", "Né(e) le"],
        period="Traitement du {a} au {b}",
        estimate="Devis du {a}",
        head=["Date", "Dent", "Pos.", "Prestation", "Nb", "PT", "Montant"],
        items=["Examen et diagnostic", "Radiographie intra-orale", "Détartrage, par 5 min",
               "Obturation composite 1 face", "Anesthésie locale", "Polissage",
               "Consultation d'urgence"],
        pv="Valeur du point {v}",
        total="Total des prestations",
        deposit="Acompte reçu",
        due="Solde en notre faveur",
        pay="Payable dans les 30 jours sur IBAN {iban}",
        vat="Prestations exonérées de TVA",
        greet="Nous vous remercions de votre confiance.",
    ),
    "de": dict(
        practice=["Zahnarztpraxis Dr. {f} {l}", "Dr. med. dent. {f} {l}",
                  "Zahnzentrum {c}"],
        spec=["Zahnarzt SSO", "Kieferorthopädie und Zahnmedizin"],
        title="Honorarnote",
        inv_no=["Rechnungsnummer", "Rechnung Nr.", "Nummer"],
        inv_date=["Rechnungsdatum", "Datum der Rechnung", "Datum"],
        patient=["Patient/in", "Für"],
        birth=["Geburtsdatum", "geboren am"],
        period="Behandlung vom {a} bis {b}",
        estimate="Kostenvoranschlag vom {a}",
        head=["Datum", "Zahn", "Pos.", "Leistung", "Anz.", "TP", "Betrag"],
        items=["Untersuchung und Befund", "Röntgenbild intraoral", "Zahnsteinentfernung je 5 Min.",
               "Kompositfüllung einflächig", "Lokalanästhesie", "Politur",
               "Notfallkonsultation"],
        pv="Taxpunktwert {v}",
        total="Total Leistungen",
        deposit="Erhaltene Anzahlung",
        due="Zu unseren Gunsten",
        pay="Zahlbar innert 30 Tagen auf IBAN {iban}",
        vat="Von der MWST befreite Leistungen",
        greet="Wir danken für Ihr Vertrauen.",
    ),
    "it": dict(
        practice=["Studio dentistico Dr. {f} {l}", "Dr. med. dent. {f} {l}",
                  "Centro dentale {c}"],
        spec=["Medico dentista SSO", "Ortodonzia e medicina dentaria"],
        title="Nota d'onorario",
        inv_no=["Fattura no.", "Numero", "N. della fattura"],
        inv_date=["Data della fattura", "Emessa il", "Data"],
        patient=["Paziente", "Per"],
        birth=["Data di nascita", "Nato/a il"],
        period="Trattamento dal {a} al {b}",
        estimate="Preventivo del {a}",
        head=["Data", "Dente", "Pos.", "Prestazione", "Qtà", "PT", "Importo"],
        items=["Esame e diagnosi", "Radiografia endorale", "Detartrasi, ogni 5 min",
               "Otturazione in composito 1 superficie", "Anestesia locale", "Lucidatura",
               "Consultazione d'urgenza"],
        pv="Valore del punto {v}",
        total="Totale prestazioni",
        deposit="Acconto ricevuto",
        due="Saldo a nostro favore",
        pay="Pagabile entro 30 giorni sull'IBAN {iban}",
        vat="Prestazioni esenti IVA",
        greet="La ringraziamo per la fiducia.",
    ),
}


def dress(inv: Invoice, rng: random.Random) -> None:
    """What the dentist's note prints beyond the common invoice data."""
    w = WORDS[inv.lang]
    first = rng.choice(["Sara", "Nicolas", "Lea", "Urs", "Ilaria", "Yves"])
    last = rng.choice(["Rey", "Steiner", "Fontana", "Baumann", "Crivelli", "Jaquet"])
    inv.provider_name = rng.choice(w["practice"]).format(f=first, l=last, c=inv.provider_city[1])
    inv.speciality = rng.choice(w["spec"])
    point = Decimal(rng.choice(["1.00", "0.95", "1.05"]))
    start = inv.invoice_date - timedelta(days=rng.randint(10, 45))
    for i, t in enumerate(inv.lines):
        t.day = start + timedelta(days=4 * (i // 2))
        t.tariff = "SSO"
        t.code = f"{rng.randint(4000, 4999)}"
        t.text = rng.choice(w["items"])
        t.vpt = point
        t.qty = rng.choice([1, 1, 2])
        t.amount = (t.tp * point * t.qty).quantize(Decimal("0.01"))
    inv.case_no = str(rng.choice([11, 16, 21, 26, 36, 46, 47]))  # the first tooth treated


def render_dentist(inv: Invoice, rng: random.Random, *, force_pages: int = 1) -> bytes:
    from .generate import draw_payment_part, fmt_amount, fmt_date
    from .layouts import Page, _finish, _iban_text, _new_canvas, _ref_text

    w = WORDS[inv.lang]
    buf, c = _new_canvas()
    pg = Page(c, A4[1], inv.fonts)
    amt = lambda v: fmt_amount(v, inv.number_style)  # noqa: E731
    dt = lambda d: fmt_date(d, inv.date_style, inv.lang)  # noqa: E731
    num = lambda d: f"{d:%d.%m.%Y}"  # noqa: E731
    lab = {k: rng.choice(w[k]) for k in ("inv_no", "inv_date", "patient", "birth")}

    # letterhead over the full width
    pg.text(20, 16, inv.provider_name, 13, bold=True)
    pg.text(20, 21, inv.speciality, 8.5)
    pg.text(20, 25, f"{inv.provider_street} · {inv.provider_city[0]} {inv.provider_city[1]}", 8.5)
    pg.text(190, 16, f"T {inv.provider_phone}", 8, right=True)
    pg.text(190, 20, f"F {inv.provider_fax or inv.provider_phone}", 8, right=True)
    pg.text(190, 24, "www.example.ch", 8, right=True)
    pg.hline(20, 190, 29)
    pg.text(20, 36, w["title"], 15, bold=True)

    # the patient's window on the left
    pg.text(20, 48, inv.patient_name, 10)
    pg.text(20, 53, inv.patient_street, 10)
    pg.text(20, 58, f"{inv.patient_city[0]} {inv.patient_city[1]}", 10)

    # identification on the right: label, value under each other in two columns
    first, last = inv.lines[0].day, inv.lines[-1].day
    ident = [
        (lab["inv_no"], inv.invoice_number),
        (lab["inv_date"], dt(inv.invoice_date)),
        (lab["patient"], inv.patient_name),
        (lab["birth"], num(inv.patient_birth)),
    ]
    if rng.random() < 0.5:
        ident[0], ident[1] = ident[1], ident[0]
    y = 46.0
    for k, v in ident:
        pg.text(118, y, k, 8.5)
        pg.text(152, y, v, 8.5, bold=k == lab["inv_no"])
        y += 4.6
    y = 72.0
    pg.text(20, y, w["period"].format(a=num(first), b=num(last)), 9)
    estimate = first - timedelta(days=rng.randint(5, 30))
    pg.text(120, y, w["estimate"].format(a=num(estimate)), 9)

    # the table
    y += 10
    cols = [20, 42, 56, 72, 150, 163, 190]
    for i, (x, h) in enumerate(zip(cols, w["head"], strict=True)):
        pg.text(x, y, h, 8, bold=True, right=i == 6)
    pg.hline(20, 190, y + 1.5)
    y += 5.5
    tooth = int(inv.case_no or 36)
    for t in inv.lines:
        vals = [num(t.day), str(tooth), t.code, t.text[:42], str(t.qty), f"{t.tp:.2f}",
                amt(t.amount)]
        for j, (x, v) in enumerate(zip(cols, vals, strict=True)):
            pg.text(x, y, v, 8, right=j == 6)
        y += 4.2
    pg.hline(20, 190, y - 2)
    y += 3
    pg.text(20, y, w["pv"].format(v=f"{inv.lines[0].vpt:.2f}"), 8)
    pg.text(20, y + 4, w["vat"], 8)
    rows = [(w["total"], amt(inv.gross), False)]
    if inv.paid:
        rows.append((w["deposit"], "-" + amt(inv.paid), False))
    rows.append((f"{w['due']} {inv.currency}", amt(inv.total), True))
    for k, v, b in rows:
        pg.text(118, y, k, 9, bold=b)
        pg.text(190, y, v, 9, bold=b, right=True)
        y += 4.8
    y += 4
    if not inv.has_qr:
        pg.text(20, y, w["pay"].format(iban=_iban_text(inv, rng)), 8.5)
        if inv.reference:
            pg.text(20, y + 4.2, _ref_text(inv), 8.5)
        y += 10
    pg.text(20, y + 4, w["greet"], 9)
    footer = f"GLN {inv.provider_gln}   ·   {inv.vat_no}"
    if inv.has_qr:
        pg.text(20, 185, footer, 7.5)
        draw_payment_part(c, inv)
    else:
        pg.text(20, 284, footer, 7.5)
    return _finish(buf, c)
