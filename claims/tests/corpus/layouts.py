"""Layout families of the development corpus, beyond the original ("classic") layout.

- ``form``: the standard Tiers garant / Tiers payant form with its two-column identification
  grid (one printed row carries an invoice field on the left and a patient field on the right);
- ``pharmacy``: a till-roll receipt (narrow page, medicine GTINs, VAT line, cash rounding);
- ``hospital``: a hospital or laboratory invoice (case number, stay or sampling dates, labels
  stacked above their values in a box, a long table);
- ``letter``: a therapist's letter-style invoice without a grid (city-date line, a sentence with
  the treatment period, the IBAN written in the text).

Each renderer takes an :class:`~claims.tests.corpus.generate.Invoice` and returns PDF bytes; the
distractors of the domain note are printed on purpose (treatment dates, birth date, deposit and
total versus amount due, insurer GLN, GTINs, AHV and card numbers, long-form dates).
"""

from __future__ import annotations

import glob
import io
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from stdnum import iban as stdnum_iban
from stdnum import iso11649
from stdnum.ch import esr

if TYPE_CHECKING:
    from .generate import Invoice

# ------------------------------------------------------------------------------ fonts

_BASE14 = [
    ("Helvetica", "Helvetica-Bold"),
    ("Times-Roman", "Times-Bold"),
    ("Courier", "Courier-Bold"),
]
_TTF_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", os.path.expanduser("~/.fonts"))
_ttf_pairs: list[tuple[str, str]] | None = None


def ttf_pairs() -> list[tuple[str, str]]:
    """(regular, bold) reportlab names of the TrueType families installed on this machine."""
    global _ttf_pairs
    if _ttf_pairs is not None:
        return _ttf_pairs
    files = sorted(
        p for d in _TTF_DIRS for p in glob.glob(os.path.join(d, "**", "*.ttf"), recursive=True)
    )
    by_name = {os.path.splitext(os.path.basename(p))[0]: p for p in files}
    pairs = []
    for name, path in sorted(by_name.items()):
        bold = by_name.get(f"{name}-Bold")
        if "-" in name or bold is None or "Math" in name:
            continue
        try:
            pdfmetrics.registerFont(TTFont(name, path))
            pdfmetrics.registerFont(TTFont(f"{name}-Bold", bold))
        except Exception:  # noqa: BLE001 - a broken font file is skipped
            continue
        pairs.append((name, f"{name}-Bold"))
    _ttf_pairs = pairs
    return pairs


def pick_fonts(rng: random.Random, *, mono: bool = False) -> tuple[str, str]:
    ttf = ttf_pairs()
    if mono:
        monos = [p for p in ttf if "Mono" in p[0]] + [("Courier", "Courier-Bold")]
        return rng.choice(monos)
    pool = [p for p in ttf if "Mono" not in p[0]] * 2 + _BASE14[:2]
    return rng.choice(pool)


# ------------------------------------------------------------------------------ words

W: dict[str, dict[str, Any]] = {
    "fr": dict(
        title_tg="Facture",
        title_tp="Copie pour le patient",
        mode_tg="Tiers garant",
        mode_tp="Tiers payant",
        page="Page",
        inv_no=["N° de facture", "Facture n°", "N° facture"],
        inv_date=["Date de facture", "Date facture", "Date"],
        gln=["GLN fournisseur", "GLN prestataire", "GLN facturant"],
        zsr="N° RCC",
        law="Loi",
        law_v="LAMal",
        reason="Motif",
        reason_v=["Maladie", "Accident", "Maternité"],
        period="Période",
        period_fmt="du {a} au {b}",
        patient=["Patient", "Patiente", "Nom du patient"],
        surname="Nom", given="Prénom", patient_both="Patient(e)",
        birth=["Date de naissance", "Né(e) le"],
        sex="Sexe",
        ahv="N° AVS",
        insurer="Assureur",
        gln_ins="GLN assureur",
        insured_no="N° d'assuré",
        card="N° de carte",
        head=["Date", "Tarif", "Code", "Prestation", "Qté", "PT", "VPT", "Montant"],
        subtotal_t="Total {t}",
        oblig="dont prestations obligatoires LAMal",
        total="Total",
        deposit="Acompte",
        due="Montant dû",
        vat_incl="dont TVA 2.6 %",
        payable="Payable dans les 30 jours",
        bank="Banque Cantonale Vaudoise",
        tp_note="Tiers payant : la facture a été transmise à votre assureur.",
        vat_no="N° TVA",
        remark="Remarque : merci de payer dans les délais.",
        carry="Report",
        salutation=["Madame,", "Monsieur,", "Madame, Monsieur,"],
        window=["Madame", "Monsieur"],
        concern="Concerne : facture n° {n}",
        body=(
            "Pour les séances de {what} de {who} (née le {b}) {period}, je me permets de vous "
            "facturer les prestations suivantes :"
        ),
        what=["physiothérapie", "psychothérapie", "ergothérapie", "diététique"],
        pay_text=(
            "Je vous remercie de verser le montant de {cur} {amt} dans les 30 jours sur mon "
            "compte IBAN {iban} ({bank})."
        ),
        tp_text="La facture est adressée directement à {ins} (tiers payant).",
        greet="Avec mes meilleures salutations.",
        city_date="{city}, le {date}",
        session="Séance",
        report="Rapport",
        case="N° de cas",
        stay="Séjour du {a} au {b}",
        admit="Date d'entrée",
        out="Date de sortie",
        sample="Prélèvement du {a}",
        prescriber="Médecin prescripteur",
        balance="Solde à payer",
        receipt="Quittance n°",
        pharm_date="Date",
        rx="Ordonnance du {a}",
        pharm_tax="Taxe de pharmacien (LOA)",
        paid_card="Payé par carte",
        thanks="Merci de votre visite",
        hospital="Hôpital régional de {c}",
        lab="Laboratoire {l} SA",
        dept=["Service de médecine interne", "Service d'orthopédie", "Analyses médicales"],
        pharmacy=["Pharmacie du Lac", "Pharmacie de la Gare", "Pharmacie {l}"],
        therapist=["Physiothérapie {f} {l}", "{f} {l}, psychologue FSP", "Ergothérapie {l}"],
        doc_spec=["Médecine générale FMH", "Médecine interne FMH", "Pédiatrie FMH"],
        drugs=["Dafalgan cpr 1 g", "Ibuprofen Sandoz 400 mg", "Pantoprazol Mepha 40 mg",
               "Amoxicilline 1000 mg", "Co-Amoxi Mepha 625 mg"],
        lab_items=["Hémogramme complet", "CRP", "Glucose", "Créatinine", "TSH", "Ferritine",
                   "Cholestérol total", "HbA1c", "Forfait de laboratoire"],
        hosp_items=["Forfait SwissDRG", "Supplément chambre", "Médicaments", "Radiologie",
                    "Physiothérapie hospitalière", "Honoraires médecin"],
    ),
    "de": dict(
        title_tg="Rechnung",
        title_tp="Rückforderungsbeleg",
        mode_tg="Tiers garant",
        mode_tp="Tiers payant",
        page="Seite",
        inv_no=["Rechnungsnummer", "Rechnungs-Nr.", "Rechnung Nr."],
        inv_date=["Rechnungsdatum", "Datum"],
        gln=["GLN Rechnungssteller", "GLN Leistungserbringer", "GLN-Nr. Leistungserbringer"],
        zsr="ZSR-Nr.",
        law="Gesetz",
        law_v="KVG",
        reason="Behandlungsgrund",
        reason_v=["Krankheit", "Unfall", "Mutterschaft"],
        period="Behandlung",
        period_fmt="vom {a} bis {b}",
        patient=["Patient", "Patientin", "Name Patient"],
        surname="Name", given="Vorname", patient_both="Patient(in)",
        birth=["Geburtsdatum", "geb."],
        sex="Geschlecht",
        ahv="AHV-Nr.",
        insurer="Versicherer",
        gln_ins="GLN Versicherer",
        insured_no="Versicherten-Nr.",
        card="Karten-Nr.",
        head=["Datum", "Tarif", "Code", "Leistung", "Anz.", "TP", "TPW", "Betrag"],
        subtotal_t="Total {t}",
        oblig="davon KVG-Pflichtleistungen",
        total="Total",
        deposit="Anzahlung",
        due="Fälliger Betrag",
        vat_incl="davon MWST 2.6 %",
        payable="Zahlbar innert 30 Tagen",
        bank="Zürcher Kantonalbank",
        tp_note="Tiers payant: Die Rechnung wurde Ihrem Versicherer zugestellt.",
        vat_no="MWST-Nr.",
        remark="Bemerkung: Besten Dank für die fristgerechte Zahlung.",
        carry="Übertrag",
        salutation=["Sehr geehrte Frau", "Sehr geehrter Herr", "Guten Tag"],
        window=["Frau", "Herr"],
        concern="Betreff: Rechnung Nr. {n}",
        body=(
            "Für die {what}-Behandlungen von {who} (geb. {b}) {period} erlaube ich mir, "
            "folgende Leistungen in Rechnung zu stellen:"
        ),
        what=["Physiotherapie", "Psychotherapie", "Ergotherapie", "Ernährungsberatung"],
        pay_text=(
            "Bitte überweisen Sie den Betrag von {cur} {amt} innert 30 Tagen auf mein Konto "
            "IBAN {iban} ({bank})."
        ),
        tp_text="Die Rechnung geht direkt an {ins} (Tiers payant).",
        greet="Freundliche Grüsse",
        city_date="{city}, {date}",
        session="Sitzung",
        report="Bericht",
        case="Fall-Nr.",
        stay="Aufenthalt vom {a} bis {b}",
        admit="Eintritt",
        out="Austritt",
        sample="Entnahme vom {a}",
        prescriber="Auftraggeber",
        balance="Zu bezahlen",
        receipt="Beleg Nr.",
        pharm_date="Datum",
        rx="Rezept vom {a}",
        pharm_tax="Apothekerleistung (LOA)",
        paid_card="Bezahlt mit Karte",
        thanks="Danke für Ihren Besuch",
        hospital="Regionalspital {c}",
        lab="Labor {l} AG",
        dept=["Medizinische Klinik", "Orthopädie", "Medizinische Analysen"],
        pharmacy=["Bahnhof-Apotheke", "See-Apotheke", "Apotheke {l}"],
        therapist=["Physiotherapie {f} {l}", "{f} {l}, Psychotherapeutin FSP", "Ergotherapie {l}"],
        doc_spec=["Allgemeine Innere Medizin FMH", "Kinder- und Jugendmedizin FMH"],
        drugs=["Dafalgan Tabl 1 g", "Ibuprofen Sandoz 400 mg", "Pantoprazol Mepha 40 mg",
               "Amoxicillin 1000 mg", "Co-Amoxi Mepha 625 mg"],
        lab_items=["Hämatogramm", "CRP", "Glukose", "Kreatinin", "TSH", "Ferritin",
                   "Cholesterin total", "HbA1c", "Präsenzdiagnostik Pauschale"],
        hosp_items=["SwissDRG Pauschale", "Zimmerzuschlag", "Medikamente", "Radiologie",
                    "Physiotherapie stationär", "Arzthonorar"],
    ),
    "it": dict(
        title_tg="Fattura",
        title_tp="Copia per il paziente",
        mode_tg="Tiers garant",
        mode_tp="Tiers payant",
        page="Pagina",
        inv_no=["Numero fattura", "Fattura n.", "N. fattura"],
        inv_date=["Data fattura", "Data della fattura", "Data"],
        gln=["GLN fornitore", "GLN prestatore", "GLN fatturante"],
        zsr="N. RCC",
        law="Legge",
        law_v="LAMal",
        reason="Motivo",
        reason_v=["Malattia", "Infortunio", "Maternità"],
        period="Periodo",
        period_fmt="dal {a} al {b}",
        patient=["Paziente", "Nome paziente"],
        surname="Cognome", given="Nome", patient_both="Paziente",
        birth=["Data di nascita", "Nato/a il"],
        sex="Sesso",
        ahv="N. AVS",
        insurer="Assicuratore",
        gln_ins="GLN assicuratore",
        insured_no="N. assicurato",
        card="N. tessera",
        head=["Data", "Tariffa", "Codice", "Prestazione", "Qtà", "PT", "VPT", "Importo"],
        subtotal_t="Totale {t}",
        oblig="di cui prestazioni obbligatorie LAMal",
        total="Totale",
        deposit="Acconto",
        due="Importo dovuto",
        vat_incl="di cui IVA 2.6 %",
        payable="Pagabile entro 30 giorni",
        bank="Banca dello Stato del Cantone Ticino",
        tp_note="Tiers payant: la fattura è stata trasmessa al suo assicuratore.",
        vat_no="N. IVA",
        remark="Osservazione: grazie per il pagamento puntuale.",
        carry="Riporto",
        salutation=["Gentile Signora,", "Egregio Signore,"],
        window=["Signora", "Signor"],
        concern="Oggetto: fattura n. {n}",
        body=(
            "Per le sedute di {what} di {who} (nata il {b}) {period} mi permetto di fatturarle "
            "le seguenti prestazioni:"
        ),
        what=["fisioterapia", "psicoterapia", "ergoterapia", "dietetica"],
        pay_text=(
            "La prego di versare l'importo di {cur} {amt} entro 30 giorni sul mio conto "
            "IBAN {iban} ({bank})."
        ),
        tp_text="La fattura è inviata direttamente a {ins} (tiers payant).",
        greet="Cordiali saluti",
        city_date="{city}, {date}",
        session="Seduta",
        report="Rapporto",
        case="N. caso",
        stay="Degenza dal {a} al {b}",
        admit="Data di entrata",
        out="Data di uscita",
        sample="Prelievo del {a}",
        prescriber="Medico prescrittore",
        balance="Saldo da pagare",
        receipt="Scontrino n.",
        pharm_date="Data",
        rx="Ricetta del {a}",
        pharm_tax="Tassa del farmacista (LOA)",
        paid_card="Pagato con carta",
        thanks="Grazie della visita",
        hospital="Ospedale regionale di {c}",
        lab="Laboratorio {l} SA",
        dept=["Servizio di medicina interna", "Ortopedia", "Analisi mediche"],
        pharmacy=["Farmacia del Lago", "Farmacia della Stazione", "Farmacia {l}"],
        therapist=["Fisioterapia {f} {l}", "{f} {l}, psicoterapeuta FSP", "Ergoterapia {l}"],
        doc_spec=["Medicina generale FMH", "Pediatria FMH"],
        drugs=["Dafalgan cpr 1 g", "Ibuprofen Sandoz 400 mg", "Pantoprazol Mepha 40 mg",
               "Amoxicillina 1000 mg", "Co-Amoxi Mepha 625 mg"],
        lab_items=["Emocromo completo", "PCR", "Glucosio", "Creatinina", "TSH", "Ferritina",
                   "Colesterolo totale", "HbA1c", "Forfait di laboratorio"],
        hosp_items=["Forfait SwissDRG", "Supplemento camera", "Medicamenti", "Radiologia",
                    "Fisioterapia ospedaliera", "Onorari medico"],
    ),
}


# ------------------------------------------------------------------------------ helpers


class Page:
    """A reportlab canvas with top-left millimetre coordinates and the invoice's fonts."""

    def __init__(self, c: canvas.Canvas, height: float, fonts: tuple[str, str]) -> None:
        self.c, self.h, self.fonts = c, height, fonts

    def text(self, x: float, y: float, s: str, size: float = 9, bold: bool = False,
             right: bool = False) -> None:
        self.c.setFont(self.fonts[1] if bold else self.fonts[0], size)
        if right:
            self.c.drawRightString(x * mm, self.h - y * mm, s)
        else:
            self.c.drawString(x * mm, self.h - y * mm, s)

    def hline(self, x0: float, x1: float, y: float) -> None:
        self.c.line(x0 * mm, self.h - y * mm, x1 * mm, self.h - y * mm)

    def box(self, x: float, y: float, w: float, h: float) -> None:
        self.c.rect(x * mm, self.h - (y + h) * mm, w * mm, h * mm)


@dataclass(frozen=True)
class Table:
    """A tariff table: its columns' left edges (the last one right-aligned), their headings,
    the carry-over's label and where it stands, where the table starts on a following page."""

    cols: list[float]
    head: list[str]
    carry: str
    carry_x: float
    next_top: float


def draw_totals(pg: Page, rows: list[tuple[str, str, bool]], y: float, *, x: float,
                step: float) -> float:
    """The totals block: each label from ``x``, its amount right-aligned at the margin, bold
    where asked; the height after it, a little space included."""
    for label, amount, bold in rows:
        pg.text(x, y, label, 9, bold=bold)
        pg.text(190, y, amount, 9, bold=bold, right=True)
        y += step
    return y + 2


def draw_table(pg: Page, inv: Invoice, table: Table, y: float,
               row: Callable[[Any], list[str]], *, letterhead: Callable[[int], None],
               amt: Callable[[Decimal], str], pages: int) -> float:
    """The invoice's lines under the table's heading, spread over ``pages`` pages with a
    carry-over at the foot of one page and the head of the next; the y under the last line."""
    last = len(table.cols) - 1

    def head(y: float) -> float:
        for i, (x, h) in enumerate(zip(table.cols, table.head, strict=True)):
            pg.text(x, y, h, 8, bold=True, right=i == last)
        pg.hline(20, 190, y + 1.5)
        return y + 5.5

    y = head(y)
    per_page = max(1, (len(inv.lines) + pages - 1) // pages)
    running = Decimal("0")
    page_no = 1
    for i, t in enumerate(inv.lines):
        if i and i % per_page == 0:
            pg.text(table.carry_x, y + 2, table.carry, 8.5, bold=True)
            pg.text(190, y + 2, amt(running), 8.5, bold=True, right=True)
            pg.c.showPage()
            page_no += 1
            letterhead(page_no)
            y = head(table.next_top)
            pg.text(table.carry_x, y, table.carry, 8.5)
            pg.text(190, y, amt(running), 8.5, right=True)
            y += 4.2
        for j, (x, v) in enumerate(zip(table.cols, row(t), strict=True)):
            pg.text(x, y, v, 8, right=j == last)
        running += t.amount
        y += 4.2
    return y


def draw_settlement(pg: Page, inv: Invoice, rng: random.Random, y: float,
                    w: dict[str, Any], amt: Callable[[Decimal], str]) -> None:
    """Total, then deposit and amount due (the amount due alone on half of the invoices
    without a deposit), then the tiers payant note or the payment line with the IBAN (always
    without a QR-bill, on three invoices in ten beside it) and the reference."""
    rows = [(f"{w['total']} {inv.currency}", amt(inv.gross), not inv.paid)]
    if inv.paid:
        rows.append((w["deposit"], "-" + amt(inv.paid), False))
        rows.append((f"{w['due']} {inv.currency}", amt(inv.total), True))
    elif rng.random() < 0.5:
        rows.append((f"{w['due']} {inv.currency}", amt(inv.total), True))
    y = draw_totals(pg, rows, y, x=115, step=4.8)
    if inv.mode == "TP":
        pg.text(20, y, w["tp_note"], 8.5)
    elif not inv.has_qr or rng.random() < 0.3:
        pg.text(20, y, f"{w['payable']} · IBAN {_iban_text(inv, rng)}", 8.5)
        if inv.reference:
            pg.text(20, y + 4.2, f"Ref. {_ref_text(inv)}", 8.5)


def _iban_text(inv: Invoice, rng: random.Random) -> str:
    return rng.choice([stdnum_iban.format(inv.iban), stdnum_iban.format(inv.iban), inv.iban])


def _ref_text(inv: Invoice) -> str:
    return esr.format(inv.reference) if inv.ref_type == "QRR" else iso11649.format(inv.reference)


def _new_canvas(size: tuple[float, float] = A4) -> tuple[io.BytesIO, canvas.Canvas]:
    buf = io.BytesIO()
    return buf, canvas.Canvas(buf, pagesize=size, invariant=1)


def _finish(buf: io.BytesIO, c: canvas.Canvas) -> bytes:
    c.showPage()
    c.save()
    return buf.getvalue()


# ------------------------------------------------------------------------------ standard form


def render_form(inv: Invoice, rng: random.Random, *, force_pages: int = 1) -> bytes:
    from .generate import FIRST, draw_payment_part, fmt_amount, fmt_date

    w = W[inv.lang]
    buf, c = _new_canvas()
    pg = Page(c, A4[1], inv.fonts)
    amt = lambda v: fmt_amount(v, inv.number_style)  # noqa: E731
    dt = lambda d: fmt_date(d, inv.date_style, inv.lang)  # noqa: E731
    num = lambda d: f"{d:%d.%m.%Y}"  # noqa: E731
    lab = {k: rng.choice(w[k]) for k in ("inv_no", "inv_date", "gln", "patient", "birth")}
    title = w["title_tg"] if inv.mode == "TG" else rng.choice([w["title_tg"], w["title_tp"]])

    def letterhead(page_no: int) -> None:
        pg.text(20, 18, inv.provider_name, 12, bold=True)
        pg.text(20, 23, inv.speciality, 8.5)
        pg.text(20, 27, inv.provider_street, 8.5)
        pg.text(20, 31, f"{inv.provider_city[0]} {inv.provider_city[1]}", 8.5)
        pg.text(20, 35, f"Tel. {inv.provider_phone}   Fax {inv.provider_fax}", 8.5)
        pg.text(120, 18, title, 14, bold=True)
        pg.text(120, 24, w["mode_tg"] if inv.mode == "TG" else w["mode_tp"], 9)
        pg.text(190, 24, f"{w['page']} {page_no}/{force_pages}", 8, right=True)

    # how the patient is named, drawn apart from the sample's other draws (which stay as
    # they were): one row, as the form's block does (family name, then first name), or one
    # label for both spellings; one invoice in five, a child's, goes to a parent
    style = random.Random(f"patient {inv.invoice_number}")
    first, family = inv.patient_name.split(" ", 1)
    patient_rows = [(lab["patient"], inv.patient_name)]
    pick = style.random()
    if pick < 0.25:
        patient_rows = [(w["surname"], family), (w["given"], first)]
    elif pick < 0.4:
        patient_rows = [(w["patient_both"], inv.patient_name)]
    addressee = inv.patient_name
    if style.random() < 0.2:
        parent = style.choice([n for n in FIRST[inv.lang] if n != first])
        addressee = f"{parent} {family}"

    letterhead(1)
    pg.text(120, 44, rng.choice(w["window"]), 10)
    pg.text(120, 49, addressee, 10)
    pg.text(120, 54, inv.patient_street, 10)
    pg.text(120, 59, f"{inv.patient_city[0]} {inv.patient_city[1]}", 10)

    period = w["period_fmt"].format(a=num(inv.lines[0].day), b=num(inv.lines[-1].day))
    if rng.random() < 0.5:
        period = f"{num(inv.lines[0].day)} - {num(inv.lines[-1].day)}"
    left = [
        (lab["inv_no"], inv.invoice_number),
        (lab["inv_date"], dt(inv.invoice_date)),
        (lab["gln"], inv.provider_gln),
        (w["zsr"], inv.zsr),
        (w["law"], w["law_v"]),
        (w["reason"], inv.reason),
        (w["period"], period),
    ]
    right = [
        *patient_rows,
        (lab["birth"], num(inv.patient_birth)),
        (w["sex"], inv.sex),
        (w["ahv"], inv.ahv),
        (w["insurer"], inv.insurer),
        (w["gln_ins"], inv.insurer_gln),
        (w["insured_no"], inv.insured_no),
        (w["card"], inv.card_no),
    ]
    # the right column's order varies, so the birth date sits beside different left rows
    head, tail = right[:len(patient_rows) + 1], right[len(patient_rows) + 1:]
    rng.shuffle(tail)
    right = head + tail if rng.random() < 0.5 else [tail[0], *head, *tail[1:]]
    y = 70

    def widest(rows: list[tuple[str, str]]) -> float:
        return max(pdfmetrics.stringWidth(k, inv.fonts[0], 8.5) for k, _v in rows) / mm

    # each column's values start a little after its longest label, as on the printed form
    vx = 20 + widest(left) + rng.uniform(3, 10)
    rx = max(vx + 55, 108.0)
    rvx = rx + widest(right) + rng.uniform(3, 8)
    for i in range(max(len(left), len(right))):
        if i < len(left):
            pg.text(20, y, left[i][0], 8.5)
            pg.text(vx, y, left[i][1], 8.5)
        if i < len(right):
            pg.text(rx, y, right[i][0], 8.5)
            pg.text(rvx, y, right[i][1], 8.5)
        y += 4.4
    y += 4
    table = Table(cols=[20, 38, 50, 72, 140, 150, 163, 190], head=w["head"], carry=w["carry"],
                  carry_x=140, next_top=48)
    y = draw_table(pg, inv, table, y, lambda t: [
        num(t.day), t.tariff, t.code, t.text[:36], str(t.qty), f"{t.tp:.2f}", f"{t.vpt:.2f}",
        f"{t.amount:.2f}"], letterhead=letterhead, amt=amt, pages=force_pages)
    pg.hline(20, 190, y - 2)
    y += 3
    rows: list[tuple[str, str, bool]] = []
    by_tariff: dict[str, Decimal] = {}
    for t in inv.lines:
        by_tariff[t.tariff] = by_tariff.get(t.tariff, Decimal("0")) + t.amount
    for tariff, sub in sorted(by_tariff.items()):
        rows.append((w["subtotal_t"].format(t=TARIFF_NAMES.get(tariff, tariff)), amt(sub), False))
    rows.append((w["oblig"], amt(inv.gross), False))
    rows.append((f"{w['total']} {inv.currency}", amt(inv.gross), True))
    if inv.paid:
        rows.append((w["deposit"], "-" + amt(inv.paid), False))
    if inv.paid or rng.random() < 0.6:
        rows.append((f"{w['due']} {inv.currency}", amt(inv.total), True))
    y = draw_totals(pg, rows, y, x=110, step=4.6)
    if inv.mode == "TP":
        pg.text(20, y, w["tp_note"], 8.5)
    elif not inv.has_qr or rng.random() < 0.4:
        pg.text(20, y, f"{w['payable']}. {w['bank']}", 8.5)
        pg.text(20, y + 4.2, f"IBAN {_iban_text(inv, rng)}", 8.5)
        if inv.reference:
            pg.text(20, y + 8.4, _ref_text(inv), 8.5)
    if inv.has_qr:
        draw_payment_part(c, inv)
    else:
        pg.text(20, 282, f"{w['remark']}   {w['vat_no']} {inv.vat_no}", 7)
    return _finish(buf, c)


TARIFF_NAMES = {"007": "TARDOC", "312": "Physiothérapie", "317": "Analyses", "400": "Médicaments",
                "402": "LOA", "001": "TARMED", "590": "EMR"}


# ------------------------------------------------------------------------------ pharmacy


def render_pharmacy(inv: Invoice, rng: random.Random, *, force_pages: int = 1) -> bytes:
    from .generate import fmt_amount

    w = W[inv.lang]
    width = 80 * mm
    height = (120 + 6 * len(inv.lines)) * mm
    buf, c = _new_canvas((width, height))
    pg = Page(c, height, inv.fonts)
    amt = lambda v: fmt_amount(v, "plain")  # noqa: E731
    num = lambda d: f"{d:%d.%m.%Y}"  # noqa: E731
    y = 10.0

    def line(s: str, size: float = 8, bold: bool = False, right: str | None = None) -> None:
        nonlocal y
        pg.text(5, y, s, size, bold=bold)
        if right is not None:
            pg.text(75, y, right, size, bold=bold, right=True)
        y += size * 0.5

    line(inv.provider_name.upper(), 10, bold=True)
    line(inv.provider_street)
    line(f"{inv.provider_city[0]} {inv.provider_city[1]}")
    line(f"Tel. {inv.provider_phone}")
    line(f"GLN {inv.provider_gln}")
    line("-" * 40)
    line(f"{w['receipt']} {inv.invoice_number}")
    when = f"{inv.invoice_date:%d.%m.%Y} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}"
    line(f"{w['pharm_date']}: {when}" if rng.random() < 0.6 else when)
    line(w["rx"].format(a=num(inv.lines[0].day)) + f"  {inv.prescriber}")
    line(f"{W[inv.lang]['patient'][0]}: {inv.patient_name}")
    line(f"{W[inv.lang]['birth'][0]}: {num(inv.patient_birth)}")
    line(f"{w['insurer']}: {inv.insurer}")
    line(f"{w['card']} {inv.card_no}")
    line("-" * 40)
    for t in inv.lines:
        line(t.text[:30], right=amt(t.amount))
        line(f"  {t.code}  {t.qty} x {amt(t.amount / t.qty)}")
    line("-" * 40)
    line(f"{w['total']} {inv.currency}", 10, bold=True, right=amt(inv.total))
    vat = (inv.total * Decimal("2.6") / Decimal("102.6")).quantize(Decimal("0.01"))
    line(w["vat_incl"], right=amt(vat))
    line(w["paid_card"], right=amt(inv.total))
    line("")
    line(f"{w['vat_no']} {inv.vat_no}")
    line(w["thanks"])
    return _finish(buf, c)


# ------------------------------------------------------------------------------ hospital / lab


def render_hospital(inv: Invoice, rng: random.Random, *, force_pages: int = 1) -> bytes:
    from .generate import draw_payment_part, fmt_amount, fmt_date

    w = W[inv.lang]
    buf, c = _new_canvas()
    pg = Page(c, A4[1], inv.fonts)
    amt = lambda v: fmt_amount(v, inv.number_style)  # noqa: E731
    dt = lambda d: fmt_date(d, inv.date_style, inv.lang)  # noqa: E731
    num = lambda d: f"{d:%d.%m.%Y}"  # noqa: E731
    lab = {k: rng.choice(w[k]) for k in ("inv_no", "inv_date", "gln", "patient", "birth")}
    # logo: a filled square with initials
    c.rect(20 * mm, A4[1] - 26 * mm, 12 * mm, 12 * mm, fill=1)
    pg.text(36, 18, inv.provider_name, 12, bold=True)
    pg.text(36, 23, inv.speciality, 8.5)
    pg.text(36, 27, f"{inv.provider_street}, {inv.provider_city[0]} {inv.provider_city[1]}", 8)
    pg.text(36, 31, f"Tel. {inv.provider_phone}  ·  GLN {inv.provider_gln}", 8)
    # the right box: labels stacked above their values
    pg.box(128, 38, 62, 40)
    pg.text(131, 44, w["title_tg"].upper(), 12, bold=True)
    box = [(lab["inv_no"], inv.invoice_number), (lab["inv_date"], dt(inv.invoice_date)),
           (w["case"], inv.case_no)]
    if rng.random() < 0.5:
        box[1], box[2] = box[2], box[1]
    y = 50.0
    for k, v in box:
        pg.text(131, y, k, 7)
        pg.text(131, y + 3.6, v, 9, bold=True)
        y += 9
    # patient and insurer on the left
    pg.text(20, 44, rng.choice(w["window"]), 10)
    pg.text(20, 49, inv.patient_name, 10)
    pg.text(20, 54, inv.patient_street, 10)
    pg.text(20, 59, f"{inv.patient_city[0]} {inv.patient_city[1]}", 10)
    y = 86.0
    first, last = inv.lines[0].day, inv.lines[-1].day
    facts = [
        f"{lab['patient']}: {inv.patient_name}   {lab['birth']}: {num(inv.patient_birth)}",
        f"{w['ahv']}: {inv.ahv}   {w['insurer']}: {inv.insurer}   "
        f"{w['gln_ins']}: {inv.insurer_gln}",
    ]
    if inv.kind == "lab":
        facts.append(w["sample"].format(a=num(first)) + f"   {w['prescriber']}: {inv.prescriber}")
    else:
        facts.append(w["stay"].format(a=num(first), b=num(last)))
        facts.append(f"{w['admit']}: {num(first)}   {w['out']}: {num(last)}")
    for f in facts:
        pg.text(20, y, f, 8.5)
        y += 4.4
    y += 4
    cols = [20, 40, 60, 150, 190]
    heads = [w["head"][0], w["head"][1], w["head"][3], w["head"][4], w["head"][7]]
    for i, (x, h) in enumerate(zip(cols, heads, strict=True)):
        pg.text(x, y, h, 8, bold=True, right=i == 4)
    pg.hline(20, 190, y + 1.5)
    y += 5.5
    for t in inv.lines:
        vals = [num(t.day), f"{t.tariff} {t.code}", t.text[:44], str(t.qty), amt(t.amount)]
        for j, (x, v) in enumerate(zip(cols, vals, strict=True)):
            pg.text(x, y, v, 8, right=j == 4)
        y += 4.0
    pg.hline(20, 190, y - 2)
    y += 3
    rows = [(f"{w['total']} {inv.currency}", amt(inv.gross), False)]
    if inv.paid:
        rows.append((w["deposit"], "-" + amt(inv.paid), False))
    rows.append((rng.choice([w["due"], w["balance"]]) + f" {inv.currency}", amt(inv.total), True))
    y = draw_totals(pg, rows, y, x=120, step=4.8)
    if inv.mode == "TP":
        pg.text(20, y, w["tp_note"], 8.5)
    elif not inv.has_qr:
        pg.text(20, y, f"{w['payable']} · IBAN {_iban_text(inv, rng)}", 8.5)
        if inv.reference:
            pg.text(20, y + 4.4, f"Ref. {_ref_text(inv)}", 8.5)
    if inv.has_qr:
        draw_payment_part(c, inv)
    else:
        pg.text(20, 284, f"{w['vat_no']} {inv.vat_no}", 7)
    return _finish(buf, c)


# ------------------------------------------------------------------------------ therapist letter


# The QR-bill's payment part takes the lowest 105 mm of the page: a letter's footer (8 pt)
# ends above its cut line, and the signature leaves room for it.
_FOOTER_QR = 188.0


@dataclass(frozen=True)
class _LetterSpacing:
    """Where a letter's body starts and how far apart its lines and closing are (mm)."""

    top: float = 0.0  # shift of everything from the city-date line down
    line: float = 4.8  # one service line
    greet: float = 8.0  # the payment sentence to the greeting
    sign: float = 14.0  # the greeting to the signature


# a letter too long for its page above the payment part: set closer
_TIGHT = _LetterSpacing(top=-11.0, line=4.3, greet=6.0, sign=9.0)


def render_letter(inv: Invoice, rng: random.Random, *, force_pages: int = 1) -> bytes:
    """A letter whose signature, then its footer (GLN, ZSR), stand above the payment part; a
    letter too long for that is set closer (drawn once unseen to measure it, the same random
    choices then drawn for real)."""
    from .generate import draw_payment_part

    state = rng.getstate()
    spacing = _LetterSpacing()
    if inv.has_qr:
        _dry, dry_canvas = _new_canvas()
        signature = _draw_letter(Page(dry_canvas, A4[1], inv.fonts), inv, rng, spacing)
        if signature + 6 > _FOOTER_QR:
            spacing = _TIGHT
        rng.setstate(state)
    buf, c = _new_canvas()
    pg = Page(c, A4[1], inv.fonts)
    signature = _draw_letter(pg, inv, rng, spacing)
    w = W[inv.lang]
    footer = f"GLN {inv.provider_gln} · {w['zsr']} {inv.zsr}"
    if inv.has_qr:
        pg.text(20, max(_FOOTER_QR, signature + 6), footer, 8)
        draw_payment_part(c, inv)
    else:
        pg.text(20, 284, footer, 8)
    return _finish(buf, c)


def _draw_letter(pg: Page, inv: Invoice, rng: random.Random, sp: _LetterSpacing) -> float:
    """The letter above its footer; the signature's height."""
    from .generate import fmt_amount, fmt_date

    w = W[inv.lang]
    c = pg.c
    amt = lambda v: fmt_amount(v, inv.number_style)  # noqa: E731
    num = lambda d: f"{d:%d.%m.%Y}"  # noqa: E731
    centre = rng.random() < 0.5
    if centre:
        c.setFont(inv.fonts[1], 13)
        c.drawCentredString(A4[0] / 2, A4[1] - 18 * mm, inv.provider_name)
        c.setFont(inv.fonts[0], 8.5)
        c.drawCentredString(
            A4[0] / 2, A4[1] - 23 * mm,
            f"{inv.provider_street} · {inv.provider_city[0]} {inv.provider_city[1]} · "
            f"Tel. {inv.provider_phone}",
        )
    else:
        pg.text(20, 18, inv.provider_name, 12, bold=True)
        pg.text(20, 23, inv.provider_street, 9)
        pg.text(20, 27, f"{inv.provider_city[0]} {inv.provider_city[1]}", 9)
        pg.text(20, 31, f"Tel. {inv.provider_phone}", 9)
    pg.text(115, 45, rng.choice(w["window"]), 10)
    pg.text(115, 50, inv.patient_name, 10)
    pg.text(115, 55, inv.patient_street, 10)
    pg.text(115, 60, f"{inv.patient_city[0]} {inv.patient_city[1]}", 10)
    date_text = fmt_date(inv.invoice_date, rng.choice(["long", "long", "numeric"]), inv.lang)
    pg.text(115, 74 + sp.top, w["city_date"].format(city=inv.provider_city[1], date=date_text), 10)
    pg.text(20, 86 + sp.top, w["concern"].format(n=inv.invoice_number), 10, bold=True)
    pg.text(20, 96 + sp.top, rng.choice(w["salutation"]), 10)
    first, last = inv.lines[0].day, inv.lines[-1].day
    body = w["body"].format(
        what=rng.choice(w["what"]), who=inv.patient_name, b=num(inv.patient_birth),
        period=w["period_fmt"].format(a=num(first), b=num(last)),
    )
    y = _paragraph(pg, body, 20, 104 + sp.top, 170, 10)
    y += 4
    for t in inv.lines:
        pg.text(25, y, num(t.day), 9.5)
        pg.text(50, y, t.text[:50], 9.5)
        pg.text(185, y, amt(t.amount), 9.5, right=True)
        y += sp.line
    pg.hline(25, 185, y - 2.5)
    y += 2
    pg.text(50, y, f"{w['total']} {inv.currency}", 10, bold=not inv.paid)
    pg.text(185, y, amt(inv.gross), 10, bold=not inv.paid, right=True)
    y += 5
    if inv.paid:
        deposit_day = inv.invoice_date - timedelta(days=rng.randint(5, 20))
        pg.text(50, y, f"{w['deposit']} {num(deposit_day)}", 10)
        pg.text(185, y, "-" + amt(inv.paid), 10, right=True)
        y += 5
        pg.text(50, y, f"{w['balance']} {inv.currency}", 10, bold=True)
        pg.text(185, y, amt(inv.total), 10, bold=True, right=True)
        y += 5
    y += 5
    if inv.mode == "TP":
        text = w["tp_text"].format(ins=inv.insurer)
    else:
        text = w["pay_text"].format(cur=inv.currency, amt=amt(inv.total),
                                    iban=_iban_text(inv, rng), bank=w["bank"])
        if inv.reference:
            text += f" Ref. {_ref_text(inv)}"
    y = _paragraph(pg, text, 20, y, 170, 10)
    pg.text(20, y + sp.greet, w["greet"], 10)
    pg.text(20, y + sp.greet + sp.sign, inv.provider_name, 10)
    return y + sp.greet + sp.sign


def _paragraph(pg: Page, text: str, x: float, y: float, width: float, size: float) -> float:
    words = text.split()
    line: list[str] = []
    for word in words:
        trial = " ".join([*line, word])
        if pdfmetrics.stringWidth(trial, pg.fonts[0], size) > width * mm and line:
            pg.text(x, y, " ".join(line), size)
            y += size * 0.48
            line = [word]
        else:
            line.append(word)
    if line:
        pg.text(x, y, " ".join(line), size)
        y += size * 0.48
    return y


RENDERERS: dict[str, Callable[..., bytes]] = {
    "form": render_form,
    "pharmacy": render_pharmacy,
    "hospital": render_hospital,
    "letter": render_letter,
}
