"""Running the intake pipeline on a stored claim: read each page, keep the best fields,
flag likely duplicates, hand the claim to the advisors.

``process_claim(claim_id)`` is what the Celery task calls; it is safe to run twice (a claim
already past "processing" is left alone) and never loses the upload: a file the pipeline
cannot read still reaches the review queue, with a warning for the advisor.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from claims.intake import IntakeError, TransientIntakeError, read_invoice
from claims.intake.extraction import Field
from claims.models import (
    INTAKE_STATUSES,
    Claim,
    ClaimStatus,
    ExtractedField,
    FieldSource,
)
from claims.services import change_status

logger = logging.getLogger(__name__)

# After this many attempts (each with its own Celery retries), stop and let an advisor look.
MAX_ATTEMPTS = 12  # more than one task run with all its Celery retries (9)

SOURCE_RANK = {FieldSource.QR: 2, FieldSource.TEXT_LAYER: 1, FieldSource.OCR: 1}


@dataclass(frozen=True)
class Outcome:
    status: str
    skipped: bool = False
    fields: int = 0
    duplicate_of: int | None = None


def field_text(value: object) -> str:
    if isinstance(value, Decimal):
        return f"{value.quantize(Decimal('0.01'))}"
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def merge_fields(readings: list[dict[str, Field | None]]) -> dict[str, Field]:
    """Across pages: a QR-bill's field wins, then the most confident reading."""
    best: dict[str, Field] = {}
    for fields in readings:
        for name, found in fields.items():
            if found is None or found.value in (None, ""):
                continue
            current = best.get(name)
            key = (SOURCE_RANK.get(found.source, 0), found.confidence)
            if current is None or key > (SOURCE_RANK.get(current.source, 0), current.confidence):
                best[name] = found
    return best


def find_duplicate(claim: Claim) -> Claim | None:
    """An earlier claim of the household with the same files, or the same invoice."""
    earlier = Claim.objects.filter(customer_id=claim.customer_id, pk__lt=claim.pk)
    if claim.checksum:
        same_files = earlier.filter(checksum=claim.checksum).order_by("pk").first()
        if same_files is not None:
            return same_files
    values = dict(claim.fields.filter(name__in=["provider_gln", "invoice_number"])
                  .values_list("name", "value"))
    gln, number = values.get("provider_gln"), values.get("invoice_number")
    if not (gln and number and claim.amount is not None):
        return None
    return (earlier.filter(amount=claim.amount)
            .filter(fields__name="provider_gln", fields__value=gln)
            .filter(fields__name="invoice_number", fields__value=number)
            .order_by("pk").first())


def _start(claim_id: int) -> Claim | None:
    with transaction.atomic():
        claim = Claim.objects.select_for_update().filter(pk=claim_id).first()
        if claim is None:
            logger.warning("intake: claim %s does not exist", claim_id)
            return None
        if claim.status not in INTAKE_STATUSES:
            return None
        claim.attempts += 1
        claim.save(update_fields=["attempts", "updated_at"])
        if claim.status == ClaimStatus.RECEIVED:
            change_status(claim, ClaimStatus.PROCESSING)
        return claim


def _read_pages(claim: Claim) -> tuple[list[dict[str, Field | None]], dict, list[str]]:
    readings, timings, warnings = [], {}, []
    for page in claim.pages.order_by("order", "id"):
        started = time.perf_counter()
        with page.file.open("rb") as handle:
            data = handle.read()
        timings["load"] = round(timings.get("load", 0.0)
                                + (time.perf_counter() - started) * 1000, 1)
        try:
            reading = read_invoice(data, filename=page.original_name)
        except TransientIntakeError:
            raise
        except IntakeError as exc:
            warnings.append(f"{page.original_name or page.order + 1}: {exc.message}")
            continue
        readings.append(reading.fields)
        for step, ms in reading.timings_ms.items():
            timings[step] = round(timings.get(step, 0.0) + ms, 1)
        warnings.extend(f"{page.original_name or page.order + 1}: {w}"
                        for w in reading.warnings)
    return readings, timings, warnings


def _amount(field: Field | None) -> Decimal | None:
    if field is None:
        return None
    try:
        return Decimal(str(field.value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def process_claim(claim_id: int) -> Outcome:
    """Read a claim's pages and move it to "to review". Raises TransientIntakeError to retry."""
    claim = _start(claim_id)
    if claim is None:
        current = Claim.objects.filter(pk=claim_id).values_list("status", flat=True).first()
        return Outcome(status=current or "", skipped=True)
    if claim.attempts > MAX_ATTEMPTS:
        give_up(claim_id, f"Lecture automatique abandonnée après {MAX_ATTEMPTS} tentatives.")
        return Outcome(status=ClaimStatus.TO_REVIEW)
    started = time.perf_counter()
    readings, timings, warnings = _read_pages(claim)
    merged = merge_fields(readings)
    timings["total"] = round((time.perf_counter() - started) * 1000, 1)
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        if claim.status != ClaimStatus.PROCESSING:
            return Outcome(status=claim.status, skipped=True)  # another run finished first
        advisor_fields = set(claim.fields.filter(source=FieldSource.ADVISOR)
                             .values_list("name", flat=True))
        claim.fields.exclude(source=FieldSource.ADVISOR).delete()
        ExtractedField.objects.bulk_create([
            ExtractedField(claim=claim, name=name, value=field_text(found.value)[:300],
                           source=found.source, confidence=float(found.confidence))
            for name, found in merged.items() if name not in advisor_fields
        ])
        claim.amount = _amount(merged.get("amount"))
        currency = merged.get("currency")
        claim.currency = field_text(currency.value)[:3] if currency else ""
        provider = merged.get("provider_name")
        claim.provider_name = field_text(provider.value)[:200] if provider else ""
        claim.timings = timings
        if not readings:
            warnings.insert(0, "Aucune page n'a pu être lue automatiquement.")
        claim.review_warning = "\n".join(warnings)[:4000]
        duplicate = find_duplicate(claim)
        claim.is_duplicate = duplicate is not None
        claim.duplicate_of = duplicate
        claim.save(update_fields=["amount", "currency", "provider_name", "timings",
                                  "review_warning", "is_duplicate", "duplicate_of",
                                  "updated_at"])
        change_status(claim, ClaimStatus.TO_REVIEW)
    logger.info("intake: claim %s read in %s ms, %s fields, duplicate of %s", claim_id,
                timings["total"], len(merged), duplicate.pk if duplicate else None)
    return Outcome(status=ClaimStatus.TO_REVIEW, fields=len(merged),
                   duplicate_of=duplicate.pk if duplicate else None)


def give_up(claim_id: int, warning: str) -> None:
    """Hand a claim the pipeline could not read to the advisors, with the reason."""
    with transaction.atomic():
        claim = Claim.objects.select_for_update().filter(pk=claim_id).first()
        if claim is None or claim.status not in INTAKE_STATUSES:
            return
        claim.review_warning = "\n".join(filter(None, [warning, claim.review_warning]))[:4000]
        claim.save(update_fields=["review_warning", "updated_at"])
        change_status(claim, ClaimStatus.TO_REVIEW)


def claims_stuck(*, received_minutes: int, processing_minutes: int):
    """Claims waiting too long for the intake (broker was down, a worker died)."""
    now = timezone.now()
    return (Claim.objects.filter(status=ClaimStatus.RECEIVED,
                                 status_changed_at__lt=now - timedelta(
                                     minutes=received_minutes))
            | Claim.objects.filter(status=ClaimStatus.PROCESSING,
                                   status_changed_at__lt=now - timedelta(
                                       minutes=processing_minutes)))
