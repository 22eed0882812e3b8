"""Building a household's data export: a ZIP with JSON and the original files.

``build_archive(customer)`` writes to a temporary file (documents can add up to many MB)
and returns it; ``build_export(export)`` stores that file in the private (encrypted) storage
and marks the export ready for ``EXPORT_VALID_DAYS``. ``purge_expired()`` deletes the files
of exports past their date. Each app's data is read here: the export combines every app, so
it stands above them all.
"""

from __future__ import annotations

import json
import logging
import tempfile
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from django.apps import apps
from django.core.files import File
from django.utils import timezone

from accounts.models import Customer
from audit.activity import describe, events_for
from exports.models import DataExport

if TYPE_CHECKING:
    from django.db.models.fields.files import FieldFile

    from documents.models import PremiumInvoice

logger = logging.getLogger(__name__)

# 2: activity kinds are named after the app that records them ("accounts.login").
FORMAT_VERSION = 2
MAX_ATTEMPTS = 5


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) \
            else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _write_json(archive: zipfile.ZipFile, name: str, data: object) -> None:
    archive.writestr(name, json.dumps(data, ensure_ascii=False, indent=2,
                                      default=_json_default))


def _copy_file(archive: zipfile.ZipFile, field_file: FieldFile, arcname: str) -> bool:
    """Copy one stored (encrypted) file into the archive, decrypted. False if missing."""
    try:
        if not field_file.name:
            raise FileNotFoundError("the field holds no file")
        with field_file.storage.open(field_file.name, "rb") as handle, \
                archive.open(arcname, "w", force_zip64=True) as target:
            while chunk := handle.read(64 * 1024):
                target.write(chunk)
    except FileNotFoundError:
        logger.warning("export: stored file missing", extra={"path": field_file.name})
        return False
    return True


def _profile(customer: Customer) -> dict[str, Any]:
    account = customer.account
    return {
        "customer_number": customer.customer_number,
        "online_contract": account.username if account else None,
        "account": {
            "first_name": account.first_name, "last_name": account.last_name,
            "mobile_phone": account.mobile_phone, "language": account.language,
            "date_joined": account.date_joined, "last_login": account.last_login,
        } if account else None,
        "address": {"street": customer.street, "postcode": customer.postcode,
                    "locality": customer.locality},
        "email": customer.email,
        "landline_phone": customer.landline_phone,
        "correspondence_language": customer.language,
        "correspondence": customer.correspondence,
        "notify_channel": customer.notify_channel,
        "portal_registered_at": customer.portal_registered_at,
        "correspondence_history": [
            {"preference": c.preference, "changed_at": c.changed_at}
            for c in customer.correspondence_changes.all()],
        "address_changes": [
            {"street": c.street, "postcode": c.postcode, "locality": c.locality,
             "effective_on": c.effective_on, "created_at": c.created_at,
             "applied_at": c.applied_at, "cancelled_at": c.cancelled_at}
            for c in customer.address_changes.all()],
        # Masked like everywhere else: a lost export must not give away where the money goes.
        "payout_accounts": [
            {"iban": a.masked, "holder": a.holder, "set_at": a.set_at,
             "replaced_at": a.replaced_at}
            for a in customer.payout_accounts.order_by("set_at", "id")],
        "insured_persons": [
            {"id": p.pk, "insured_number": p.insured_number, "first_name": p.first_name,
             "last_name": p.last_name, "birth_date": p.birth_date,
             "is_policy_holder": p.is_policy_holder}
            for p in customer.insured_persons.all()],
    }


def _coverages(customer: Customer) -> list[dict[str, Any]]:
    if not apps.is_installed("policies"):
        return []
    from policies.models import Coverage

    return [
        {"insured_person": c.insured_person_id, "insured_number": c.insured_person.insured_number,
         "product_code": c.product.code, "product": c.product.name_fr, "line": c.product.line,
         "franchise_chf": c.franchise, "start": c.start, "end": c.end,
         "monthly_premium_chf": c.monthly_premium}
        for c in Coverage.objects.filter(insured_person__customer=customer)
        .select_related("product", "insured_person").order_by("insured_person_id", "start")]


def _documents(customer: Customer, archive: zipfile.ZipFile) -> list[dict[str, Any]]:
    from documents.access import download_name
    from documents.models import Document

    rows = []
    for document in (Document.objects.for_customer(customer)
                     .select_related("insured_person", "premium_invoice")
                     .prefetch_related("premium_invoice__lines")
                     .order_by("issue_date", "id")):
        arcname = f"documents/{document.pk}_{download_name(document)}"
        included = _copy_file(archive, document.file, arcname)
        row = {
            "id": document.pk, "type": document.type, "title": document.title,
            "insured_person": document.insured_person_id, "issue_date": document.issue_date,
            "period": document.period, "reference": document.reference,
            "content_type": document.content_type, "size": document.size,
            "sha256": document.checksum, "retain_until": document.retain_until,
            "file": arcname if included else None,
        }
        invoice = getattr(document, "premium_invoice", None)
        if invoice is not None:
            row["premium_invoice"] = _premium_invoice(invoice)
        rows.append(row)
    return rows


def _premium_invoice(invoice: PremiumInvoice) -> dict[str, Any]:
    """A premium invoice's figures: what its page shows, payment and reminder included (the
    PDF was printed before them)."""
    return {
        "period": invoice.period, "due_date": invoice.due_date, "gross_chf": invoice.gross,
        "online_discount_chf": invoice.discount, "total_chf": invoice.total,
        "qr_reference": invoice.qr_reference, "paid_on": invoice.paid_on,
        "reminded_on": invoice.reminded_on,
        "lines": [{"insured_person": line.insured_person_id, "line": line.line,
                   "product": line.label, "gross_chf": line.gross,
                   "online_discount_chf": line.discount}
                  for line in invoice.lines.all()],
    }


def _threads(customer: Customer, archive: zipfile.ZipFile) -> list[dict[str, Any]]:
    from messaging.models import Thread

    threads = []
    for thread in (Thread.objects.filter(customer=customer).order_by("created_at", "id")
                   .prefetch_related("messages__attachments")):
        messages = []
        for message in thread.messages.all():
            attachments = []
            for item in message.attachments.all():
                arcname = f"messages/{thread.pk}/{item.pk}_{item.filename}"
                included = _copy_file(archive, item.file, arcname)
                attachments.append({"filename": item.filename, "content_type": item.content_type,
                                    "size": item.size, "file": arcname if included else None})
            messages.append({"sent_at": message.created_at,
                             "from": "advisor" if message.from_advisor else "customer",
                             "body": message.body, "read_at": message.read_at,
                             "attachments": attachments})
        threads.append({"id": thread.pk, "subject": thread.subject, "about": thread.about_label,
                        "status": thread.status, "created_at": thread.created_at,
                        "messages": messages})
    return threads


def _claims(customer: Customer, archive: zipfile.ZipFile) -> list[dict[str, Any]] | None:
    """Claims with their status history, extracted fields and original pages."""
    if not apps.is_installed("claims"):
        return None
    from claims.models import Claim

    rows = []
    claims = (Claim.objects.filter(customer=customer).order_by("created_at", "id")
              .prefetch_related("pages", "fields", "status_changes"))
    for claim in claims:
        pages = []
        for page in sorted(claim.pages.all(), key=lambda p: (p.order, p.pk)):
            extension = page.file.name.rsplit(".", 1)[-1] if "." in page.file.name else "bin"
            arcname = f"claims/{claim.pk}/page-{page.order + 1}.{extension}"
            included = _copy_file(archive, page.file, arcname)
            pages.append({"order": page.order, "content_type": page.content_type,
                          "page_count": page.page_count, "original_name": page.original_name,
                          "size": page.size, "file": arcname if included else None})
        rows.append({
            "id": claim.pk, "insured_person": claim.insured_person_id, "kind": claim.kind,
            "note": claim.note, "status": claim.status, "created_at": claim.created_at,
            "status_changed_at": claim.status_changed_at,
            "rejection_reason": claim.rejection_reason,
            "amount": claim.amount, "currency": claim.currency,
            "provider_name": claim.provider_name,
            "extracted_fields": [
                {"name": f.name, "value": f.value, "source": f.source,
                 "confidence": f.confidence, "edited_by_advisor": f.edited_by_id is not None}
                for f in sorted(claim.fields.all(), key=lambda f: (f.name, f.pk))],
            "status_history": [
                {"status": c.status, "at": c.at, "note": c.note}
                for c in sorted(claim.status_changes.all(), key=lambda c: (c.at, c.pk))],
            "pages": pages,
        })
    return rows


def _cost_guarantees(customer: Customer,
                     archive: zipfile.ZipFile) -> list[dict[str, Any]] | None:
    """Cost guarantee requests, what was decided, and the doctor's documents sent."""
    if not apps.is_installed("claims"):
        return None
    from claims.cost_guarantees import requests_for_household

    rows = []
    for guarantee in requests_for_household(customer).prefetch_related("attachments"):
        files = []
        for number, item in enumerate(guarantee.attachments.all(), 1):
            extension = item.file.name.rsplit(".", 1)[-1] if "." in item.file.name else "bin"
            arcname = f"guarantees/{guarantee.pk}/document-{number}.{extension}"
            included = _copy_file(archive, item.file, arcname)
            files.append({"original_name": item.original_name, "added_at": item.added_at,
                          "content_type": item.content_type, "size": item.size,
                          "file": arcname if included else None})
        rows.append({
            "id": guarantee.pk, "reference": guarantee.reference,
            "insured_person": guarantee.insured_person_id,
            "provider_name": guarantee.provider_name,
            "provider_place": guarantee.provider_place,
            "planned_date": guarantee.planned_date, "treatment": guarantee.treatment,
            "ward_class": guarantee.ward_class, "status": guarantee.status,
            "created_at": guarantee.created_at,
            "status_changed_at": guarantee.status_changed_at,
            "advisor_message": guarantee.advisor_message, "cover": guarantee.cover,
            "amount": guarantee.amount, "valid_until": guarantee.valid_until,
            "document": guarantee.document_id, "files": files,
        })
    return rows


def _contract_changes(customer: Customer) -> list[dict[str, Any]] | None:
    """Requests to change the deductible or the model, and what was decided."""
    if not apps.is_installed("customer_requests"):
        return None
    from customer_requests.models import ContractChange

    return [{
        "id": change.pk, "insured_person": change.insured_person_id,
        "effective_on": change.effective_on,
        "current_model": change.current_model, "current_deductible": change.current_deductible,
        "new_model": change.new_model, "new_deductible": change.new_deductible,
        "current_premium": change.current_premium, "new_premium": change.new_premium,
        "status": change.status, "refusal_reason": change.refusal_reason,
        "submitted_at": change.submitted_at, "decided_at": change.decided_at,
        "document": change.document_id,
    } for change in ContractChange.objects.filter(customer=customer).order_by("submitted_at")]


def _activity(customer: Customer) -> list[dict[str, Any]]:
    rows = []
    for event in events_for(customer).iterator(chunk_size=500):
        line = describe(event)
        by_staff = event.actor_id is not None and event.actor_id != event.user_id
        rows.append({"at": event.created_at, "kind": event.kind, "what": line.what,
                     "who": line.who, "where": line.where,
                     # The customer's own addresses only, never the insurer's internal ones.
                     "ip_address": None if by_staff else event.ip_address})
    return rows


def build_archive(customer: Customer) -> IO[bytes]:
    """The ZIP as a temporary file (rewound), ready to be stored."""
    target = tempfile.TemporaryFile()  # noqa: SIM115 - returned open to the caller
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        documents = _documents(customer, archive)
        threads = _threads(customer, archive)
        claims = _claims(customer, archive)
        guarantees = _cost_guarantees(customer, archive)
        contract_changes = _contract_changes(customer)
        data: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "generated_at": timezone.now(),
            "profile": _profile(customer),
            "coverages": _coverages(customer),
            "documents": documents,
            "message_threads": threads,
            "activity": _activity(customer),
        }
        if claims is not None:
            data["claims"] = claims
        if guarantees is not None:
            data["cost_guarantees"] = guarantees
        if contract_changes is not None:
            data["contract_changes"] = contract_changes
        _write_json(archive, "data.json", data)
        for part in ("profile", "coverages", "documents", "message_threads", "activity",
                     "claims", "cost_guarantees", "contract_changes"):
            if part in data:
                _write_json(archive, f"json/{part}.json", data[part])
        archive.writestr("LISEZMOI.txt", README)
    target.seek(0)
    return target


README = """Export de vos données – KPT portail clients

data.json         tout ce que le portail conserve sur votre ménage, en un fichier
json/*.json       les mêmes données, par partie (profil, couvertures, documents, messages,
                  journal d'activité, demandes de remboursement, demandes de
                  garantie de prise en charge, changements de franchise ou de modèle)
documents/        vos documents, tels que KPT les a émis
claims/           les pages de vos demandes de remboursement, telles que reçues
guarantees/       les documents du médecin joints à vos demandes de garantie
messages/         les pièces jointes de vos messages

Dates au format ISO (AAAA-MM-JJ), montants en CHF.
"""


def build_export(export: DataExport) -> DataExport:
    """Build and store the ZIP for a pending export (safe to run twice)."""
    if export.status != DataExport.Status.PENDING:
        return export
    export.attempts += 1
    export.save(update_fields=["attempts"])
    with build_archive(export.customer) as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(0)
        name = export.file.storage.save(export.file.field.upload_to(export, "export.zip"),
                                        File(handle, name="export.zip"))
    export.mark_ready(name, size)
    return export


def purge_expired(now: datetime | None = None) -> int:
    """Delete the files of exports past their date; the rows stay as history."""
    now = now or timezone.now()
    purged = 0
    for export in DataExport.objects.filter(status=DataExport.Status.READY, expires_at__lte=now):
        if export.file:
            export.file.storage.delete(export.file.name)
        export.file.name = ""
        export.status = DataExport.Status.EXPIRED
        export.save(update_fields=["file", "status"])
        purged += 1
    return purged
