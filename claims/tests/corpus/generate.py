"""Synthetic Swiss medical invoices (fr/de/it) with ground truth, degraded like real uploads.

    python -m claims.tests.corpus.generate --out DIR --count N --seed S

Every sample ``NNN-<degradation>.<ext>`` gets ``NNN-<degradation>.json`` with the truth.
Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import io
import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
import qrcode
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from pillow_heif import register_heif_opener
from qrbill import QRBill
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas
from stdnum import ean, iso11649
from stdnum import iban as stdnum_iban
from stdnum.ch import esr
from stdnum.iso7064 import mod_97_10

register_heif_opener()

DEGRADATIONS = [
    "text-pdf",
    "scan-150",
    "skew",
    "rot90",
    "rot180",
    "photo",
    "blur",
    "jpeg",
    "noise",
    "fax",
    "multipage-pdf",
    "heic",
]

MONTHS = {
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "de": [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
    "it": [
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ],
}

LABELS = {
    "fr": dict(
        title="FACTURE",
        inv_no=["N° de facture", "Facture n°", "No facture"],
        inv_date=["Date de facture", "Date"],
        patient=["Patient", "Patiente"],
        birth=["Date de naissance", "Né(e) le"],
        ahv="N° AVS",
        insurer="Assureur",
        gln=["GLN fournisseur", "GLN prestataire", "GLN"],
        gln_ins="GLN assureur",
        tp_total="Total points tarifaires",
        subtotal="Sous-total",
        vat="TVA",
        totals=["Total CHF", "Montant dû", "Montant total", "Total"],
        tel="Tél.",
        treat="Date de traitement",
        ref="Référence",
        paid="Acompte déjà versé",
        head=["Date", "Tarif", "Code", "Prestation", "Qté", "PT", "VPT", "Montant"],
        city_date="{city}, le {date}",
        fax="Fax",
        acct="Compte / Payable à",
        amount_lbl="Montant",
        pay_part="Section paiement",
        receipt="Récépissé",
        services=[
            "Consultation, première période de 5 min",
            "Consultation, période suppl.",
            "Examen clinique",
            "Prise de sang",
            "Rapport médical",
            "ECG de repos",
            "Radiographie thorax",
            "Séance de physiothérapie",
            "Pansement simple",
        ],
    ),
    "de": dict(
        title="RECHNUNG",
        inv_no=["Rechnungsnummer", "Rechnung Nr.", "Rechnungs-Nr."],
        inv_date=["Rechnungsdatum", "Datum"],
        patient=["Patient", "Patientin"],
        birth=["Geburtsdatum", "geb."],
        ahv="AHV-Nr.",
        insurer="Versicherer",
        gln=["GLN Leistungserbringer", "GLN Rechnungssteller", "GLN"],
        gln_ins="GLN Versicherer",
        tp_total="Total Taxpunkte",
        subtotal="Zwischentotal",
        vat="MWST",
        totals=["Totalbetrag", "Total CHF", "Gesamtbetrag", "Total"],
        tel="Tel.",
        treat="Behandlungsdatum",
        ref="Referenz",
        paid="Bereits bezahlt",
        head=["Datum", "Tarif", "Code", "Leistung", "Anz.", "TP", "TPW", "Betrag"],
        city_date="{city}, {date}",
        fax="Fax",
        acct="Konto / Zahlbar an",
        amount_lbl="Betrag",
        pay_part="Zahlteil",
        receipt="Empfangsschein",
        services=[
            "Konsultation, erste 5 Min.",
            "Konsultation, jede weitere 5 Min.",
            "Klinische Untersuchung",
            "Blutentnahme",
            "Ärztlicher Bericht",
            "Ruhe-EKG",
            "Thorax-Röntgen",
            "Physiotherapie Sitzung",
            "Einfacher Verband",
        ],
    ),
    "it": dict(
        title="FATTURA",
        inv_no=["Fattura n.", "Numero fattura", "N. fattura"],
        inv_date=["Data fattura", "Data della fattura"],
        patient=["Paziente"],
        birth=["Data di nascita", "Nato/a il"],
        ahv="N. AVS",
        insurer="Assicuratore",
        gln=["GLN fornitore", "GLN prestatore", "GLN"],
        gln_ins="GLN assicuratore",
        tp_total="Totale punti tariffali",
        subtotal="Subtotale",
        vat="IVA",
        totals=["Importo totale", "Totale CHF", "Totale"],
        tel="Tel.",
        treat="Data del trattamento",
        ref="Riferimento",
        paid="Acconto versato",
        head=["Data", "Tariffa", "Codice", "Prestazione", "Qtà", "PT", "VPT", "Importo"],
        city_date="{city}, {date}",
        fax="Fax",
        acct="Conto / Pagabile a",
        amount_lbl="Importo",
        pay_part="Sezione pagamento",
        receipt="Ricevuta",
        services=[
            "Consultazione, primi 5 min",
            "Consultazione, ogni 5 min supplementari",
            "Esame clinico",
            "Prelievo di sangue",
            "Rapporto medico",
            "ECG a riposo",
            "Radiografia torace",
            "Seduta di fisioterapia",
            "Medicazione semplice",
        ],
    ),
}

CITIES = {
    "fr": [
        ("1003", "Lausanne"),
        ("1204", "Genève"),
        ("2000", "Neuchâtel"),
        ("1700", "Fribourg"),
        ("1950", "Sion"),
    ],
    "de": [
        ("8001", "Zürich"),
        ("3011", "Bern"),
        ("4051", "Basel"),
        ("6003", "Luzern"),
        ("9000", "St. Gallen"),
    ],
    "it": [("6900", "Lugano"), ("6500", "Bellinzona"), ("6600", "Locarno"), ("6850", "Mendrisio")],
}
STREETS = {
    "fr": ["Rue du Bourg", "Avenue de la Gare", "Chemin des Vignes", "Rue de Lausanne"],
    "de": ["Bahnhofstrasse", "Seestrasse", "Hauptgasse", "Kirchweg"],
    "it": ["Via Nassa", "Corso Elvezia", "Via Cantonale", "Viale Stazione"],
}
FIRST = {
    "fr": ["Jean", "Marie", "Luc", "Claire", "Nathalie", "Pierre", "Sophie", "Julien"],
    "de": ["Hans", "Anna", "Peter", "Ursula", "Thomas", "Claudia", "Markus", "Monika"],
    "it": ["Marco", "Giulia", "Luca", "Francesca", "Paolo", "Chiara", "Matteo", "Elena"],
}
LAST = {
    "fr": ["Dupont", "Favre", "Rochat", "Perret", "Bonvin", "Morel", "Girard", "Chappuis"],
    "de": ["Keller", "Müller", "Meier", "Schmid", "Huber", "Brunner", "Zimmermann", "Frei"],
    "it": ["Bernasconi", "Rossi", "Ferrari", "Colombo", "Pedrazzini", "Galli", "Bianchi"],
}
PROVIDER_FMT = {
    "fr": [
        "Dr méd. {f} {l}",
        "Cabinet médical {l}",
        "Physiothérapie {l} Sàrl",
        "Centre médical {c}",
    ],
    "de": ["Dr. med. {f} {l}", "Praxis {l}", "Physiotherapie {l} GmbH", "Gemeinschaftspraxis {c}"],
    "it": ["Dr.ssa med. {f} {l}", "Studio medico {l}", "Fisioterapia {l} SA", "Centro medico {c}"],
}
INSURERS = ["KPT", "Helsana", "CSS", "Sanitas", "Visana", "SWICA", "Groupe Mutuel"]


@dataclass
class TariffLine:
    day: date
    tariff: str
    code: str
    text: str
    qty: int
    tp: Decimal
    vpt: Decimal
    amount: Decimal


@dataclass
class Invoice:
    lang: str
    provider_name: str
    provider_street: str
    provider_city: tuple[str, str]
    provider_phone: str
    provider_gln: str
    insurer: str
    insurer_gln: str
    invoice_number: str
    invoice_date: date
    patient_name: str
    patient_street: str
    patient_city: tuple[str, str]
    patient_birth: date
    ahv_masked: str
    lines: list[TariffLine]
    subtotal: Decimal
    paid: Decimal
    total: Decimal
    currency: str
    iban: str
    ref_type: str
    reference: str
    has_qr: bool
    total_label: str
    number_style: str
    date_style: str
    labels: dict = field(default_factory=dict)
    # the layout families beyond "classic" (see layouts.py)
    family: str = "classic"
    mode: str = "TG"  # "TG" tiers garant (the patient pays) | "TP" tiers payant (the insurer)
    gross: Decimal = Decimal("0")  # the printed Total; ``total`` is the amount due
    speciality: str = ""
    provider_fax: str = ""
    zsr: str = ""
    reason: str = ""
    sex: str = ""
    ahv: str = ""
    insured_no: str = ""
    card_no: str = ""
    vat_no: str = ""
    case_no: str = ""
    kind: str = ""
    prescriber: str = ""
    prescriber_gln: str = ""
    practitioner_gln: str = ""  # the person who treated, when an organisation bills
    fonts: tuple[str, str] = ("Helvetica", "Helvetica-Bold")

    @property
    def payable_by_patient(self) -> bool:
        return self.family == "classic" or (self.mode == "TG" and self.family != "pharmacy")

    def truth(self) -> dict:
        pays = self.payable_by_patient
        return {
            "amount": f"{self.total:.2f}",
            "currency": self.currency,
            "invoice_date": self.invoice_date.isoformat(),
            "provider_gln": self.provider_gln,
            "invoice_number": self.invoice_number,
            "iban": self.iban if pays else None,
            "reference": (self.reference or None) if pays else None,
            "provider_name": self.provider_name,
            "patient_name": self.patient_name,
            "patient_birth_date": self.patient_birth.isoformat(),
        }


# --------------------------------------------------------------------------- data


def _gln(rng: random.Random) -> str:
    body = "76" + "".join(rng.choice("0123456789") for _ in range(10))
    return body + ean.calc_check_digit(body)


def _iban(rng: random.Random, qr: bool) -> str:
    iid = (
        rng.randint(30000, 31999)
        if qr
        else rng.choice([rng.randint(100, 9999), rng.randint(80000, 89999)])
    )
    bban = f"{iid:05d}" + "".join(rng.choice("0123456789") for _ in range(12))
    return "CH" + stdnum_iban.calc_check_digits("CH00" + bban) + bban


def _qrr(rng: random.Random) -> str:
    body = "".join(rng.choice("0123456789") for _ in range(26))
    return body + esr.calc_check_digit(body)


def _scor(rng: random.Random) -> str:
    core = "".join(
        rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(rng.randint(6, 12))
    )
    return "RF" + mod_97_10.calc_check_digits(core + "RF") + core


def fmt_amount(value: Decimal, style: str) -> str:
    s = f"{value:.2f}"
    whole, cents = s.split(".")
    if style == "plain":
        return s
    if style == "comma":
        return f"{whole},{cents}"
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    sep = {"apos": "'", "typo": "\u2019", "space": " "}[style]
    dec = "," if style == "space" else "."
    return sep.join(groups) + dec + cents


def fmt_date(d: date, style: str, lang: str) -> str:
    if style == "short":
        return d.strftime("%d.%m.%y")
    if style == "long":
        month = MONTHS[lang][d.month - 1]
        return f"{d.day}. {month} {d.year}" if lang == "de" else f"{d.day} {month} {d.year}"
    return d.strftime("%d.%m.%Y")


def make_invoice(rng: random.Random, *, has_qr: bool, n_lines: int | None = None) -> Invoice:
    lang = rng.choice(["fr", "fr", "de", "de", "it"])
    lab = LABELS[lang]
    first, last = rng.choice(FIRST[lang]), rng.choice(LAST[lang])
    city = rng.choice(CITIES[lang])
    provider = rng.choice(PROVIDER_FMT[lang]).format(f=first, l=last, c=city[1])
    pfirst, plast = rng.choice(FIRST[lang]), rng.choice(LAST[lang])
    inv_date = date(2025, 6, 1) + timedelta(days=rng.randint(0, 300))
    birth = date(1940, 1, 1) + timedelta(days=rng.randint(0, 365 * 60))
    n = n_lines or rng.randint(3, 7 if has_qr else 9)
    lines = []
    for _ in range(n):
        day = inv_date - timedelta(days=rng.randint(3, 40))
        tp = Decimal(rng.randint(500, 9000)) / 100
        vpt = Decimal(rng.choice(["0.89", "0.93", "0.96", "1.00", "0.83"]))
        qty = rng.choice([1, 1, 1, 2, 3])
        amount = (tp * vpt * qty).quantize(Decimal("0.01"), ROUND_HALF_UP)
        chapter = rng.choice(["AA", "KF", "TG", "MK"])
        code = f"{chapter}.{rng.randint(0, 99):02d}.{rng.randint(10, 9999):04d}"
        lines.append(
            TariffLine(
                day,
                rng.choice(["007", "001", "312", "590"]),
                code,
                rng.choice(lab["services"]),
                qty,
                tp,
                vpt,
                amount,
            )
        )
    lines.sort(key=lambda t: t.day)
    subtotal = sum((t.amount for t in lines), Decimal("0"))
    if rng.random() < 0.1:  # an occasional large invoice to exercise thousands separators
        subtotal += Decimal(rng.randint(1000, 4000))
        lines[-1].amount += subtotal - sum((t.amount for t in lines), Decimal("0"))
    paid = Decimal(rng.choice([0, 0, 0, 20, 50])).quantize(Decimal("0.01"))
    total = subtotal - paid
    ref_type = (
        rng.choice(["QRR", "QRR", "SCOR", "NON"]) if has_qr else rng.choice(["QRR", "SCOR", "NON"])
    )
    iban = _iban(rng, ref_type == "QRR")
    reference = {"QRR": _qrr, "SCOR": _scor}.get(ref_type, lambda r: "")(rng)
    inv_no = rng.choice(
        [
            f"{inv_date.year}-{rng.randint(1, 99999):05d}",
            f"R-{rng.randint(100000, 999999)}",
            f"F{inv_date.year % 100}/{rng.randint(1, 9999):04d}",
            f"{rng.randint(100000000, 999999999)}",
        ]
    )
    return Invoice(
        lang=lang,
        provider_name=provider,
        provider_street=f"{rng.choice(STREETS[lang])} {rng.randint(1, 80)}",
        provider_city=city,
        provider_phone=f"0{rng.randint(21, 91)} {rng.randint(200, 999)} {rng.randint(10, 99)} "
        f"{rng.randint(10, 99)}",
        provider_gln=_gln(rng),
        insurer=rng.choice(INSURERS),
        insurer_gln=_gln(rng),
        invoice_number=inv_no,
        invoice_date=inv_date,
        patient_name=f"{pfirst} {plast}",
        patient_street=f"{rng.choice(STREETS[lang])} {rng.randint(1, 120)}",
        patient_city=rng.choice(CITIES[lang]),
        patient_birth=birth,
        ahv_masked=f"756.****.****.{rng.randint(10, 99)}",
        lines=lines,
        subtotal=subtotal,
        paid=paid,
        total=total,
        currency="CHF",
        iban=iban,
        ref_type=ref_type,
        reference=reference,
        has_qr=has_qr,
        total_label=rng.choice(lab["totals"]),
        number_style=rng.choice(["plain", "apos", "typo", "space", "comma"]),
        date_style=rng.choice(["numeric", "numeric", "short", "long"]),
        labels=lab,
    )


FAMILIES = ["classic", "form", "pharmacy", "hospital", "letter", "dentist", "grid",
            "ambulatory", "refund_form"]
# Kept out of tuning: the bench reports it (and the held-out seed) separately. The hospital
# family, then the dentist's note (heldout.py), were held out before and looked at while
# tuning; both are tuned families now. The refund copy (heldout_form.py) was written blind from
# the domain note, and nothing in the intake or its tests refers to it.
HELD_OUT_FAMILY = "refund_form"
# the held-out seed is the tuning seed plus this (seed + 1 was looked at while tuning)
HELD_OUT_SEED_OFFSET = 1000


def _money(v: Decimal) -> Decimal:
    return v.quantize(Decimal("0.01"), ROUND_HALF_UP)


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _gln7601(rng: random.Random) -> str:
    body = "7601" + _digits(rng, 8)
    return body + ean.calc_check_digit(body)


def make_family_invoice(rng: random.Random, family: str, *, has_qr: bool) -> Invoice:
    """An invoice of one layout family: the classic data, then what that family prints."""
    from .layouts import W, pick_fonts

    n = rng.randint(10, 16) if family == "hospital" else None
    inv = make_invoice(rng, has_qr=has_qr, n_lines=n)
    if family == "classic":
        return inv
    w = W[inv.lang]
    inv.family = family
    inv.fonts = pick_fonts(rng, mono=family == "pharmacy" and rng.random() < 0.7)
    first, last = rng.choice(FIRST[inv.lang]), rng.choice(LAST[inv.lang])
    city = inv.provider_city[1]
    inv.provider_gln, inv.insurer_gln = _gln7601(rng), _gln7601(rng)
    tiers_garant_only = ("pharmacy", "dentist", "refund_form")
    inv.mode = "TP" if family not in tiers_garant_only and rng.random() < 0.25 else "TG"
    inv.speciality = rng.choice(w["doc_spec"])
    inv.provider_fax = f"0{rng.randint(21, 91)} {rng.randint(200, 999)} {rng.randint(10, 99)} 00"
    inv.zsr = f"{rng.choice('ABCDEFGHJKLMNPRSTVWXYZ')}{_digits(rng, 6)}"
    inv.reason = rng.choice(w["reason_v"])
    inv.sex = rng.choice(["F", "M"])
    ahv_body = "756" + _digits(rng, 9)
    ahv = ahv_body + ean.calc_check_digit(ahv_body)
    inv.ahv = f"{ahv[:3]}.{ahv[3:7]}.{ahv[7:11]}.{ahv[11:]}"
    inv.insured_no = _digits(rng, 8)
    inv.card_no = "80756" + _digits(rng, 15)
    inv.vat_no = f"CHE-{_digits(rng, 3)}.{_digits(rng, 3)}.{_digits(rng, 3)} MWST"
    inv.prescriber = f"Dr {rng.choice(FIRST[inv.lang])} {rng.choice(LAST[inv.lang])}"
    if family == "pharmacy":
        inv.provider_name = rng.choice(w["pharmacy"]).format(l=last)
        inv.speciality = ""
        lines = []
        for _ in range(rng.randint(2, 5)):
            qty = rng.choice([1, 1, 2])
            price = Decimal(rng.randint(450, 6500)) / 100
            gtin = "7680" + _digits(rng, 8)
            gtin += ean.calc_check_digit(gtin)
            text = rng.choice(w["drugs"])
            lines.append(TariffLine(inv.invoice_date, "400", gtin, text, qty, price,
                                    Decimal("1"), _money(price * qty)))
        lines.append(TariffLine(inv.invoice_date, "402", "4010", w["pharm_tax"], 1,
                                Decimal("4.30"), Decimal("1"), Decimal("4.30")))
        inv.lines = lines
        inv.paid = Decimal("0.00")
        inv.date_style = "numeric"
    elif family == "hospital":
        inv.kind = rng.choice(["hospital", "lab"])
        inv.provider_name = (w["hospital"] if inv.kind == "hospital" else w["lab"]).format(
            c=city, l=last
        )
        inv.speciality = rng.choice(w["dept"])
        items, tariff = (w["hosp_items"], "003") if inv.kind == "hospital" else (
            w["lab_items"], "317")
        start = inv.invoice_date - timedelta(days=rng.randint(8, 40))
        for i, t in enumerate(inv.lines):
            t.day = start + timedelta(days=min(i // 3, 6))
            t.tariff = tariff
            t.code = f"{rng.randint(1000, 1999)}.00"
            t.text = rng.choice(items)
        inv.case_no = f"{rng.randint(10, 99)}-{_digits(rng, 6)}"
    elif family == "letter":
        inv.provider_name = rng.choice(w["therapist"]).format(f=first, l=last)
        start = inv.invoice_date - timedelta(days=rng.randint(20, 50))
        for i, t in enumerate(inv.lines):
            t.day = start + timedelta(days=3 * i + rng.randint(0, 2))
            t.tariff, t.code, t.qty = "312", "7301", 1
            t.text = f"{w['session']} {i + 1}" if rng.random() < 0.8 else w["report"]
            t.amount = Decimal(rng.choice(["48.00", "52.50", "77.00", "96.00", "120.00"]))
    elif family == "dentist":
        from .heldout import dress

        dress(inv, rng)
    elif family == "grid":
        from .grid import dress as dress_grid

        dress_grid(inv, rng)
    elif family == "ambulatory":
        from .ambulatory import dress as dress_ambulatory

        dress_ambulatory(inv, rng)
    elif family == "refund_form":
        from .heldout_form import dress as dress_refund

        dress_refund(inv, rng)
    else:  # form
        for t in inv.lines:
            t.tariff = rng.choice(["007", "007", "312", "317"])
    inv.gross = sum((t.amount for t in inv.lines), Decimal("0"))
    if family == "pharmacy":  # cash totals round to 0.05
        rounded = (inv.gross * 20).quantize(Decimal("1"), ROUND_HALF_UP) / 20
        inv.lines[-1].amount += rounded - inv.gross
        inv.gross = _money(rounded)
    inv.subtotal = inv.gross
    if family != "pharmacy" and inv.paid >= inv.gross:
        inv.paid = Decimal("0.00")
    inv.total = inv.gross - inv.paid
    if family == "refund_form":
        from .heldout_form import settle

        settle(inv, rng)
    if family in ("form", "letter") and rng.random() < 0.1:
        inv.currency = "EUR"
    if not inv.payable_by_patient:
        inv.has_qr = False
    if inv.ref_type == "QRR" and not inv.has_qr and rng.random() < 0.5:
        inv.ref_type, inv.reference = "NON", ""
    return inv


def render_family(inv: Invoice, rng: random.Random, *, force_pages: int = 1) -> bytes:
    if inv.family == "classic":
        return render_pdf(inv, rng, force_pages=force_pages)
    if inv.family == "dentist":
        from .heldout import render_dentist

        return render_dentist(inv, rng, force_pages=force_pages)
    if inv.family == "grid":
        from .grid import render_grid

        return render_grid(inv, rng, force_pages=force_pages)
    if inv.family == "ambulatory":
        from .ambulatory import render_ambulatory

        return render_ambulatory(inv, rng, force_pages=force_pages)
    if inv.family == "refund_form":
        from .heldout_form import render_refund_form

        return render_refund_form(inv, rng, force_pages=force_pages)
    from .layouts import RENDERERS

    return RENDERERS[inv.family](inv, rng, force_pages=force_pages)


# --------------------------------------------------------------------------- rendering


def qr_payload(inv: Invoice) -> str:
    bill = QRBill(
        account=inv.iban,
        creditor={
            "name": inv.provider_name,
            "street": inv.provider_street.rsplit(" ", 1)[0],
            "house_num": inv.provider_street.rsplit(" ", 1)[1],
            "pcode": inv.provider_city[0],
            "city": inv.provider_city[1],
            "country": "CH",
        },
        amount=f"{inv.total:.2f}",
        currency=inv.currency,
        debtor={
            "name": inv.patient_name,
            "street": inv.patient_street.rsplit(" ", 1)[0],
            "house_num": inv.patient_street.rsplit(" ", 1)[1],
            "pcode": inv.patient_city[0],
            "city": inv.patient_city[1],
            "country": "CH",
        },
        reference_number=inv.reference or None,
        additional_information=f"{inv.labels['title'].capitalize()} {inv.invoice_number}",
    )
    return bill.qr_data()


def qr_image(payload: str) -> Image.Image:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, box_size=8)
    qr.add_data(payload.encode("utf-8"))
    qr.make(fit=True)
    img = qr.make_image(fill_color="black", back_color="white").convert("L")
    # Swiss cross, 7 mm of 46 mm
    size = img.width
    c = int(size * 7 / 46)
    x0 = (size - c) // 2
    draw = ImageDraw.Draw(img)
    draw.rectangle([x0, x0, x0 + c, x0 + c], fill=255)
    inner = int(c * 0.85)
    xi = (size - inner) // 2
    draw.rectangle([xi, xi, xi + inner, xi + inner], fill=0)
    arm_w, arm_l = int(inner * 0.2), int(inner * 0.6)
    cx = size // 2
    draw.rectangle([cx - arm_w // 2, cx - arm_l // 2, cx + arm_w // 2, cx + arm_l // 2], fill=255)
    draw.rectangle([cx - arm_l // 2, cx - arm_w // 2, cx + arm_l // 2, cx + arm_w // 2], fill=255)
    return img


def render_pdf(inv: Invoice, rng: random.Random, *, force_pages: int = 1) -> bytes:
    lab = inv.labels
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    W, H = A4
    amt = lambda v: fmt_amount(v, inv.number_style)  # noqa: E731
    dt = lambda d: fmt_date(d, inv.date_style, inv.lang)  # noqa: E731

    def header():
        c.setFont("Helvetica-Bold", 13)
        c.drawString(20 * mm, H - 22 * mm, inv.provider_name)
        c.setFont("Helvetica", 9)
        c.drawString(20 * mm, H - 27 * mm, inv.provider_street)
        c.drawString(20 * mm, H - 31 * mm, f"{inv.provider_city[0]} {inv.provider_city[1]}")
        c.drawString(20 * mm, H - 35 * mm, f"{lab['tel']} {inv.provider_phone}")
        c.drawString(20 * mm, H - 39 * mm, f"{rng_labels['gln']}: {inv.provider_gln}")

    rng_labels = {k: rng.choice(lab[k]) for k in ("inv_no", "inv_date", "patient", "birth", "gln")}
    header()
    # patient address window (right)
    c.setFont("Helvetica", 10)
    y = H - 44 * mm
    for t in (inv.patient_name, inv.patient_street, f"{inv.patient_city[0]} {inv.patient_city[1]}"):
        c.drawString(115 * mm, y, t)
        y -= 4.5 * mm
    city_line = rng.random() < 0.35
    if city_line:
        c.drawString(
            115 * mm,
            H - 62 * mm,
            lab["city_date"].format(
                city=inv.provider_city[1], date=fmt_date(inv.invoice_date, "long", inv.lang)
            ),
        )
    c.setFont("Helvetica-Bold", 15)
    c.drawString(20 * mm, H - 70 * mm, lab["title"])
    c.setFont("Helvetica", 9.5)
    info = [(rng_labels["inv_no"], inv.invoice_number)]
    if not city_line:
        info.append((rng_labels["inv_date"], dt(inv.invoice_date)))
    info += [
        (rng_labels["patient"], inv.patient_name),
        (
            rng_labels["birth"],
            dt(inv.patient_birth)
            if inv.date_style != "long"
            else inv.patient_birth.strftime("%d.%m.%Y"),
        ),
        (lab["ahv"], inv.ahv_masked),
        (lab["insurer"], f"{inv.insurer}   {lab['gln_ins']}: {inv.insurer_gln}"),
        (lab["treat"], f"{inv.lines[0].day:%d.%m.%Y} - {inv.lines[-1].day:%d.%m.%Y}"),
    ]
    y = H - 77 * mm
    for k, v in info:
        c.drawString(20 * mm, y, f"{k}:")
        c.drawString(62 * mm, y, v)
        y -= 4.4 * mm
    # tariff table
    cols = [20, 40, 53, 75, 140, 150, 164, 176]
    y -= 4 * mm
    c.setFont("Helvetica-Bold", 8.5)
    for x, h in zip(cols, lab["head"], strict=True):
        c.drawString(x * mm, y, h)
    c.line(20 * mm, y - 1.5 * mm, 192 * mm, y - 1.5 * mm)
    y -= 6 * mm
    c.setFont("Helvetica", 8.5)
    per_page = max(1, (len(inv.lines) + force_pages - 1) // force_pages)
    for i, t in enumerate(inv.lines):
        if i and i % per_page == 0:
            c.showPage()
            header()
            c.setFont("Helvetica", 8.5)
            y = H - 55 * mm
        vals = [
            f"{t.day:%d.%m.%Y}",
            t.tariff,
            t.code,
            t.text[:38],
            str(t.qty),
            f"{t.tp:.2f}",
            f"{t.vpt:.2f}",
            f"{t.amount:.2f}",
        ]
        for x, v in zip(cols, vals, strict=True):
            c.drawString(x * mm, y, v)
        y -= 4.2 * mm
    c.line(20 * mm, y + 2 * mm, 192 * mm, y + 2 * mm)
    y -= 3 * mm
    tp_total = sum((t.tp * t.qty for t in inv.lines), Decimal("0"))
    rows = [
        (lab["tp_total"], f"{tp_total:.2f}"),
        (lab["subtotal"], amt(inv.subtotal)),
        (f"{lab['vat']} 0.00%", "0.00"),
    ]
    if inv.paid:
        rows.append((lab["paid"], "-" + amt(inv.paid)))
    y_pay = y
    for k, v in rows:
        c.drawString(110 * mm, y, k)
        c.drawRightString(190 * mm, y, v)
        y -= 4.4 * mm
    c.setFont("Helvetica-Bold", 11)
    label = inv.total_label if "CHF" in inv.total_label else f"{inv.total_label} CHF"
    c.drawString(110 * mm, y - 1 * mm, label)
    c.drawRightString(190 * mm, y - 1 * mm, amt(inv.total))
    c.setFont("Helvetica", 8)
    c.drawString(20 * mm, y_pay, f"IBAN: {stdnum_iban.format(inv.iban)}")
    if inv.reference:
        ref = esr.format(inv.reference) if inv.ref_type == "QRR" else iso11649.format(inv.reference)
        c.drawString(20 * mm, y_pay - 4.4 * mm, f"{lab['ref']}:")
        c.drawString(20 * mm, y_pay - 8.8 * mm, ref)
    if inv.has_qr:
        draw_payment_part(c, inv)
    c.showPage()
    c.save()
    return buf.getvalue()


def draw_payment_part(c: canvas.Canvas, inv: Invoice) -> None:
    lab = inv.labels
    top = 105 * mm
    c.setDash(2, 2)
    c.line(0, top, A4[0], top)
    c.line(62 * mm, 0, 62 * mm, top)
    c.setDash()
    c.setFont("Helvetica-Bold", 11)
    c.drawString(5 * mm, top - 10 * mm, lab["receipt"])
    c.drawString(67 * mm, top - 10 * mm, lab["pay_part"])
    img = qr_image(qr_payload(inv))
    c.drawImage(ImageReader(img), 67 * mm, top - 17 * mm - 46 * mm, 46 * mm, 46 * mm)
    c.setFont("Helvetica-Bold", 6)
    c.drawString(118 * mm, top - 10 * mm, lab["acct"])
    c.setFont("Helvetica", 8)
    y = top - 14 * mm
    for t in (
        stdnum_iban.format(inv.iban),
        inv.provider_name,
        inv.provider_street,
        f"{inv.provider_city[0]} {inv.provider_city[1]}",
    ):
        c.drawString(118 * mm, y, t)
        y -= 3.5 * mm
    c.setFont("Helvetica-Bold", 6)
    c.drawString(67 * mm, 22 * mm, "Währung")
    c.drawString(85 * mm, 22 * mm, lab["amount_lbl"])
    c.setFont("Helvetica", 8)
    c.drawString(67 * mm, 18 * mm, inv.currency)
    c.drawString(85 * mm, 18 * mm, fmt_amount(inv.total, "space"))


# --------------------------------------------------------------------------- degradations


def rasterise(pdf: bytes, dpi: int) -> list[Image.Image]:
    doc = pdfium.PdfDocument(pdf)
    try:
        return [
            doc[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            for i in range(len(doc))
        ]
    finally:
        doc.close()


def _jpeg(img: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()


def _png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _noise(arr: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    return np.clip(arr.astype(np.float32) + rng.normal(0, sigma, arr.shape), 0, 255).astype(
        np.uint8
    )


def _rotate(img: Image.Image, angle: float) -> Image.Image:
    return img.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255)


def photo(page: Image.Image, rng: random.Random, nrng: np.random.Generator) -> Image.Image:
    arr = np.asarray(page)
    h, w = arr.shape
    pad_x, pad_y = int(w * 0.18), int(h * 0.14)
    cw, ch = w + 2 * pad_x, h + 2 * pad_y
    base = rng.randint(60, 120)
    table = np.full((ch, cw, 3), (base + 20, base + 5, base - 15), np.float32)
    table += nrng.normal(0, 6, (ch, cw, 1))
    j = lambda s: rng.uniform(-s, s)  # noqa: E731
    dst = np.array(
        [
            [pad_x + j(0.05 * w), pad_y + j(0.04 * h)],
            [pad_x + w + j(0.05 * w), pad_y + j(0.04 * h)],
            [pad_x + w + j(0.05 * w), pad_y + h + j(0.04 * h)],
            [pad_x + j(0.05 * w), pad_y + h + j(0.04 * h)],
        ],
        np.float32,
    )
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    rgb = np.stack([arr] * 3, axis=-1).astype(np.float32) * np.array([1.0, 0.98, 0.93])
    warped = cv2.warpPerspective(rgb, m, (cw, ch), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
    mask = cv2.warpPerspective(np.ones((h, w), np.float32), m, (cw, ch))[..., None]
    out = warped * mask + table * (1 - mask)
    # soft shadow: a gradient darkening one side
    yy, xx = np.mgrid[0:ch, 0:cw].astype(np.float32)
    ang = rng.uniform(0, 2 * np.pi)
    g = np.cos(ang) * xx / cw + np.sin(ang) * yy / ch
    g = (g - g.min()) / (g.max() - g.min())
    shade = 1.0 - rng.uniform(0.25, 0.45) * np.clip(g * 1.5 - 0.5, 0, 1)
    out = out * shade[..., None]
    out = _noise(out, nrng, 4)
    img = Image.fromarray(out.astype(np.uint8), "RGB").filter(ImageFilter.GaussianBlur(0.8))
    scale = 2000 / max(img.size)
    return img.resize((int(img.width * scale), int(img.height * scale)), Image.LANCZOS)


def _mono_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from .layouts import ttf_pairs

    for regular, _bold in ttf_pairs():
        if "Mono" in regular:
            from reportlab.pdfbase import pdfmetrics

            return ImageFont.truetype(pdfmetrics.getFont(regular).face.filename, size)
    return ImageFont.load_default()


def fax_header(page: Image.Image, inv: Invoice, rng: random.Random) -> Image.Image:
    """The transmission line a fax machine prints on top: its own date, number, page count."""
    sent = inv.invoice_date + timedelta(days=rng.randint(1, 12))
    text = (
        f"{sent:%d/%m/%Y} {rng.randint(7, 19):02d}:{rng.randint(0, 59):02d}   "
        f"FAX +41 {rng.randint(21, 91)} {rng.randint(200, 999)} {rng.randint(10, 99)} "
        f"{rng.randint(10, 99)}   {inv.provider_name[:24].upper()}   P.001/001"
    )
    page = page.copy()
    ImageDraw.Draw(page).text((int(page.width * 0.04), 12), text, fill=0,
                              font=_mono_font(max(12, page.width // 90)))
    return page


def degrade(pdf: bytes, kind: str, rng: random.Random,
            inv: Invoice | None = None) -> tuple[bytes, str]:
    nrng = np.random.default_rng(rng.randint(0, 2**31))
    if kind == "text-pdf":
        return pdf, "pdf"
    if kind == "multipage-pdf":
        pages = rasterise(pdf, 150)
        buf = io.BytesIO()
        c = canvas.Canvas(buf, pagesize=A4, invariant=1)
        for p in pages:
            p = Image.fromarray(_noise(np.asarray(p), nrng, 6))
            c.drawImage(ImageReader(io.BytesIO(_jpeg(p, 60))), 0, 0, A4[0], A4[1])
            c.showPage()
        c.save()
        return buf.getvalue(), "pdf"
    page = rasterise(pdf, 150 if kind in ("scan-150", "jpeg", "heic") else 200)[0]
    if kind == "scan-150":
        return _jpeg(Image.fromarray(_noise(np.asarray(page), nrng, 5)), 60), "jpg"
    if kind == "skew":
        ang = rng.choice([-1, 1]) * rng.uniform(1.0, 4.0)
        return _jpeg(_rotate(page, ang), 55), "jpg"
    if kind == "rot90":
        return _jpeg(page.rotate(rng.choice([90, 270]), expand=True), 55), "jpg"
    if kind == "rot180":
        return _jpeg(page.rotate(180), 55), "jpg"
    if kind == "photo":
        img = photo(page, rng, nrng)
        if rng.random() < 0.5:  # phone held sideways: pixels rotated, EXIF says how to show
            exif = Image.Exif()
            exif[0x0112] = 6
            out = io.BytesIO()
            img.rotate(90, expand=True).save(out, format="JPEG", quality=60, exif=exif)
            return out.getvalue(), "jpg"
        return _jpeg(img, 60), "jpg"
    if kind == "blur":
        return _jpeg(page.filter(ImageFilter.GaussianBlur(rng.uniform(1.0, 1.5))), 60), "jpg"
    if kind == "jpeg":
        return _jpeg(page, rng.randint(12, 20)), "jpg"
    if kind == "noise":
        arr = _noise(np.asarray(page), nrng, 22)
        sp = nrng.random(arr.shape)
        arr[sp < 0.004] = 0
        arr[sp > 0.996] = 255
        return _jpeg(Image.fromarray(arr), 60), "jpg"
    if kind == "fax":
        if inv is not None and inv.family != "classic":
            page = fax_header(page, inv, rng)
        small = page.resize((page.width, page.height // 2), Image.BILINEAR)
        small = small.resize(page.size, Image.NEAREST)
        arr = _noise(np.asarray(small), nrng, 18)
        bw = Image.fromarray(arr).point(lambda v: 255 if v > 150 else 0).convert("1")
        bw = _rotate(bw.convert("L"), rng.uniform(-0.8, 0.8)).convert("1")
        return _png(bw), "png"
    if kind == "heic":
        out = io.BytesIO()
        page.convert("RGB").save(out, format="HEIF", quality=50)
        return out.getvalue(), "heic"
    raise ValueError(kind)


def sample_plan(i: int, kinds: list[str], families: list[str]) -> tuple[str, str]:
    """The degradation and family of sample ``i``: degradations cycle fastest, the family
    shifts by one every full cycle."""
    return kinds[i % len(kinds)], families[(i + i // len(kinds)) % len(families)]


def generate(
    out: Path,
    count: int,
    seed: int,
    kinds: list[str] | None = None,
    families: list[str] | None = None,
) -> list[Path]:
    """Write ``count`` samples and return the truth files.

    ``sample_plan`` picks each one's degradation and family: 12 x 9 = 108 samples of all the
    families cover every (degradation, family) pair once. Without ``families`` only the
    classic layout is drawn (the committed sample corpus).
    """
    out.mkdir(parents=True, exist_ok=True)
    kinds = kinds or DEGRADATIONS
    families = families or ["classic"]
    written = []
    for i in range(count):
        kind, family = sample_plan(i, kinds, families)
        rng = random.Random(f"{seed}-{i}" if family == "classic" else f"{seed}-{i}-{family}")
        has_qr = i % 2 == 0 if len(kinds) % 2 else (i // len(kinds) + i) % 2 == 0
        pages = 2 if kind == "multipage-pdf" or (kind == "text-pdf" and rng.random() < 0.3) else 1
        if family == "classic":
            n_lines = rng.randint(10, 16) if pages > 1 else None
            inv = make_invoice(rng, has_qr=has_qr, n_lines=n_lines)
        else:
            inv = make_family_invoice(rng, family, has_qr=has_qr)
            if pages > 1 and family in ("form", "grid", "ambulatory"):
                extra = make_invoice(rng, has_qr=False, n_lines=8).lines
                for t in extra:
                    t.day = inv.lines[-1].day
                    if family in ("grid", "ambulatory"):  # more of the same services
                        t.tariff, t.text = inv.lines[-1].tariff, inv.lines[-1].text
                inv.lines += extra
                inv.gross = inv.subtotal = sum((t.amount for t in inv.lines), Decimal("0"))
                inv.total = inv.gross - inv.paid
            elif family not in ("form", "grid", "ambulatory", "refund_form"):
                pages = 1
        pdf = render_family(inv, rng, force_pages=pages)
        data, ext = degrade(pdf, kind, rng, inv)
        name = f"{i:03d}-{kind}.{ext}"
        (out / name).write_bytes(data)
        truth = {
            "file": name,
            "degradation": kind,
            "family": family,
            "seed": seed,
            "lang": inv.lang,
            "has_qr": inv.has_qr,
            "pages": pages if ext == "pdf" else 1,
            "fields": inv.truth(),
        }
        tpath = out / f"{i:03d}-{kind}.json"
        tpath.write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        written.append(tpath)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--count", type=int, default=24)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--kinds", default="", help="comma-separated subset of " + ",".join(DEGRADATIONS)
    )
    ap.add_argument(
        "--families", default="classic",
        help="comma-separated layout families of " + ",".join(FAMILIES) + " or 'all'",
    )
    args = ap.parse_args(argv)
    kinds = [k for k in args.kinds.split(",") if k] or None
    families = FAMILIES if args.families == "all" else [f for f in args.families.split(",") if f]
    for p in generate(args.out, args.count, args.seed, kinds, families):
        print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
