"""The customer's own audit trail (/profile/activity/), in plain words.

``events_for(customer)`` selects what concerns the household: events on its login (failed
logins and lockouts typed with its contract number included) and on the household. ``describe``
turns one event into a sentence; secrets are never in the log, so nothing needs hiding.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Customer, SecurityEvent

Kind = SecurityEvent.Kind

# What the customer is shown; internal bookkeeping (codes sent, SMS failures) stays out.
SHOWN_KINDS = [
    Kind.LOGIN, Kind.LOGIN_FAILED, Kind.LOCKOUT, Kind.UNLOCK, Kind.LOGOUT, Kind.CODE_FAILED,
    Kind.PASSWORD_CHANGED, Kind.PHONE_CHANGED, Kind.SECOND_FACTOR_CHANGED,
    Kind.PROFILE_CHANGED, Kind.REGISTRATION, Kind.DOCUMENT_VIEWED, Kind.DOCUMENT_DOWNLOADED,
    Kind.DOCUMENT_PURGED, Kind.CLAIM_CHANGED, Kind.DATA_EXPORTED,
]


def events_for(customer: Customer) -> QuerySet[SecurityEvent]:
    """The household's events, newest first."""
    scope = Q(customer=customer)
    if customer.account_id is not None:
        # Failed logins and lockouts carry the account they were aimed at (accounts.signals).
        scope |= Q(user_id=customer.account_id)
    return (SecurityEvent.objects.filter(scope, kind__in=SHOWN_KINDS)
            .select_related("actor").order_by("-created_at", "-id"))


FIELD_LABELS = {
    "address": lambda: _("adresse"),
    "email": lambda: _("e-mail"),
    "landline_phone": lambda: _("téléphone fixe"),
    "language": lambda: _("langue"),
    "correspondence": lambda: _("correspondance"),
    "notify_channel": lambda: _("notifications"),
}


@dataclass(frozen=True)
class ActivityLine:
    event: SecurityEvent
    what: str
    who: str
    where: str


def _what(event: SecurityEvent) -> str:
    detail = event.detail or {}
    kind = event.kind
    if kind == Kind.DOCUMENT_VIEWED:
        if detail.get("claim"):
            return _("Page d'une demande de remboursement consultée")
        if detail.get("part") == "preview":
            return _("Aperçu d'un document affiché")
        return _("Document consulté")
    if kind == Kind.DOCUMENT_DOWNLOADED:
        if detail.get("document") == "legal_protection_certificate":
            return _("Attestation de protection juridique téléchargée")
        return _("Document téléchargé")
    if kind == Kind.PROFILE_CHANGED:
        fields = [FIELD_LABELS[f]() if f in FIELD_LABELS else str(f)
                  for f in detail.get("fields", [])]
        if fields:
            return _("Profil modifié: %(fields)s") % {"fields": ", ".join(fields)}
        return _("Profil modifié")
    if kind == Kind.CLAIM_CHANGED:
        change = detail.get("change")
        if change == "created":
            return _("Demande de remboursement envoyée")
        if change == "field":
            return _("Montant ou prestataire d'une demande corrigé")
        if change == "status":
            return _("Statut d'une demande de remboursement modifié")
    if kind == Kind.PHONE_CHANGED and detail.get("new"):
        return _("Numéro de mobile modifié (nouveau: %(number)s)") % {"number": detail["new"]}
    if kind == Kind.LOGOUT and detail.get("other_sessions"):
        return _("Déconnexion des autres appareils")
    if kind == Kind.CODE_FAILED:
        return _("Code SMS erroné saisi")
    return str(event.get_kind_display())


def _who(event: SecurityEvent) -> str:
    if event.actor_id is not None and event.actor_id != event.user_id:
        if event.actor and event.actor.is_staff:
            return _("Votre conseiller·ère KPT")
        return _("KPT")
    if event.kind == Kind.LOGIN_FAILED and (event.detail or {}).get("purpose"):
        return _("Vous")  # a wrong password when confirming a change, while logged in
    if event.kind in (Kind.LOGIN_FAILED, Kind.LOCKOUT):
        return _("Quelqu'un avec votre numéro de contrat")
    if event.user_id is None:
        return _("KPT")
    return _("Vous")


def _where(event: SecurityEvent) -> str:
    from accounts.models import PortalSession

    if event.actor_id is not None and event.actor_id != event.user_id:
        return _("Espace conseillers")
    device = PortalSession(user_agent=event.user_agent).device_label
    return device or (event.ip_address or "")


def describe(event: SecurityEvent) -> ActivityLine:
    return ActivityLine(event=event, what=_what(event), who=_who(event), where=_where(event))
