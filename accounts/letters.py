"""The activation letter as a PDF for the print shop (A4, window envelope)."""

from datetime import datetime
from pathlib import Path

from django.utils import formats, translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas


def render_activation_letter(path: Path, user, code: str, *, valid_until: datetime) -> None:
    customer = user.customer
    holder = customer.policy_holder
    with translation.override(customer.language):
        pdf = canvas.Canvas(str(path), pagesize=A4)
        pdf.setTitle(_("Votre contrat online KPT"))
        width, height = A4
        pdf.setFont("Helvetica-Bold", 14)
        pdf.drawString(20 * mm, height - 25 * mm, "KPT")
        pdf.setFont("Helvetica", 11)
        address = [f"{holder.first_name} {holder.last_name}" if holder else "",
                   customer.street, f"{customer.postcode} {customer.locality}"]
        for line_no, line in enumerate(address):
            pdf.drawString(120 * mm, height - 50 * mm - line_no * 6 * mm, line)
        y = height - 95 * mm
        pdf.setFont("Helvetica-Bold", 13)
        pdf.drawString(20 * mm, y, _("Votre contrat online pour le portail clients KPT"))
        pdf.setFont("Helvetica", 11)
        lines = [
            _("Vous avez demandé l'accès au portail clients. Voici vos données d'activation:"),
            "",
            _("Numéro de contrat online: %(contract)s") % {"contract": user.username},
            _("Code d'activation: %(code)s") % {"code": code},
            _("Valable jusqu'au %(date)s") % {
                "date": formats.date_format(valid_until, "SHORT_DATE_FORMAT")},
            "",
            _("Rendez-vous sur le portail, rubrique « Activer mon accès », saisissez ces données,"),
            _("choisissez votre mot de passe et confirmez votre numéro de mobile par SMS."),
            _("Si vous n'avez pas fait cette demande, contactez-nous: le code reste inutilisé."),
        ]
        for line in lines:
            y -= 7 * mm
            pdf.drawString(20 * mm, y, line)
        pdf.showPage()
        pdf.save()
