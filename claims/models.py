"""Claims: one upload of one or more pages for one insured person, its status and its fields.

State changes go through ``claims.services`` (which writes the ``StatusChange`` history and
the audit log); the Celery task ``claims.tasks.run_intake`` fills ``ExtractedField`` rows.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer, InsuredPerson
from core.choices import choice_label
from core.storage import private_storage
from documents.models import BenefitStatement


class ClaimKind(models.TextChoices):
    DOCTOR_INVOICE = "doctor_invoice", _("Facture de médecin ou d'hôpital")
    PHARMACY_RECEIPT = "pharmacy_receipt", _("Quittance de pharmacie")
    DELEGATION = "delegation", _("Attestation de délégation ou ordonnance")
    OTHER = "other", _("Autre justificatif")


class ClaimStatus(models.TextChoices):
    RECEIVED = "received", _("Reçue")
    PROCESSING = "processing", _("En lecture")
    TO_REVIEW = "to_review", _("En vérification")
    ACCEPTED = "accepted", _("Acceptée")
    REJECTED = "rejected", _("Refusée")
    SETTLED = "settled", _("Remboursée")


# Statuses the automatic intake may still act on; past these, an advisor has decided.
INTAKE_STATUSES = (ClaimStatus.RECEIVED, ClaimStatus.PROCESSING)


class Claim(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="claims", verbose_name=_("client"),
    )
    insured_person = models.ForeignKey(
        InsuredPerson, on_delete=models.PROTECT, related_name="claims",
        verbose_name=_("personne assurée"),
    )
    kind = models.CharField(_("type de justificatif"), max_length=20, choices=ClaimKind.choices)
    note = models.TextField(_("remarque"), blank=True, max_length=1000)
    status = models.CharField(
        _("statut"), max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.RECEIVED,
    )
    status_changed_at = models.DateTimeField(_("statut modifié le"), default=timezone.now)
    rejection_reason = models.TextField(_("motif du refus"), blank=True)
    review_warning = models.TextField(
        _("avertissement pour le conseiller"), blank=True,
        help_text=_("Ce que la lecture automatique n'a pas pu faire."),
    )
    review_notes = models.JSONField(
        _("remarques de la lecture"), default=list, blank=True,
        help_text=_("Ce que la lecture automatique a remarqué, affiché dans la langue du "
                    "conseiller."),
    )
    is_duplicate = models.BooleanField(_("doublon probable"), default=False)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("doublon de"),
    )
    checksum = models.CharField(
        _("empreinte SHA-256"), max_length=64, blank=True,
        help_text=_("Empreinte de toutes les pages, dans l'ordre."),
    )
    timings = models.JSONField(_("durées (ms)"), default=dict, blank=True)
    intake_log = models.JSONField(
        _("lecture pas à pas"), default=dict, blank=True,
        help_text=_("Chaque étape de la dernière lecture automatique: durée, temps de calcul, "
                    "ce qu'elle a trouvé, ses remarques."),
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives de lecture"), default=0)
    # Denormalised from the extracted fields so lists need no extra query.
    amount = models.DecimalField(_("montant"), max_digits=10, decimal_places=2, null=True,
                                 blank=True)
    currency = models.CharField(_("monnaie"), max_length=3, blank=True)
    provider_name = models.CharField(_("prestataire"), max_length=200, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("vérifiée par"),
    )
    # The benefit statement that settled it, and which of its lines (their ``position``): the
    # statement row stays when its figures are recorded again, its lines are written anew.
    # Read from the claim to its statement only, and statements are never deleted (retention):
    # no index, which on the claims table would have to be built concurrently.
    settlement = models.ForeignKey(
        BenefitStatement, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="claims", verbose_name=_("décompte de prestations"), db_index=False,
    )
    settlement_line = models.PositiveSmallIntegerField(_("ligne du décompte"), null=True,
                                                       blank=True)
    created_at = models.DateTimeField(_("reçue le"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("demande de remboursement")
        verbose_name_plural = _("demandes de remboursement")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="claim_customer_recent"),
            models.Index(fields=["status", "created_at"], name="claim_status_queue"),
            models.Index(fields=["checksum"], name="claim_checksum"),
            # The admin's list of every claim, newest first (docs/performance.md).
            models.Index(fields=["-created_at", "-id"], name="claim_recent"),
        ]

    def get_kind_display(self) -> str:  # type: ignore[no-redef]  # stubs declare it
        return choice_label(ClaimKind, self.kind)

    def get_status_display(self) -> str:  # type: ignore[no-redef]  # stubs declare it
        return choice_label(ClaimStatus, self.status)

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} ({self.get_status_display()})"


def claim_page_path(instance: "ClaimPage", filename: str) -> str:
    # Random name: the customer's file name never reaches the storage.
    import uuid

    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"claims/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class ClaimPage(models.Model):
    """One uploaded file of a claim (an image, or a PDF of one or more pages)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="pages")
    file = models.FileField(_("fichier"), upload_to=claim_page_path, storage=private_storage,
                            max_length=200)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    content_type = models.CharField(_("type"), max_length=40)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    page_count = models.PositiveSmallIntegerField(_("pages"), default=1)
    original_name = models.CharField(_("nom d'origine"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("taille (octets)"), default=0)

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        ordering = ["claim", "order", "id"]

    def __str__(self) -> str:
        return f"{self.claim_id}/{self.order + 1}"

    @property
    def sheet_indexes(self) -> range:
        """The sheets to preview: each page of a PDF, the one image otherwise."""
        return range(self.page_count if self.content_type == "application/pdf" else 1)


class FieldSource(models.TextChoices):
    QR = "qr", _("QR-facture")
    TEXT_LAYER = "text-layer", _("Texte du PDF")
    OCR = "ocr", _("OCR")
    ADVISOR = "advisor", _("Conseiller")


class ExtractedField(models.Model):
    """One field read from a claim (amount, date, GLN…), its source and confidence."""

    LOW_CONFIDENCE = 0.6

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="fields")
    name = models.CharField(_("champ"), max_length=40)
    value = models.CharField(_("valeur"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=FieldSource.choices)
    confidence = models.FloatField(_("confiance"), default=0.0)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("modifié par"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("champ lu")
        verbose_name_plural = _("champs lus")
        ordering = ["claim", "id"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "name"], name="claim_field_once"),
        ]

    def __str__(self) -> str:
        return f"{self.name}={self.value}"

    @property
    def is_low_confidence(self) -> bool:
        return self.source != FieldSource.ADVISOR and self.confidence < self.LOW_CONFIDENCE


class StatusChange(models.Model):
    """One step of a claim's timeline, shown to the customer with its date."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(_("statut"), max_length=12, choices=ClaimStatus.choices)
    at = models.DateTimeField(_("le"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("par"),
    )
    note = models.CharField(_("remarque"), max_length=300, blank=True)
    # The decision's own figure: what the advisor accepted, beside what the invoice reads
    # (``Claim.amount``); set on the "accepted" step only.
    amount = models.DecimalField(_("montant accepté"), max_digits=10, decimal_places=2,
                                 null=True, blank=True)

    class Meta:
        verbose_name = _("changement de statut")
        verbose_name_plural = _("changements de statut")
        ordering = ["claim", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.at:%d.%m.%Y %H:%M}"


class ClaimToReview(Claim):
    """The advisors' review queue in the admin: claims "to review", oldest first."""

    class Meta:
        proxy = True
        verbose_name = _("demande à vérifier")
        verbose_name_plural = _("file de vérification")


# --- Cost guarantees: asked for before a planned stay or treatment -----------------------

class WardClass(models.TextChoices):
    GENERAL = "general", _("Division commune")
    SEMI_PRIVATE = "semi_private", _("Division semi-privée")
    PRIVATE = "private", _("Division privée")


class GuaranteeStatus(models.TextChoices):
    SUBMITTED = "submitted", _("En cours")
    INFO_REQUESTED = "info_requested", _("Informations demandées")
    GRANTED = "granted", _("Accordée")
    REFUSED = "refused", _("Refusée")


class CostGuaranteeRequest(models.Model):
    """A household asks, before a planned hospital stay or treatment, that the insurer
    guarantees its cover to the provider. State changes go through
    ``claims.cost_guarantees`` (audit log, notification)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="cost_guarantee_requests",
        verbose_name=_("client"),
    )
    insured_person = models.ForeignKey(
        InsuredPerson, on_delete=models.PROTECT, related_name="cost_guarantee_requests",
        verbose_name=_("personne assurée"),
    )
    provider_name = models.CharField(_("hôpital ou prestataire"), max_length=200)
    provider_place = models.CharField(_("lieu"), max_length=100)
    planned_date = models.DateField(_("date prévue"))
    treatment = models.TextField(_("motif ou traitement"), max_length=1000)
    ward_class = models.CharField(_("division"), max_length=12, choices=WardClass.choices,
                                  blank=True)
    status = models.CharField(_("statut"), max_length=16, choices=GuaranteeStatus.choices,
                              default=GuaranteeStatus.SUBMITTED)
    status_changed_at = models.DateTimeField(_("statut modifié le"), default=timezone.now)
    # What the advisor wrote to the customer: the reason of a refusal, or what is missing.
    advisor_message = models.TextField(_("message du conseiller"), blank=True)
    cover = models.CharField(_("prise en charge accordée"), max_length=300, blank=True)
    amount = models.DecimalField(_("montant garanti (CHF)"), max_digits=10, decimal_places=2,
                                 null=True, blank=True)
    valid_until = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    document = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("garantie"), db_index=False,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("décidée par"),
    )
    created_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("demande de garantie de prise en charge")
        verbose_name_plural = _("garanties de prise en charge")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="guarantee_customer_recent"),
            models.Index(fields=["status", "status_changed_at"], name="guarantee_queue"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.provider_name} ({self.get_status_display()})"

    @property
    def reference(self) -> str:
        return f"GP-{self.pk:06d}"


def guarantee_attachment_path(instance: "CostGuaranteeAttachment", filename: str) -> str:
    # Random name, like claim pages: the customer's file name never reaches the storage.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"guarantees/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class CostGuaranteeAttachment(models.Model):
    """One file from the doctor (a PDF or a photo) attached to a cost guarantee request."""

    request = models.ForeignKey(CostGuaranteeRequest, on_delete=models.CASCADE,
                                related_name="attachments")
    file = models.FileField(_("fichier"), upload_to=guarantee_attachment_path,
                            storage=private_storage, max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    page_count = models.PositiveSmallIntegerField(_("pages"), default=1)
    original_name = models.CharField(_("nom d'origine"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("taille (octets)"), default=0)
    added_at = models.DateTimeField(_("ajouté le"), default=timezone.now)

    class Meta:
        verbose_name = _("document du médecin")
        verbose_name_plural = _("documents du médecin")
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return self.original_name or f"{self.request_id}/{self.pk}"
