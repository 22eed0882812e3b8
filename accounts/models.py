"""Logins, the households they belong to, and the security audit log."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A login: a customer's online contract (username ``KPT`` + 8 digits) or an advisor.

    Customers reach their household through ``user.customer``; advisors are staff.
    """

    mobile_phone = models.CharField(
        _("téléphone mobile"), max_length=20, blank=True,
        help_text=_("Format international E.164, p. ex. +41790000001."),
    )
    language = models.CharField(
        _("langue"), max_length=2, choices=settings.LANGUAGES, default="fr"
    )

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")

    @property
    def is_customer(self) -> bool:
        return hasattr(self, "customer")


class Correspondence(models.TextChoices):
    ONLINE = "online", _("Uniquement en ligne")
    POST = "post", _("Par la poste")


class Customer(models.Model):
    """A policy holder and their household, as the core system knows them."""

    customer_number = models.CharField(_("numéro de client"), max_length=12, unique=True)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="customer", verbose_name=_("contrat online"),
    )
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="advised_customers", limit_choices_to={"is_staff": True},
        verbose_name=_("conseiller·ère"),
    )
    street = models.CharField(_("rue et numéro"), max_length=120, blank=True)
    postcode = models.CharField(_("NPA"), max_length=4, blank=True)
    locality = models.CharField(_("localité"), max_length=80, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    landline_phone = models.CharField(_("téléphone fixe"), max_length=20, blank=True)
    language = models.CharField(
        _("langue de correspondance"), max_length=2, choices=settings.LANGUAGES, default="fr"
    )
    correspondence = models.CharField(
        _("correspondance"), max_length=6, choices=Correspondence.choices,
        default=Correspondence.POST,
    )
    portal_registered_at = models.DateTimeField(_("inscrit au portail le"), null=True, blank=True)
    notifications_opt_out = models.BooleanField(
        _("pas de notification de nouveautés"), default=False,
        help_text=_("Le client ne souhaite recevoir ni SMS ni e-mail annonçant du nouveau."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")

    def __str__(self) -> str:
        holder = self.policy_holder
        return f"{self.customer_number} {holder}" if holder else self.customer_number

    @property
    def policy_holder(self) -> "InsuredPerson | None":
        for person in self.insured_persons.all():
            if person.is_policy_holder:
                return person
        return None


class InsuredPerson(models.Model):
    """Someone insured in a household: the policy holder, a partner, a child."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="insured_persons",
        verbose_name=_("client"),
    )
    insured_number = models.CharField(_("numéro d'assuré"), max_length=12, unique=True)
    first_name = models.CharField(_("prénom"), max_length=80)
    last_name = models.CharField(_("nom"), max_length=80)
    birth_date = models.DateField(_("date de naissance"))
    is_policy_holder = models.BooleanField(_("preneur d'assurance"), default=False)

    class Meta:
        verbose_name = _("personne assurée")
        verbose_name_plural = _("personnes assurées")
        ordering = ["-is_policy_holder", "birth_date", "id"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


class SecurityEvent(models.Model):
    """One line of the audit log: who did what, when, from where. Never a secret."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Connexion")
        LOGIN_FAILED = "login_failed", _("Échec de connexion")
        LOCKOUT = "lockout", _("Blocage")
        UNLOCK = "unlock", _("Déblocage")
        LOGOUT = "logout", _("Déconnexion")
        CODE_SENT = "code_sent", _("Code envoyé")
        CODE_FAILED = "code_failed", _("Code erroné")
        PASSWORD_CHANGED = "password_changed", _("Mot de passe modifié")
        PHONE_CHANGED = "phone_changed", _("Numéro de mobile modifié")
        SECOND_FACTOR_CHANGED = "second_factor_changed", _("Deuxième facteur modifié")
        PROFILE_CHANGED = "profile_changed", _("Profil modifié")
        REGISTRATION = "registration", _("Inscription")
        DOCUMENT_VIEWED = "document_viewed", _("Document consulté")
        DOCUMENT_DOWNLOADED = "document_downloaded", _("Document téléchargé")
        DOCUMENT_PURGED = "document_purged", _("Document supprimé après rétention")
        CLAIM_CHANGED = "claim_changed", _("Demande de remboursement modifiée")
        DATA_EXPORTED = "data_exported", _("Données exportées")

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="security_events", help_text=_("Le compte concerné."),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text=_("Qui a agi, si ce n'est pas le titulaire (conseiller)."),
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True, help_text=_("Tel que saisi."))
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("événement de sécurité")
        verbose_name_plural = _("journal de sécurité")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["customer", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")


# --- Profile (issue 6): preference history, pending address changes, tracked sessions ---


class CorrespondenceChange(models.Model):
    """Each switch of the correspondence preference: any month's discount can be recomputed."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="correspondence_changes",
        verbose_name=_("client"),
    )
    preference = models.CharField(
        _("correspondance"), max_length=6, choices=Correspondence.choices
    )
    changed_at = models.DateTimeField(_("modifiée le"), default=timezone.now)

    class Meta:
        verbose_name = _("changement de correspondance")
        verbose_name_plural = _("historique de la correspondance")
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["customer", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.changed_at:%Y-%m-%d} {self.get_preference_display()}"


class PendingAddressChange(models.Model):
    """A new postal address the customer gave, applied on ``effective_on``."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="address_changes",
        verbose_name=_("client"),
    )
    street = models.CharField(_("rue et numéro"), max_length=120)
    postcode = models.CharField(_("NPA"), max_length=4)
    locality = models.CharField(_("localité"), max_length=80)
    effective_on = models.DateField(_("valable dès le"))
    created_at = models.DateTimeField(_("saisie le"), default=timezone.now)
    applied_at = models.DateTimeField(_("appliquée le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("changement d'adresse")
        verbose_name_plural = _("changements d'adresse")
        ordering = ["effective_on", "id"]

    def __str__(self) -> str:
        return f"{self.street}, {self.postcode} {self.locality} ({self.effective_on})"


class PortalSession(models.Model):
    """A logged-in browser, keyed by its session key: listed on the profile, can be ended."""

    session_key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_sessions"
    )
    user_agent = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("session active")
        verbose_name_plural = _("sessions actives")
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"{self.user} {self.last_seen:%Y-%m-%d %H:%M}"

    BROWSERS = [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
                ("Safari/", "Safari")]
    SYSTEMS = [("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"),
               ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Linux", "Linux")]

    @property
    def device_label(self) -> str:
        """``Chrome · Android`` from the user agent, for people rather than machines."""
        agent = self.user_agent
        browser = next((name for marker, name in self.BROWSERS if marker in agent), "")
        system = next((name for marker, name in self.SYSTEMS if marker in agent), "")
        return " · ".join(part for part in (browser, system) if part)
