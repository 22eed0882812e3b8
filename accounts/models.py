"""Logins, the households they belong to, and the security audit log."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import CooldownMixin, SideChannelDevice, ThrottlingMixin, TimestampMixin


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


class NotifyChannel(models.TextChoices):
    SMS = "sms", _("Par SMS")
    EMAIL = "email", _("Par e-mail")
    NONE = "none", _("Aucune notification")


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
    notify_channel = models.CharField(
        _("notifications"), max_length=5, choices=NotifyChannel.choices,
        default=NotifyChannel.SMS,
        help_text=_("Comment vous prévenir qu'un nouveau message ou document vous attend: "
                    "le contenu n'est jamais envoyé."),
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
        SMS_FAILED = "sms_failed", _("Échec d'envoi SMS")
        ACCOUNT_CREATED = "account_created", _("Contrat online créé")

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


class SMSDevice(TimestampMixin, CooldownMixin, ThrottlingMixin, SideChannelDevice):
    """The login's second factor: a fresh random 6-digit code by SMS at every login.

    django-otp's side-channel device gives what two_factor's TOTP-based PhoneDevice lacks:
    a new code each time, single use (cleared once accepted), expiring after
    ``CODE_VALIDITY`` seconds, a cool-down between sends and throttled verification.
    """

    CODE_VALIDITY = 5 * 60
    COOLDOWN = 60
    MAX_WRONG_CODES = 5

    number = models.CharField(_("numéro de mobile"), max_length=20)
    wrong_codes = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("appareil SMS")
        verbose_name_plural = _("appareils SMS")

    def __str__(self) -> str:
        return f"SMS {self.number[:3]}…{self.number[-2:]}"

    def get_cooldown_duration(self) -> int:
        return self.COOLDOWN

    def get_throttle_factor(self) -> int:
        return 1

    def send_code(self) -> None:
        """Send a new code now; raises the SMS interface's errors when the provider fails."""
        from django.utils.translation import gettext

        from kptportal.sms import send_sms

        self.generate_token(length=6, valid_secs=self.CODE_VALIDITY, commit=False)
        self.wrong_codes = 0
        send_sms(self.number, gettext("Votre code KPT: %(code)s. Valable 5 minutes. "
                                      "Ne le communiquez à personne.") % {"code": self.token},
                 urgent=True)
        # Only a delivered code starts the cool-down: a failed send may be retried at once.
        self.cooldown_set(commit=False)
        self.save()

    def generate_challenge(self):
        allowed, _info = self.generate_is_allowed()
        if allowed:
            self.send_code()
        return None

    def verify_token(self, token) -> bool:
        allowed, _info = self.verify_is_allowed()
        if not allowed or self.token is None:
            return False
        if super().verify_token(str(token)):
            self.wrong_codes = 0
            self.throttle_reset(commit=False)
            self.cooldown_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
            return True
        self.wrong_codes += 1
        if self.wrong_codes >= self.MAX_WRONG_CODES:
            self.token = None  # this code is spent: a new login is needed
        self.throttle_increment(commit=False)
        self.save()
        return False

    @property
    def code_spent(self) -> bool:
        return self.token is None and self.wrong_codes >= self.MAX_WRONG_CODES


class ActivationLetter(models.Model):
    """A letter with a one-time activation code, printed for an existing customer's registration.

    Only a hash of the code is kept; the code itself exists on paper.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("À imprimer")
        SENT = "sent", _("Envoyée")
        USED = "used", _("Utilisée")

    VALIDITY_DAYS = 30

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activation_letters"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    code_hash = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    printed_at = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lettre d'activation")
        verbose_name_plural = _("lettres d'activation")
        indexes = [models.Index(fields=["status", "created_at"])]


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
