"""An advisor's corrections to the fields the intake read (the admin calls this)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import transaction

from audit import log as audit
from claims import events
from claims.models import Claim, ExtractedField, FieldSource

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import User

DENORMALISED = {"amount", "currency", "provider_name"}


def apply_field_edit(claim: Claim, *, name: str, value: str, advisor: User,
                     request: HttpRequest | None = None,
                     field: ExtractedField | None = None) -> ExtractedField:
    """Set one field as checked by ``advisor``; keep the claim's list columns in step."""
    value = value.strip()
    with transaction.atomic():
        if field is not None and field.name != name:
            field.delete()
        field, _created = ExtractedField.objects.update_or_create(
            claim=claim, name=name,
            defaults={"value": value, "source": FieldSource.ADVISOR, "confidence": 1.0,
                      "edited_by": advisor},
        )
        if name in DENORMALISED:
            if name == "amount":
                try:
                    claim.amount = Decimal(value).quantize(Decimal("0.01")) if value else None
                except InvalidOperation:
                    claim.amount = None
            elif name == "currency":
                claim.currency = value[:3]
            else:
                claim.provider_name = value[:200]
            claim.save(update_fields=["amount", "currency", "provider_name", "updated_at"])
        audit.record(events.CHANGED, request=request, actor=advisor, customer=claim.customer,
                     claim=claim.pk, change="field", field=name)
    return field
