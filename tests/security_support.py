"""Helpers for the cross-app security tests (IDOR walk, hostile input, logs, faults)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.tests.samples import pdf_bytes
from core.uploads import validate_upload
from documents.tests.factories import make_document, private_storage_follows_settings
from messaging import conversations
from messaging.tests.factories import ThreadFactory


@pytest.fixture(autouse=True)
def _document_storage(_private_storage_in_tmp):
    """FileFields bind their storage at import; point them at this test's (tmp) storage."""
    with private_storage_follows_settings():
        yield


def document_of(customer, **kwargs):
    return make_document(insured_person=customer.policy_holder, **kwargs)


def thread_of(customer):
    return ThreadFactory(customer=customer)


def attachment_of(customer):
    upload = SimpleUploadedFile("facture.pdf", pdf_bytes(), content_type="application/pdf")
    thread = conversations.start_thread(
        customer=customer, author=customer.account, subject="Avec pièce jointe", body="Voir.",
        files=[("facture.pdf", validate_upload(upload))])
    return thread.messages.get().attachments.get()


def marker_pdf(marker: str) -> bytes:
    """A one-page PDF whose bytes contain ``marker`` verbatim (no stream compression)."""
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pageCompression=0)
    pdf.drawString(72, 720, marker)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def export_of(customer):
    """A ready data export of ``customer``'s household."""
    from exports.building import build_export
    from exports.models import DataExport

    return build_export(DataExport.objects.create(customer=customer,
                                                  requested_by=customer.account))


def claim_of(customer):
    from claims.tests.factories import ClaimFactory

    return ClaimFactory(customer=customer, insured_person=customer.policy_holder)


def claim_builders() -> dict:
    """IDOR builders for the claims pages (merged from claims-web)."""
    def page(a):
        claim = claim_of(a.customer)
        return {"pk": claim.pk, "page_pk": claim.pages.get().pk}

    def pre_read(a):
        from django.urls import reverse

        from claims.tests.factories import QR_TEXT_PDF

        upload = SimpleUploadedFile("facture.pdf", QR_TEXT_PDF.read_bytes())
        started = a.client.post(reverse("claims:pre_read"), {"page": upload})
        return {"token": started.json()["token"]}

    return {
        "claims:detail": lambda a: {"pk": claim_of(a.customer).pk},
        "claims:status": lambda a: {"pk": claim_of(a.customer).pk},
        "claims:page": page,
        "claims:pre_read_result": pre_read,
        "claims:guarantee_detail": lambda a: {"pk": guarantee_of(a.customer).pk},
    }


def guarantee_of(customer):
    from claims.tests.factories import cost_guarantee_of

    return cost_guarantee_of(customer)
