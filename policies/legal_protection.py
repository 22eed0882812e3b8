"""The free internet legal protection every portal user's household gets (fictitious terms)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Customer

INSURED_SUM = Decimal("50000")
# The conditions shown on /insurance/ and printed on the certificate. Fictitious.
CONDITIONS = [
    gettext_lazy("Offerte à tous les ménages inscrits au portail clients, sans prime ni "
                 "franchise, tant que le compte online reste actif."),
    gettext_lazy("Couvre les litiges liés à internet: achats en ligne non livrés ou non "
                 "conformes, usurpation d'identité, atteinte à la réputation, utilisation "
                 "abusive de moyens de paiement."),
    gettext_lazy("Personnes assurées: toutes les personnes assurées du ménage."),
    gettext_lazy("Somme d'assurance: CHF 50'000 par cas, frais d'avocat et de justice compris; "
                 "valeur litigieuse minimale CHF 200."),
    gettext_lazy("Validité: en Suisse et pour les achats auprès de commerçants de l'UE/AELE; "
                 "litiges survenus après l'inscription au portail."),
    gettext_lazy("Exclusions: litiges professionnels, jeux d'argent, cryptomonnaies, "
                 "litiges entre personnes du même ménage."),
    gettext_lazy("Annonce d'un cas: par message à votre conseiller·ère dans le portail, "
                 "dans les 30 jours après la connaissance du litige."),
]


@dataclass(frozen=True)
class LegalProtection:
    customer: Customer
    valid_from: date

    @property
    def certificate_number(self) -> str:
        return f"RP-{self.customer.customer_number}"


def legal_protection_for(customer: Customer) -> LegalProtection | None:
    """The household's entitlement, or None when it is not registered on the portal."""
    if customer.portal_registered_at is None:
        return None
    return LegalProtection(customer=customer,
                           valid_from=timezone.localtime(customer.portal_registered_at).date())


def certificate_file_name(protection: LegalProtection) -> str:
    with translation.override(protection.customer.language):
        stem = _("attestation-protection-juridique")
    return f"{stem}-{protection.customer.customer_number}.pdf"


def certificate_pdf(protection: LegalProtection, *, issued_on: date | None = None) -> bytes:
    """An A4 certificate (reportlab) naming the household and the conditions.

    Written in the household's correspondence language, whatever language the portal is
    browsed in: it is a letter to the household, like everything the insurer sends.
    """
    with translation.override(protection.customer.language):
        return _certificate_pdf(protection, issued_on=issued_on)


def _certificate_pdf(protection: LegalProtection, *, issued_on: date | None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import ListFlowable, Paragraph, SimpleDocTemplate, Spacer, Table

    issued_on = issued_on or timezone.localdate()
    customer = protection.customer
    buffer = io.BytesIO()
    title = _("Attestation de protection juridique internet")
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=str(title), author="KPT",
                            leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=20 * mm, bottomMargin=20 * mm)
    styles = getSampleStyleSheet()
    holder = customer.policy_holder
    address = ", ".join(part for part in (customer.street,
                                          f"{customer.postcode} {customer.locality}".strip())
                        if part)
    persons = ", ".join(f"{p} ({p.birth_date:%d.%m.%Y})" for p in customer.insured_persons.all())
    rows = [
        [_("Numéro d'attestation"), protection.certificate_number],
        [_("Titulaire de la police"), str(holder or "")],
        [_("Adresse"), address],
        [_("Contrat online"), customer.account.username if customer.account else ""],
        [_("Personnes assurées"), Paragraph(persons, styles["BodyText"])],
        [_("Valable dès le"), f"{protection.valid_from:%d.%m.%Y}"],
        [_("Somme d'assurance"), "CHF 50'000"],
        [_("Établie le"), f"{issued_on:%d.%m.%Y}"],
    ]
    table = Table(rows, colWidths=[55 * mm, 115 * mm])
    table.setStyle([("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold"),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey)])
    story = [
        Paragraph("KPT", styles["Title"]),
        Paragraph(str(title), styles["Heading1"]),
        Paragraph(_("Offerte gratuitement aux utilisateurs du portail clients."),
                  styles["BodyText"]),
        Spacer(1, 6 * mm),
        table,
        Spacer(1, 6 * mm),
        Paragraph(_("Conditions"), styles["Heading2"]),
        ListFlowable([Paragraph(str(text), styles["BodyText"]) for text in CONDITIONS],
                     bulletType="bullet"),
    ]
    doc.build(story)
    return buffer.getvalue()
