"""The archive: every document the insurer sent a household, kept at least ten years."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum.ch import esr

from accounts.models import Customer, InsuredPerson
from core.choices import choice_label
from core.storage import private_storage
from documents import retention


class DocumentType(models.TextChoices):
    POLICY = "policy", _("Police")
    PREMIUM_INVOICE = "premium_invoice", _("Facture de prime")
    BENEFIT_STATEMENT = "benefit_statement", _("Décompte de prestations")
    COST_GUARANTEE = "cost_guarantee", _("Garantie de prise en charge")
    TAX_CERTIFICATE = "tax_certificate", _("Attestation fiscale")
    # A change of the contract confirmed in writing (deductible, insurance model).
    AMENDMENT = "amendment", _("Avenant")


def document_upload_to(instance: Document, filename: str) -> str:
    """A random name: the path reveals neither the household nor the content."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    today = date.today()
    return f"documents/{today:%Y/%m}/{uuid.uuid4().hex}.{extension[:8]}"


class DocumentQuerySet(models.QuerySet):
    def for_customer(self, customer: Customer) -> Self:
        return self.filter(customer=customer)

    def delete(self) -> tuple[int, dict[str, int]]:
        retention.ensure_deletable(self.only("pk", "retain_until"))
        return super().delete()

    def update(self, **kwargs: Any) -> int:
        if {"retain_until", "issue_date"} & kwargs.keys():
            # A programming error, never an advisor's: said in the code's words.
            raise retention.RetentionError(
                "retain_until and issue_date change only through save(), which keeps "
                "retain_until at least ten years after the issue date.")
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

    def get_type_display(self) -> str:  # type: ignore[no-redef]  # stubs declare it
        return choice_label(DocumentType, self.type)

    def __str__(self) -> str:
        return f"{self.issue_date:%d.%m.%Y} {self.get_type_display()} – {self.title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.customer_id = self.insured_person.customer_id
        minimum = retention.minimum_retain_until(self.issue_date)
        if self.retain_until is None or self.retain_until < minimum:
            self.retain_until = minimum
        super().save(*args, **kwargs)

    def delete(self, *args: Any, on: date | None = None,
               **kwargs: Any) -> tuple[int, dict[str, int]]:
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


class PremiumInvoice(models.Model):
    """What a premium invoice says, as data: the month, the amounts, the due date, payment.

    The status (open, paid, overdue, reminded) is derived from the dates, see
    ``documents.premiums.status_of``. Amounts are CHF; ``total = gross - discount``, held by
    ``premiums.record_invoice`` (an equality of sums is no database constraint: SQLite
    compares decimals as floats).
    """

    document = models.OneToOneField(Document, on_delete=models.CASCADE,
                                    related_name="premium_invoice", verbose_name=_("document"))
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT,
                                 related_name="premium_invoices", editable=False,
                                 verbose_name=_("client"))
    period = models.DateField(_("mois"), help_text=_("Premier jour du mois facturé."))
    due_date = models.DateField(_("échéance"))
    gross = models.DecimalField(_("primes brutes (CHF)"), max_digits=9, decimal_places=2)
    discount = models.DecimalField(_("rabais online (CHF)"), max_digits=9, decimal_places=2,
                                   default=0)
    total = models.DecimalField(_("montant dû (CHF)"), max_digits=9, decimal_places=2)
    qr_reference = models.CharField(_("référence QR"), max_length=27, unique=True)
    paid_on = models.DateField(_("payée le"), null=True, blank=True)
    reminded_on = models.DateField(_("rappel envoyé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("facture de prime")
        verbose_name_plural = _("factures de prime")
        ordering = ["-period"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "period"],
                                    name="premium_invoice_one_per_month"),
            models.CheckConstraint(condition=models.Q(discount__gte=0)
                                   & models.Q(discount__lte=models.F("gross")),
                                   name="premium_invoice_discount_within_gross"),
        ]
        indexes = [models.Index(fields=["customer", "paid_on", "due_date"],
                                name="premium_invoice_open")]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} {self.qr_reference}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.customer_id = self.document.customer_id
        super().save(*args, **kwargs)

    @property
    def formatted_reference(self) -> str:
        """In blocks of five from the right, as printed on the QR-bill."""
        return esr.format(self.qr_reference)


class PremiumInvoiceLine(models.Model):
    """One coverage on a premium invoice, as printed: the person, the product, the amounts."""

    invoice = models.ForeignKey(PremiumInvoice, on_delete=models.CASCADE, related_name="lines")
    insured_person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT,
                                       related_name="+", verbose_name=_("personne assurée"))
    line = models.CharField(_("branche"), max_length=3,
                            help_text=_("KVG (assurance de base) ou VVG (complémentaire)."))
    label = models.CharField(_("produit"), max_length=120)
    gross = models.DecimalField(_("prime brute (CHF)"), max_digits=8, decimal_places=2)
    discount = models.DecimalField(_("rabais online (CHF)"), max_digits=8, decimal_places=2,
                                   default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("ligne de facture de prime")
        verbose_name_plural = _("lignes de facture de prime")
        ordering = ["invoice_id", "position", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def net(self) -> Decimal:
        return self.gross - self.discount


class PaidTo(models.TextChoices):
    INSURED = "insured", _("À vous (compte de versement)")
    PROVIDER = "provider", _("Au fournisseur de prestations (tiers payant)")


class BenefitStatement(models.Model):
    """What a benefit statement settles, as data: its invoices' lines and the payout."""

    document = models.OneToOneField(Document, on_delete=models.CASCADE,
                                    related_name="benefit_statement", verbose_name=_("document"))
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT,
                                 related_name="benefit_statements", editable=False,
                                 verbose_name=_("client"))
    insured_person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT,
                                       related_name="benefit_statements", editable=False,
                                       verbose_name=_("personne assurée"))
    paid_to = models.CharField(_("versé à"), max_length=10, choices=PaidTo.choices,
                               default=PaidTo.INSURED)
    paid_on = models.DateField(_("versé le"), null=True, blank=True)
    account_hint = models.CharField(
        _("compte (masqué)"), max_length=30, blank=True,
        help_text=_("Les quatre derniers chiffres seulement, p. ex. CH•• •••• 1234."))

    class Meta:
        verbose_name = _("décompte de prestations")
        verbose_name_plural = _("décomptes de prestations")

    def __str__(self) -> str:
        return self.document.reference or str(self.document_id)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.customer_id = self.document.customer_id
        self.insured_person_id = self.document.insured_person_id
        super().save(*args, **kwargs)


class BenefitLine(models.Model):
    """One invoice (or invoice line) settled: the billed amount split into its parts, which
    add up to it (checked by ``benefits.record_statement``)."""

    statement = models.ForeignKey(BenefitStatement, on_delete=models.CASCADE,
                                  related_name="lines")
    treatment_date = models.DateField(_("date du traitement"))
    provider = models.CharField(_("fournisseur de prestations"), max_length=120)
    line = models.CharField(_("branche"), max_length=3,
                            help_text=_("KVG (assurance de base) ou VVG (complémentaire)."))
    billed = models.DecimalField(_("facturé (CHF)"), max_digits=9, decimal_places=2)
    deductible = models.DecimalField(_("franchise (CHF)"), max_digits=9, decimal_places=2,
                                     default=0)
    copay = models.DecimalField(_("quote-part (CHF)"), max_digits=9, decimal_places=2,
                                default=0)
    not_covered = models.DecimalField(_("non couvert (CHF)"), max_digits=9, decimal_places=2,
                                      default=0)
    reimbursed = models.DecimalField(_("remboursé (CHF)"), max_digits=9, decimal_places=2)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("ligne de décompte")
        verbose_name_plural = _("lignes de décompte")
        ordering = ["statement_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deductible__gte=0, copay__gte=0, not_covered__gte=0,
                                   reimbursed__gte=0),
                name="benefit_line_parts_not_negative"),
        ]
        indexes = [models.Index(fields=["treatment_date"], name="benefit_line_treated")]

    def __str__(self) -> str:
        return f"{self.treatment_date:%d.%m.%Y} {self.provider}"


class TaxCertificate(models.Model):
    """What a tax certificate says, as data: the household, the calendar year, the version.

    One household has at most one certificate per year and version; a correction is a new
    version (a new document), the earlier one stays in the archive as it was sent (see
    ``documents.tax_certificate_issuing``). Its figures are the lines below, as printed.
    """

    document = models.OneToOneField(Document, on_delete=models.CASCADE,
                                    related_name="tax_certificate", verbose_name=_("document"))
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT,
                                 related_name="tax_certificates", editable=False,
                                 verbose_name=_("client"))
    year = models.PositiveSmallIntegerField(_("année fiscale"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("attestation fiscale")
        verbose_name_plural = _("attestations fiscales")
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "year", "version"],
                                    name="tax_certificate_one_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.year} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.customer_id = self.document.customer_id
        super().save(*args, **kwargs)


class TaxCertificateLine(models.Model):
    """One insured person on a tax certificate: premiums paid in the year (after the online
    discount) and the costs they bore on the year's benefit statements."""

    certificate = models.ForeignKey(TaxCertificate, on_delete=models.CASCADE,
                                    related_name="lines")
    insured_person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT,
                                       related_name="+", verbose_name=_("personne assurée"))
    basic_premiums = models.DecimalField(_("primes assurance de base (CHF)"), max_digits=10,
                                         decimal_places=2, default=0)
    supplementary_premiums = models.DecimalField(_("primes assurances complémentaires (CHF)"),
                                                 max_digits=10, decimal_places=2, default=0)
    deductible = models.DecimalField(_("franchise (CHF)"), max_digits=10, decimal_places=2,
                                     default=0)
    copay = models.DecimalField(_("quote-part (CHF)"), max_digits=10, decimal_places=2,
                                default=0)
    not_covered = models.DecimalField(_("non couvert (CHF)"), max_digits=10, decimal_places=2,
                                      default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("ligne d'attestation fiscale")
        verbose_name_plural = _("lignes d'attestation fiscale")
        ordering = ["certificate_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(basic_premiums__gte=0, supplementary_premiums__gte=0,
                                   deductible__gte=0, copay__gte=0, not_covered__gte=0),
                name="tax_certificate_line_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.insured_person_id}"
