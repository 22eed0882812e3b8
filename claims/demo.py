"""Demo claims for KPT12345678 in different states (fictitious; idempotent).

The settled one is settled by a benefit statement of the demo: ``kptportal/demo_documents.py``
plans that statement from the claim (``settled_demo_claims``), with the household's cost
sharing of the year, and links it through ``claims.lifecycle.settle``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import Customer, InsuredPerson, User
from claims.models import (
    Claim,
    ClaimKind,
    ClaimPage,
    ClaimStatus,
    CostGuaranteeAttachment,
    CostGuaranteeRequest,
    ExtractedField,
    FieldSource,
    StatusChange,
    WardClass,
)

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

# Demo claims are found again by their note, the customer's remark as any customer would write
# it; databases seeded before kept a "[demo] " marker in front of it, still recognised.
DEMO_NOTE_PREFIX = "[demo] "
DEMO_CLAIMS = [
    # note, kind, status path, days ago, amount, provider, GLN, invoice number, for the child
    ("Consultation du Dr Exemple", ClaimKind.DOCTOR_INVOICE,
     [ClaimStatus.RECEIVED, ClaimStatus.PROCESSING, ClaimStatus.TO_REVIEW,
      ClaimStatus.ACCEPTED, ClaimStatus.SETTLED], 40, "183.45", "Cabinet médical Exemple",
     "7601000000000", "F-2026-0042", True),
    ("Pharmacie du Lac", ClaimKind.PHARMACY_RECEIPT,
     [ClaimStatus.RECEIVED, ClaimStatus.PROCESSING, ClaimStatus.TO_REVIEW,
      ClaimStatus.REJECTED], 12, "24.90", "Pharmacie du Lac (fictive)", "", "Q-77120", False),
    ("Physiothérapie, 9 séances", ClaimKind.DOCTOR_INVOICE,
     [ClaimStatus.RECEIVED, ClaimStatus.PROCESSING, ClaimStatus.TO_REVIEW], 2, "612.00",
     "Physio Démo Sàrl", "7601000000017", "PH-3381", False),
]
INVOICE_DAYS_BEFORE = 3  # the invoice is dated (the treatment) a few days before it is sent


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
def seed(stdout: SupportsWrite[str] | None = None) -> None:
    customer = Customer.objects.filter(account__username="KPT12345678").first()
    if customer is None:
        return
    advisor = User.objects.filter(username="advisor").first()
    persons = list(customer.insured_persons.order_by("-is_policy_holder", "id"))
    if not persons:  # a claim is always for an insured person of the household
        return
    now = timezone.now()
    created = 0
    for (title, kind, path, days, amount, provider, gln, number, child) in DEMO_CLAIMS:
        note = title
        if Claim.objects.filter(customer=customer,
                                note__in=[title, DEMO_NOTE_PREFIX + title]).exists():
            continue
        person = persons[-1] if child else persons[0]
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
        invoiced = timezone.localdate(start) - timedelta(days=INVOICE_DAYS_BEFORE)
        fields = {"amount": amount, "currency": "CHF", "provider_name": provider,
                  "invoice_number": number, "invoice_date": invoiced.isoformat()}
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
    seed_cost_guarantee(customer, persons[-1])


DEMO_GUARANTEE_PROVIDER = "Clinique du Léman (fictive)"


def _doctor_letter() -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=True)
    pdf.drawString(72, 760, "Dr Exemple, orthopédie (démonstration, fictif)")
    pdf.drawString(72, 730, "Demande de garantie: arthroscopie du genou, 1 nuit.")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def seed_cost_guarantee(customer: Customer, person: InsuredPerson) -> None:
    """A cost guarantee request waiting for an advisor, with the doctor's letter."""
    if CostGuaranteeRequest.objects.filter(customer=customer,
                                           provider_name=DEMO_GUARANTEE_PROVIDER).exists():
        return
    now = timezone.now()
    guarantee = CostGuaranteeRequest.objects.create(
        customer=customer, insured_person=person, provider_name=DEMO_GUARANTEE_PROVIDER,
        provider_place="Morges", planned_date=timezone.localdate() + timedelta(days=24),
        treatment="Arthroscopie du genou droit, une nuit d'hospitalisation.",
        ward_class=WardClass.SEMI_PRIVATE, status_changed_at=now - timedelta(hours=5),
        created_at=now - timedelta(hours=5))
    data = _doctor_letter()
    attachment = CostGuaranteeAttachment(
        request=guarantee, content_type="application/pdf", sha256="0" * 64, page_count=1,
        original_name="lettre-du-medecin.pdf", size=len(data), added_at=guarantee.created_at)
    attachment.file.save("document.pdf", ContentFile(data), save=False)
    attachment.save()


@dataclass(frozen=True)
class SettledDemoClaim:
    """A settled demo claim, as its benefit statement needs it."""

    claim: Claim
    treated: date  # the invoice's date
    settled_on: date  # when the timeline says "settled": the statement's issue date
    reference: str  # of its statement


def settled_demo_claims(customer: Customer) -> list[SettledDemoClaim]:
    """The household's settled demo claims, oldest first."""
    notes = [title for title, *_rest in DEMO_CLAIMS]
    notes += [DEMO_NOTE_PREFIX + title for title in notes]
    claims = (Claim.objects.filter(customer=customer, note__in=notes,
                                   status=ClaimStatus.SETTLED, amount__isnull=False)
              .prefetch_related("status_changes", "fields").order_by("created_at", "id"))
    settled = []
    for claim in claims:
        invoice_date = next((field.value for field in claim.fields.all()
                             if field.name == "invoice_date" and field.value), None)
        treated = (date.fromisoformat(invoice_date) if invoice_date else
                   timezone.localdate(claim.created_at) - timedelta(days=INVOICE_DAYS_BEFORE))
        settled_at = max((change.at for change in claim.status_changes.all()
                          if change.status == ClaimStatus.SETTLED),
                         default=claim.status_changed_at)
        settled.append(SettledDemoClaim(claim=claim, treated=treated,
                                        settled_on=timezone.localdate(settled_at),
                                        reference=f"SIN-{treated.year}-P{claim.pk:05d}"))
    return settled
