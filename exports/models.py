"""A household's data export: the ZIP of everything the portal holds on it, kept a week."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer
from core.storage import private_storage

EXPORT_VALID_DAYS = 7


def export_upload_to(instance: DataExport, filename: str) -> str:
    """A random name: the path reveals neither the household nor the date of the request."""
    return f"exports/{uuid.uuid4().hex}.zip"


class DataExport(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("En préparation")
        READY = "ready", _("Prête")
        FAILED = "failed", _("Échec")
        EXPIRED = "expired", _("Expirée")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="exports",
                                 verbose_name=_("client"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("statut"), max_length=8, choices=Status.choices,
                              default=Status.PENDING)
    file = models.FileField(storage=private_storage, upload_to=export_upload_to, blank=True,
                            max_length=200)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    requested_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    ready_at = models.DateTimeField(_("prête le"), null=True, blank=True)
    expires_at = models.DateTimeField(_("disponible jusqu'au"), null=True, blank=True)
    downloaded_at = models.DateTimeField(_("téléchargée le"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        # The table keeps its name from before the export got its own app: nothing copied.
        db_table = "kptportal_dataexport"
        verbose_name = _("export de données")
        verbose_name_plural = _("exports de données")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "requested_at"],
                                name="kptportal_d_status_2fbc1c_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.requested_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def is_available(self) -> bool:
        return (self.status == self.Status.READY and self.expires_at is not None
                and self.expires_at > timezone.now())

    def mark_ready(self, name: str, size: int) -> None:
        now = timezone.now()
        self.file.name = name
        self.size = size
        self.status = self.Status.READY
        self.ready_at = now
        self.expires_at = now + timedelta(days=EXPORT_VALID_DAYS)
        self.save(update_fields=["file", "size", "status", "ready_at", "expires_at"])
