"""What a customer asks for through the portal and an advisor decides: a change of the
deductible or of the insurance model for next year."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer, InsuredPerson
from documents.models import Document
from policies.contract_changes import model_label


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("En cours")
    ACCEPTED = "accepted", _("Acceptée")
    REFUSED = "refused", _("Refusée")
    CANCELLED = "cancelled", _("Annulée")


class ContractChange(models.Model):
    """A new deductible and/or model of basic insurance for one insured person, from
    ``effective_on`` (a 1 January), with the premiums the customer was shown."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT,
                                 related_name="contract_changes", verbose_name=_("client"))
    insured_person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT,
                                       related_name="contract_changes",
                                       verbose_name=_("personne assurée"))
    effective_on = models.DateField(_("dès le"))
    current_model = models.CharField(_("modèle actuel"), max_length=20)
    current_deductible = models.PositiveIntegerField(_("franchise sans changement (CHF)"))
    new_model = models.CharField(_("nouveau modèle"), max_length=20)
    new_deductible = models.PositiveIntegerField(_("nouvelle franchise (CHF)"))
    current_premium = models.DecimalField(_("prime mensuelle sans changement (CHF)"),
                                          max_digits=8, decimal_places=2)
    new_premium = models.DecimalField(_("nouvelle prime mensuelle (CHF)"), max_digits=8,
                                      decimal_places=2)
    status = models.CharField(_("statut"), max_length=10, choices=ChangeStatus.choices,
                              default=ChangeStatus.PENDING)
    refusal_reason = models.TextField(_("motif du refus"), blank=True)
    submitted_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("envoyée par"))
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("décidée par"))
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("confirmation"))

    class Meta:
        verbose_name = _("changement de franchise ou de modèle")
        verbose_name_plural = _("changements de franchise ou de modèle")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-submitted_at"], name="contract_change_recent"),
            models.Index(fields=["status", "submitted_at"], name="contract_change_queue"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["insured_person", "effective_on"],
                                    condition=models.Q(status="pending"),
                                    name="contract_change_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.insured_person} · {self.effective_on:%d.%m.%Y}"

    @property
    def current_model_label(self) -> str:
        return model_label(self.current_model)

    @property
    def new_model_label(self) -> str:
        return model_label(self.new_model)

    @property
    def yearly_difference(self) -> Decimal:
        return (self.new_premium - self.current_premium) * 12
