"""Factories and small helpers for the claims tests."""

import hashlib
import io
from decimal import Decimal
from pathlib import Path

import factory
from django.core.files.base import ContentFile
from PIL import Image

from accounts.tests.factories import CustomerFactory
from claims.intake import Field, InvoiceReading
from claims.models import Claim, ClaimKind, ClaimPage, ClaimStatus, ExtractedField, StatusChange

# The intake's committed sample corpus (synthetic invoices with their ground truth).
SAMPLES = Path(__file__).parent / "corpus" / "sample"
QR_PHOTO = SAMPLES / "004-photo.jpg"  # a phone photo of an invoice with a QR-bill
QR_TEXT_PDF = SAMPLES / "000-text-pdf.pdf"  # a PDF with a text layer and a QR-bill
HEIC_PHOTO = SAMPLES / "003-heic.heic"


def truth(sample: Path) -> dict:
    import json

    return json.loads(sample.with_suffix(".json").read_text(encoding="utf-8"))["fields"]


def jpeg_bytes(size=(60, 80), colour="white") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG")
    return buffer.getvalue()


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    insured_person = factory.LazyAttribute(lambda o: o.customer.insured_persons.first())
    kind = ClaimKind.DOCTOR_INVOICE
    status = ClaimStatus.RECEIVED
    checksum = factory.Sequence(lambda n: hashlib.sha256(f"claim{n}".encode()).hexdigest())

    @factory.post_generation
    def history(self, create, extracted, **kwargs):
        if create:
            StatusChange.objects.create(claim=self, status=self.status, at=self.created_at)

    @factory.post_generation
    def page(self, create, extracted, **kwargs):
        if create and extracted is not False:
            ClaimPageFactory(claim=self, data=extracted if isinstance(extracted, bytes)
                             else jpeg_bytes())


class ClaimPageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClaimPage
        exclude = ["data"]

    claim = factory.SubFactory(ClaimFactory, page=False)
    data = factory.LazyFunction(jpeg_bytes)
    content_type = "image/jpeg"
    order = 0
    original_name = "photo.jpg"
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.data).hexdigest())
    size = factory.LazyAttribute(lambda o: len(o.data))
    file = factory.LazyAttribute(lambda o: ContentFile(o.data, name="page.jpg"))


class ExtractedFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExtractedField

    claim = factory.SubFactory(ClaimFactory)
    name = "amount"
    value = "183.45"
    source = "ocr"
    confidence = 0.9


def reading(**values) -> InvoiceReading:
    """A fake pipeline result: ``reading(amount=("183.45", "qr", 0.99), …)``."""
    fields = {}
    for name, (value, source, confidence) in values.items():
        if name == "amount":
            value = Decimal(value)
        fields[name] = Field(value=value, source=source, confidence=confidence)
    return InvoiceReading(fields=fields, qr_bill=None, pages=1,
                          timings_ms={"decode": 1.0, "ocr": 10.0}, notes=[])


def benefit_statement_of(person, lines, *, reference="SIN-2026-0001", paid_to="insured",
                         paid_on=None, account_hint="", issue_date=None):
    """A benefit statement document of ``person`` with ``lines`` (``benefits.LineData``)."""
    from datetime import date

    from documents import benefits
    from documents.models import DocumentType
    from documents.tests.factories import make_document

    document = make_document(insured_person=person, type=DocumentType.BENEFIT_STATEMENT,
                             issue_date=issue_date or date(2026, 3, 20), reference=reference,
                             title=f"Décompte de prestations {reference}")
    return benefits.record_statement(document, benefits.StatementData(
        lines=list(lines), paid_to=paid_to, paid_on=paid_on, account_hint=account_hint))


def kvg_line(billed="183.45", deductible="0", copay="18.35", not_covered="0",
             provider="Cabinet médical Exemple", day=None):
    from datetime import date

    from documents import benefits

    parts = [Decimal(deductible), Decimal(copay), Decimal(not_covered)]
    return benefits.LineData(treatment_date=day or date(2026, 3, 2), provider=provider,
                             line="KVG", billed=Decimal(billed), deductible=parts[0],
                             copay=parts[1], not_covered=parts[2],
                             reimbursed=Decimal(billed) - sum(parts))


def settled_claim(customer, *, lines=None, position=0, **statement):
    """An accepted claim of ``customer``'s policy holder, settled by a statement."""
    from claims import lifecycle

    claim = ClaimFactory(customer=customer, insured_person=customer.policy_holder,
                         status=ClaimStatus.ACCEPTED, amount=Decimal("183.45"))
    record = benefit_statement_of(customer.policy_holder, lines or [kvg_line()], **statement)
    lifecycle.settle(claim, statement=record, position=position)
    claim.refresh_from_db()
    return claim


def cost_guarantee_of(customer, *, status=None, with_file=True, **fields):
    """A cost guarantee request of ``customer``'s policy holder, planned in a month, with a
    PDF from the doctor; ``status`` set straight on the row (for pages and lists)."""
    from datetime import timedelta

    from django.utils import timezone

    from claims.models import CostGuaranteeAttachment, CostGuaranteeRequest
    from core.tests.samples import pdf_bytes

    values = {"provider_name": "Clinique du Parc (fictive)", "provider_place": "Lausanne",
              "planned_date": timezone.localdate() + timedelta(days=30),
              "treatment": "Prothèse du genou, 3 jours d'hospitalisation",
              "ward_class": "semi_private"}
    values.update(fields)
    guarantee = CostGuaranteeRequest.objects.create(
        customer=customer, insured_person=customer.insured_persons.order_by("pk").first(),
        **values, **({"status": status} if status else {}))
    if with_file:
        data = pdf_bytes(1, "Rapport du médecin")
        attachment = CostGuaranteeAttachment(
            request=guarantee, content_type="application/pdf",
            sha256=hashlib.sha256(data).hexdigest(), original_name="rapport.pdf",
            size=len(data))
        attachment.file.save("document.pdf", ContentFile(data), save=False)
        attachment.save()
    return guarantee
