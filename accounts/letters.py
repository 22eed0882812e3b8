"""The activation letter as a PDF for the print shop (A4, window envelope)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

if TYPE_CHECKING:
    from accounts.models import DelayedPasswordReset, User


def _letter(path: Path, user: User, *, title: str, heading: str, lines: list[str]) -> None:
    """One A4 page: the sender, the address in the envelope's window, a heading, the text."""
    customer = user.customer
    holder = customer.policy_holder
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setTitle(title)
    _width, height = A4
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawString(20 * mm, height - 25 * mm, "KPT")
    pdf.setFont("Helvetica", 11)
    address = [f"{holder.first_name} {holder.last_name}" if holder else "",
               customer.street, f"{customer.postcode} {customer.locality}"]
    for line_no, line in enumerate(address):
        pdf.drawString(120 * mm, height - 50 * mm - line_no * 6 * mm, line)
    y = height - 95 * mm
    pdf.setFont("Helvetica-Bold", 13)
    pdf.drawString(20 * mm, y, heading)
    pdf.setFont("Helvetica", 11)
    for line in lines:
        y -= 7 * mm
        pdf.drawString(20 * mm, y, line)
    pdf.showPage()
    pdf.save()


def render_activation_letter(path: Path, user: User, code: str, *,
                             valid_until: datetime) -> None:
    with translation.override(user.customer.language):
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
        _letter(path, user, title=_("Votre contrat online KPT"),
                heading=_("Votre contrat online pour le portail clients KPT"), lines=lines)


def render_reset_notice(path: Path, reset: DelayedPasswordReset) -> None:
    """The letter that announces a delayed new password (``accounts.delayed_reset``)."""
    user = reset.account
    with translation.override(user.customer.language):
        when = timezone.localtime(reset.effective_at)
        lines = [
            _("Un nouveau mot de passe a été demandé le %(date)s pour votre contrat online "
              "%(contract)s.") % {
                "date": formats.date_format(timezone.localtime(reset.requested_at),
                                            "SHORT_DATE_FORMAT"),
                "contract": user.get_username()},
            _("Il remplace votre mot de passe actuel dès le %(date)s à %(time)s.") % {
                "date": formats.date_format(when, "SHORT_DATE_FORMAT"),
                "time": formats.time_format(when, "H:i")},
            "",
            _("Si c'était vous, vous n'avez rien à faire."),
            _("Si ce n'était pas vous, contactez-nous sans attendre: par le formulaire"),
            _("« Problèmes de connexion » du portail ou auprès de votre conseiller·ère."),
            _("Nous annulons la demande et vérifions votre numéro de mobile avec vous."),
        ]
        _letter(path, user, title=_("Nouveau mot de passe pour votre contrat online KPT"),
                heading=_("Nouveau mot de passe pour votre contrat online"), lines=lines)
