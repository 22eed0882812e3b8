"""Demo claims for KPT12345678 in different states (fictitious; idempotent)."""

import io
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import Customer, User
from claims.models import (
    Claim,
    ClaimKind,
    ClaimPage,
    ClaimStatus,
    ExtractedField,
    FieldSource,
    StatusChange,
)

DEMO_NOTE_PREFIX = "[demo] "
DEMO_CLAIMS = [
    # note, kind, status path, days ago, amount, provider, GLN, invoice number
    ("Consultation du Dr Exemple", ClaimKind.DOCTOR_INVOICE,
     [ClaimStatus.RECEIVED, ClaimStatus.PROCESSING, ClaimStatus.TO_REVIEW,
      ClaimStatus.ACCEPTED, ClaimStatus.SETTLED], 40, "183.45", "Cabinet médical Exemple",
     "7601000000000", "F-2026-0042"),
    ("Pharmacie du Lac", ClaimKind.PHARMACY_RECEIPT,
     [ClaimStatus.RECEIVED, ClaimStatus.PROCESSING, ClaimStatus.TO_REVIEW,
      ClaimStatus.REJECTED], 12, "24.90", "Pharmacie du Lac (fictive)", "", "Q-77120"),
    ("Physiothérapie, 9 séances", ClaimKind.DOCTOR_INVOICE,
     [ClaimStatus.RECEIVED, ClaimStatus.PROCESSING, ClaimStatus.TO_REVIEW], 2, "612.00",
     "Physio Démo Sàrl", "7601000000017", "PH-3381"),
]


def _page_image(title: str, amount: str) -> bytes:
    image = Image.new("RGB", (620, 877), "white")
    draw = ImageDraw.Draw(image)
    draw.text((40, 40), title, fill="black")
    draw.text((40, 90), "FACTURE (démonstration, fictive)", fill="black")
    draw.text((40, 700), f"Total CHF {amount}", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


@transaction.atomic
def seed(stdout=None) -> None:
    customer = Customer.objects.filter(account__username="KPT12345678").first()
    if customer is None:
        return
    advisor = User.objects.filter(username="advisor").first()
    person = customer.insured_persons.order_by("-is_policy_holder", "id").first()
    now = timezone.now()
    created = 0
    for (title, kind, path, days, amount, provider, gln, number) in DEMO_CLAIMS:
        note = DEMO_NOTE_PREFIX + title
        if Claim.objects.filter(customer=customer, note=note).exists():
            continue
        start = now - timedelta(days=days)
        claim = Claim.objects.create(
            customer=customer, insured_person=person, kind=kind, note=note, status=path[-1],
            status_changed_at=start + timedelta(days=len(path) - 1), created_at=start,
            amount=Decimal(amount), currency="CHF", provider_name=provider,
            rejection_reason=("Ce justificatif concerne un médicament non remboursé par votre "
                              "assurance." if path[-1] == ClaimStatus.REJECTED else ""),
            reviewed_by=advisor if path[-1] not in {ClaimStatus.TO_REVIEW} else None,
        )
        for step, status in enumerate(path):
            StatusChange.objects.create(claim=claim, status=status,
                                        at=start + timedelta(days=step, minutes=step))
        page = ClaimPage(claim=claim, order=0, content_type="image/jpeg", sha256="0" * 64,
                         original_name="demo.jpg")
        data = _page_image(title, amount)
        page.size = len(data)
        page.file.save("demo.jpg", ContentFile(data), save=False)
        page.save()
        fields = {"amount": amount, "currency": "CHF", "provider_name": provider,
                  "invoice_number": number}
        if gln:
            fields["provider_gln"] = gln
        ExtractedField.objects.bulk_create([
            ExtractedField(claim=claim, name=name, value=value, source=FieldSource.OCR,
                           confidence=0.9 if name != "invoice_number" else 0.55)
            for name, value in fields.items()
        ])
        created += 1
    if stdout:
        stdout.write(f"claims: {created} demo claims created for KPT12345678")
