"""What accounts writes to the audit log, and how the customer reads it."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.describing import Description, describer
from audit.kinds import Topic, register
from audit.models import AuditEvent

LOGIN = register("accounts", "login", gettext_lazy("Connexion"), topic=Topic.SECURITY)
LOGIN_FAILED = register("accounts", "login_failed", gettext_lazy("Échec de connexion"),
                        topic=Topic.SECURITY)
LOCKOUT = register("accounts", "lockout", gettext_lazy("Blocage"), topic=Topic.SECURITY)
UNLOCK = register("accounts", "unlock", gettext_lazy("Déblocage"), topic=Topic.SECURITY)
LOGOUT = register("accounts", "logout", gettext_lazy("Déconnexion"), topic=Topic.SECURITY)
CODE_FAILED = register("accounts", "code_failed", gettext_lazy("Code erroné"), topic=Topic.SECURITY)
PASSWORD_CHANGED = register("accounts", "password_changed",
                            gettext_lazy("Mot de passe modifié"), topic=Topic.SECURITY)
PASSWORD_RESET_PENDING = register("accounts", "password_reset_pending",
                                  gettext_lazy("Nouveau mot de passe demandé (en attente)"),
                                  topic=Topic.SECURITY)
PASSWORD_RESET_CANCELLED = register("accounts", "password_reset_cancelled",
                                    gettext_lazy("Nouveau mot de passe en attente annulé"),
                                    topic=Topic.SECURITY)
PHONE_CHANGED = register("accounts", "phone_changed", gettext_lazy("Numéro de mobile modifié"),
                         topic=Topic.SECURITY)
PAYOUT_CHANGED = register("accounts", "payout_changed",
                          gettext_lazy("Compte de versement modifié"), topic=Topic.SECURITY)
SECOND_FACTOR_CHANGED = register("accounts", "second_factor_changed",
                                 gettext_lazy("Deuxième facteur modifié"), topic=Topic.SECURITY)
PROFILE_CHANGED = register("accounts", "profile_changed", gettext_lazy("Profil modifié"))
REGISTRATION = register("accounts", "registration", gettext_lazy("Inscription"))
# Internal bookkeeping, not shown on the customer's activity page.
CODE_SENT = register("accounts", "code_sent", gettext_lazy("Code envoyé"),
                     shown_to_customer=False, topic=Topic.SECURITY)
SMS_FAILED = register("accounts", "sms_failed", gettext_lazy("Échec d'envoi SMS"),
                      shown_to_customer=False, topic=Topic.SECURITY)
ACCOUNT_CREATED = register("accounts", "account_created", gettext_lazy("Contrat online créé"),
                           shown_to_customer=False)
ADVISOR_ASSIGNED = register("accounts", "advisor_assigned",
                            gettext_lazy("Conseiller·ère du client changé·e"),
                            shown_to_customer=False)

FIELD_LABELS = {
    "address": gettext_lazy("adresse"),
    "email": gettext_lazy("e-mail"),
    "landline_phone": gettext_lazy("téléphone fixe"),
    "language": gettext_lazy("langue"),
    "correspondence": gettext_lazy("correspondance"),
    "notify_channel": gettext_lazy("notifications"),
}

PASSKEY_CHANGES = {
    "passkey_added": gettext_lazy("Clé d'accès ajoutée: %(name)s"),
    "passkey_renamed": gettext_lazy("Clé d'accès renommée: %(name)s"),
    "passkey_removed": gettext_lazy("Clé d'accès retirée: %(name)s"),
}


@describer("accounts")
def describe(event: AuditEvent) -> Description | None:
    detail = event.detail or {}
    kind = event.kind
    if kind == PROFILE_CHANGED:
        fields = [str(FIELD_LABELS.get(name, name)) for name in detail.get("fields", [])]
        if fields:
            return Description(_("Profil modifié: %(fields)s") % {"fields": ", ".join(fields)})
    elif kind == PHONE_CHANGED and detail.get("new"):
        return Description(_("Numéro de mobile modifié (nouveau: %(number)s)")
                           % {"number": detail["new"]})
    elif kind == PAYOUT_CHANGED and detail.get("new"):
        return Description(_("Compte de versement modifié (nouveau: %(account)s)")
                           % {"account": detail["new"]})
    elif kind == LOGOUT and detail.get("other_sessions"):
        return Description(_("Déconnexion des autres appareils"))
    elif kind == LOGOUT and detail.get("reason") == "password_rechecks":
        return Description(_("Déconnexion: mot de passe mal saisi trop souvent"))
    elif kind == CODE_FAILED and detail.get("method") == "passkey":
        return Description(_("Clé d'accès refusée à la connexion"))
    elif kind == CODE_FAILED:
        return Description(_("Code SMS erroné saisi"))
    elif kind == LOGIN and detail.get("method") == "passkey":
        return Description(_("Connexion avec une clé d'accès"))
    elif kind == SECOND_FACTOR_CHANGED and detail.get("change") in PASSKEY_CHANGES:
        return Description(PASSKEY_CHANGES[detail["change"]] % {"name": detail.get("passkey", "")})
    elif kind in (LOGIN_FAILED, LOCKOUT) and not detail.get("purpose") \
            and event.actor_id is None:
        # Typed at the login with this contract number: not necessarily the customer.
        return Description(event.kind_label, who=_("Quelqu'un avec votre numéro de contrat"))
    return None
