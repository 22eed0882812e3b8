"""The archive: every document the insurer sent a household, kept at least ten years."""

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer, InsuredPerson
from documents import retention
from kptportal.storage import private_storage


class DocumentType(models.TextChoices):
    POLICY = "policy", _("Police")
    PREMIUM_INVOICE = "premium_invoice", _("Facture de prime")
    BENEFIT_STATEMENT = "benefit_statement", _("Décompte de prestations")
    COST_GUARANTEE = "cost_guarantee", _("Garantie de prise en charge")


def document_upload_to(instance, filename: str) -> str:
    """A random name: the path reveals neither the household nor the content."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    today = date.today()
    return f"documents/{today:%Y/%m}/{uuid.uuid4().hex}.{extension[:8]}"


class DocumentQuerySet(models.QuerySet):
    def for_customer(self, customer: Customer):
        return self.filter(customer=customer)

    def delete(self):
        retention.ensure_deletable(self.only("pk", "retain_until"))
        return super().delete()

    def update(self, **kwargs):
        if {"retain_until", "issue_date"} & kwargs.keys():
            raise retention.RetentionError(
                "Refused: retain_until and issue_date change only through save(), which "
                "keeps retain_until at least ten years after the issue date."
            )
        return super().update(**kwargs)


class Document(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="documents", editable=False,
        verbose_name=_("client"),
    )
    insured_person = models.ForeignKey(
        InsuredPerson, on_delete=models.PROTECT, related_name="documents",
        verbose_name=_("personne assurée"),
    )
    type = models.CharField(_("type"), max_length=32, choices=DocumentType.choices)
    issue_date = models.DateField(_("date d'émission"))
    title = models.CharField(_("titre"), max_length=200)
    period = models.DateField(
        _("période"), null=True, blank=True,
        help_text=_("Premier jour du mois concerné (factures de prime)."),
    )
    reference = models.CharField(
        _("référence"), max_length=60, blank=True,
        help_text=_("Numéro de sinistre ou de garantie, selon le type."),
    )
    file = models.FileField(_("fichier"), upload_to=document_upload_to, storage=private_storage,
                            max_length=200)
    original_name = models.CharField(_("nom du fichier reçu"), max_length=200, blank=True)
    content_type = models.CharField(_("type de contenu"), max_length=100,
                                    default="application/pdf")
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    checksum = models.CharField(_("SHA-256"), max_length=64,
                                help_text=_("Empreinte SHA-256 du contenu en clair."))
    retain_until = models.DateField(_("conserver jusqu'au"))
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-issue_date", "-id"]
        indexes = [
            models.Index(fields=["customer", "-issue_date"], name="doc_customer_date"),
            models.Index(fields=["customer", "type", "-issue_date"],
                         name="doc_customer_type_date"),
            models.Index(fields=["retain_until"], name="doc_retain_until"),
            # The admin's list, newest first over every household (docs/performance.md).
            models.Index(fields=["-issue_date", "-id"], name="doc_issue_date_id"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["customer", "checksum"],
                                    name="doc_unique_content_per_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.issue_date:%d.%m.%Y} {self.get_type_display()} – {self.title}"

    def save(self, *args, **kwargs):
        self.customer_id = self.insured_person.customer_id
        minimum = retention.minimum_retain_until(self.issue_date)
        if self.retain_until is None or self.retain_until < minimum:
            self.retain_until = minimum
        super().save(*args, **kwargs)

    def delete(self, *args, on=None, **kwargs):
        retention.ensure_deletable([self], on=on)
        return super().delete(*args, **kwargs)

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"


class DocumentRead(models.Model):
    """An account opened (or downloaded) a document: it is no longer "new" for them."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lecture")
        verbose_name_plural = _("lectures")
        constraints = [models.UniqueConstraint(fields=["document", "user"],
                                               name="doc_read_once_per_user")]
