"""Canned answers: the advisors' usual replies, picked in the thread and edited before sending,
written in the customer's language."""

from django.utils import translation
from django.utils.translation import gettext_lazy as _

CANNED_ANSWERS = {
    "received": (_("Accusé de réception"),
                 _("Bonjour,\n\nMerci pour votre message. Nous l'avons bien reçu et vous "
                   "répondons dans les deux jours ouvrables.\n\nMeilleures salutations")),
    "send_invoice": (_("Envoyer la facture"),
                     _("Bonjour,\n\nEnvoyez-nous la facture (et l'ordonnance s'il y en a une) "
                       "via « Remboursements » dans le portail: une photo lisible suffit.\n\n"
                       "Meilleures salutations")),
    "claim_paid": (_("Remboursement effectué"),
                   _("Bonjour,\n\nNous avons remboursé votre facture: le décompte de "
                     "prestations se trouve dans vos documents.\n\nMeilleures salutations")),
    "call_back": (_("Rappel téléphonique"),
                  _("Bonjour,\n\nPour en parler de vive voix, nous vous rappelons volontiers: "
                    "indiquez-nous un moment qui vous convient.\n\nMeilleures salutations")),
}


def canned_choices() -> list[tuple[str, str]]:
    return [("", str(_("— aucune —"))),
            *((key, str(title)) for key, (title, _text) in CANNED_ANSWERS.items())]


def canned_text(key: str, language: str | None = None) -> str:
    """The answer's text in the customer's language (the advisor's when None)."""
    if key not in CANNED_ANSWERS:
        return ""
    if language is None:
        return str(CANNED_ANSWERS[key][1])
    with translation.override(language):
        return str(CANNED_ANSWERS[key][1])
