"""Threads between a household and its advisor, advisor teams, and login-help requests."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer
from core.storage import private_storage


class AdvisorTeam(models.Model):
    """Advisors who stand in for each other: each sees the threads of the others' customers."""

    name = models.CharField(_("nom"), max_length=80, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="advisor_teams", blank=True,
        limit_choices_to={"is_staff": True}, verbose_name=_("conseillers·ères"),
    )

    class Meta:
        verbose_name = _("équipe de conseil")
        verbose_name_plural = _("équipes de conseil")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Thread(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Ouvert")
        CLOSED = "closed", _("Clos")

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="threads", verbose_name=_("client")
    )
    subject = models.CharField(_("objet"), max_length=150)
    # What the thread is about (a document, a claim): a generic reference, resolved and
    # checked against the household by the owning app's hook (see messaging.about).
    about_kind = models.CharField(max_length=20, blank=True)
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    about_label = models.CharField(_("concerne"), max_length=200, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assigned_threads", limit_choices_to={"is_staff": True},
        verbose_name=_("attribué à"),
    )
    status = models.CharField(_("statut"), max_length=6, choices=Status.choices,
                              default=Status.OPEN)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    last_activity_at = models.DateTimeField(_("dernière activité"), default=timezone.now)
    # When the oldest customer message still without an advisor answer arrived (the SLA).
    awaiting_reply_since = models.DateTimeField(_("sans réponse depuis"), null=True, blank=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-last_activity_at"]
        indexes = [
            models.Index(fields=["customer", "-last_activity_at"]),
            models.Index(fields=["awaiting_reply_since"]),
            # The advisors' queue (admin): unanswered first, then by latest activity.
            models.Index(fields=["awaiting_reply_since", "-last_activity_at", "-id"],
                         name="thread_queue_order"),
        ]

    def __str__(self) -> str:
        return self.subject


class Message(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages",
                               verbose_name=_("conversation"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("auteur"))
    from_advisor = models.BooleanField(_("du conseiller"), default=False)
    body = models.TextField(_("message"), max_length=5000)
    created_at = models.DateTimeField(_("envoyé le"), default=timezone.now)
    # Read by the other side: the customer for advisor messages, an advisor otherwise.
    read_at = models.DateTimeField(_("lu le"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["thread", "from_advisor", "read_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%d.%m.%Y %H:%M}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(storage=private_storage, upload_to="messages/%Y/%m/")
    filename = models.CharField(_("nom du fichier"), max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class LoginHelpRequest(models.Model):
    """Someone who cannot log in asks for help; advisors work the queue in the admin."""

    class Status(models.TextChoices):
        NEW = "new", _("Nouvelle")
        IN_PROGRESS = "in_progress", _("En cours")
        DONE = "done", _("Traitée")

    reference = models.CharField(_("référence"), max_length=20, unique=True, null=True,
                                 blank=True)
    name = models.CharField(_("nom et prénom"), max_length=120)
    contract_number = models.CharField(_("numéro de contrat ou de client"), max_length=20,
                                       blank=True)
    birth_date = models.DateField(_("date de naissance"))
    phone = models.CharField(_("téléphone"), max_length=20)
    description = models.TextField(_("ce qui s'est passé"), max_length=2000)
    # Internal only, never shown to the requester: the household the number matched.
    matched_customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("client trouvé"),
    )
    status = models.CharField(_("statut"), max_length=12, choices=Status.choices,
                              default=Status.NEW)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", limit_choices_to={"is_staff": True}, verbose_name=_("traitée par"),
    )
    advisor_note = models.TextField(_("note interne"), blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(_("reçue le"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("demande d'aide à la connexion")
        verbose_name_plural = _("demandes d'aide à la connexion")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference or ""
