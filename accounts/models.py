"""Logins, the households they belong to, their second factors and profile history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from django_otp.models import CooldownMixin, SideChannelDevice, ThrottlingMixin, TimestampMixin

from core.iban import mask as mask_iban
from core.user_agents import device_label


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
        permissions = [("unlock_online_contract", _("Débloquer le contrat online"))]

    def __str__(self) -> str:
        holder = self.policy_holder
        return f"{self.customer_number} {holder}" if holder else self.customer_number

    @property
    def policy_holder(self) -> InsuredPerson | None:
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
    is_policy_holder = models.BooleanField(_("titulaire de la police"), default=False)

    class Meta:
        verbose_name = _("personne assurée")
        verbose_name_plural = _("personnes assurées")
        ordering = ["-is_policy_holder", "birth_date", "id"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class SMSDevice(TimestampMixin, CooldownMixin, ThrottlingMixin, SideChannelDevice):
    """The login's second factor: a fresh random 6-digit code by SMS at every login.

    django-otp's side-channel device gives what two_factor's TOTP-based PhoneDevice lacks:
    a new code each time, single use (cleared once accepted), expiring after
    ``CODE_VALIDITY`` seconds, a cool-down between sends and throttled verification.
    """

    # Typed by hand: django-otp ships no type information, so mypy does not see a model here.
    if TYPE_CHECKING:
        token: str | None  # SideChannelDevice's field

    CODE_VALIDITY = 5 * 60
    COOLDOWN = 60
    MAX_WRONG_CODES = 5

    number: models.CharField[str, str] = models.CharField(_("numéro de mobile"), max_length=20)
    wrong_codes: models.PositiveSmallIntegerField[int, int] = models.PositiveSmallIntegerField(
        default=0)

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

        from core.sms import send_sms

        self.generate_token(length=6, valid_secs=self.CODE_VALIDITY, commit=False)
        self.wrong_codes = 0
        send_sms(self.number, gettext("Votre code KPT: %(code)s. Valable 5 minutes. "
                                      "Ne le communiquez à personne.") % {"code": self.token},
                 urgent=True)
        # Only a delivered code starts the cool-down: a failed send may be retried at once.
        self.cooldown_set(commit=False)
        self.save()

    def generate_challenge(self) -> None:
        allowed, _info = self.generate_is_allowed()
        if allowed:
            self.send_code()
        return None

    def verify_token(self, token: str | int) -> bool:
        """The code sent last, once, before it expires. The row is locked while it is
        checked, so codes tried in parallel are each counted and a code passes once; one
        write either way (django-otp's side-channel device and its cool-down mixin would each
        save the device again on success)."""
        with transaction.atomic():
            locked = type(self).objects.select_for_update().get(pk=self.pk)
            verified = locked._verify_locked(token)
        for field in self._meta.concrete_fields:  # this instance follows, without a query
            setattr(self, field.attname, getattr(locked, field.attname))
        return verified

    def _verify_locked(self, token: str | int) -> bool:
        allowed, _info = self.verify_is_allowed()
        if not allowed or self.token is None:
            return False
        now = timezone.now()
        if (constant_time_compare(str(token), self.token) and self.valid_until is not None
                and now < self.valid_until):
            self.token = None
            self.valid_until = now
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


# --- Profile: preference history, pending address changes, tracked sessions ---


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

    @property
    def device_label(self) -> str:
        """``Chrome · Android`` from the user agent, for people rather than machines."""
        return device_label(self.user_agent)


class DelayedPasswordReset(models.Model):
    """A new password chosen with nothing but the SMS code, waiting before it takes effect.

    Whoever holds the customer's SIM (a SIM swap) holds the SMS code, so an account without
    a factor the SIM does not give gets its new password only after a delay, announced at once
    on every channel (SMS, e-mail, a letter, the portal), which the owner can cancel.
    """

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delayed_resets"
    )
    password_hash = models.CharField(max_length=256)
    requested_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    effective_at = models.DateTimeField(_("valable dès le"))
    applied_at = models.DateTimeField(_("appliqué le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    letter_printed_at = models.DateTimeField(_("lettre imprimée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("nouveau mot de passe en attente")
        verbose_name_plural = _("nouveaux mots de passe en attente")
        indexes = [models.Index(fields=["effective_at"], name="accounts_reset_due",
                                condition=models.Q(applied_at__isnull=True,
                                                   cancelled_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.account} {self.effective_at:%Y-%m-%d %H:%M}"

    @property
    def pending(self) -> bool:
        return self.applied_at is None and self.cancelled_at is None


# --- Payout account: where reimbursements are paid --------------------------------------------


class PayoutAccount(models.Model):
    """The account reimbursements are paid to, one row per change: the history stays.

    The current one has no ``replaced_at``. The IBAN is shown masked everywhere (``masked``,
    ``__str__``); only the core system's payment run needs it whole.
    """

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="payout_accounts",
        verbose_name=_("client"),
    )
    iban = models.CharField(_("IBAN"), max_length=34)
    holder = models.CharField(_("titulaire du compte"), max_length=70)
    set_at = models.DateTimeField(_("enregistré le"), default=timezone.now)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("enregistré par"),
    )
    replaced_at = models.DateTimeField(_("remplacé le"), null=True, blank=True)
    notice_sent_at = models.DateTimeField(_("avis envoyé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("compte de versement")
        verbose_name_plural = _("comptes de versement")
        ordering = ["-set_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["customer"],
                                    condition=models.Q(replaced_at__isnull=True),
                                    name="payout_account_one_current"),
        ]

    def __str__(self) -> str:
        return self.masked

    @property
    def masked(self) -> str:
        return mask_iban(self.iban)
