"""Running the intake on a stored claim: a chain of steps on a :class:`ClaimContext`.

``process_claim(claim_id)`` is what the Celery task calls; it is safe to run twice (a claim
already past "processing" is left alone) and never loses the upload: a file the intake cannot
read still reaches the review queue, with a note for the advisor.

The steps (``claims.intake.chain`` times them, logs them and applies the error policy):
``read`` each file (the intake's own chain: decode, QR, normalise, OCR, layout, extract,
rescue, cross-check), ``merge`` the files' fields, ``patient`` check, then in one transaction
``store`` the fields and look for ``duplicates``. Each step's record (wall and CPU time, what it
produced, its notes) is kept in ``Claim.intake_log``; each file's words after the OCR are kept
beside it (``claims.snapshots``) so that ``reextract_claim`` (``reprocess_claims --step
extract``) runs the steps after the OCR again without the images.

Errors: a :class:`TransientIntakeError` or a failure of the outside world (storage, database)
goes up to the Celery task, which retries; a file the intake cannot read becomes a note and the
other files are still read; any other failure hands the claim to the advisors with a note
naming the step (``give_up``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from claims import notes as intake_notes
from claims import snapshots
from claims.intake import (
    IntakeError,
    InvoiceReading,
    TransientIntakeError,
    read_invoice,
    reread_invoice,
)
from claims.intake.chain import StepRecord, run_steps, totals_ms
from claims.intake.extraction import Field
from claims.lifecycle import change_status
from claims.models import (
    INTAKE_STATUSES,
    Claim,
    ClaimPage,
    ClaimStatus,
    ExtractedField,
    FieldSource,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet

logger = logging.getLogger(__name__)

# After this many attempts (each with its own Celery retries), stop and let an advisor look.
MAX_ATTEMPTS = 12  # more than one task run with all its Celery retries (9)

SOURCE_RANK: dict[str, int] = {FieldSource.QR: 2, FieldSource.TEXT_LAYER: 1, FieldSource.OCR: 1}

# On a claim the outside world can fail too (file storage, database): worth a retry.
TRANSIENT: tuple[type[BaseException], ...] = (
    TransientIntakeError, ConnectionError, TimeoutError, OSError, OperationalError,
    InterfaceError,
)

Notes = list[dict[str, Any]]


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


def _as_date(found: Field | None) -> date | None:
    if found is None:
        return None
    if isinstance(found.value, date):
        return found.value
    try:
        return date.fromisoformat(str(found.value))
    except ValueError:
        return None


def check_patient(claim: Claim, merged: dict[str, Field]) -> Notes:
    """Notes when the invoice names someone else than the insured person it was sent for."""
    name = merged.get("patient_name")
    person = claim.insured_person
    household = list(person.customer.insured_persons.all())
    return intake_notes.patient_mismatch(
        field_text(name.value) if name else None, _as_date(merged.get("patient_birth_date")),
        person, household,
    )


def _amount(found: Field | None) -> Decimal | None:
    if found is None:
        return None
    try:
        return Decimal(str(found.value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


# ------------------------------------------------------------------------------ the chain


@dataclass
class FileReading:
    """One uploaded file of the claim and what its reading gave (or why there is none)."""

    page: ClaimPage
    reading: InvoiceReading | None = None
    error: dict[str, Any] | None = None
    reused: bool = False  # the steps after the OCR ran again on the stored words

    @property
    def label(self) -> str:
        return self.page.original_name or str(self.page.order + 1)

    def log(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.label}
        if self.reading is not None:
            out["steps"] = [r.as_json() for r in self.reading.steps]
        if self.error is not None:
            out["error"] = self.error
        return out


@dataclass
class ClaimContext:
    claim: Claim
    reuse_words: bool = False
    files: list[FileReading] = field(default_factory=list)
    merged: dict[str, Field] = field(default_factory=dict)
    notes: Notes = field(default_factory=list)
    records: list[StepRecord] = field(default_factory=list)
    load_ms: float = 0.0
    duplicate: Claim | None = None

    @property
    def readings(self) -> list[InvoiceReading]:
        return [f.reading for f in self.files if f.reading is not None]

    def timings(self, total_ms: float) -> dict[str, float]:
        """Wall milliseconds per step of the files' readings, the load and the total."""
        out: dict[str, float] = {"load": round(self.load_ms, 1)}
        for reading in self.readings:
            for step, ms in reading.timings_ms.items():
                out[step] = round(out.get(step, 0.0) + ms, 1)
        out["total"] = round(total_ms, 1)
        return out

    def log(self, run: str) -> dict[str, Any]:
        return {"run": run, "at": timezone.now().isoformat(timespec="seconds"),
                "files": [f.log() for f in self.files],
                "steps": [r.as_json() for r in self.records]}


class ReadFiles:
    """Read each file with the intake's chain; with ``reuse_words``, run only the steps after
    the OCR on the file's stored snapshot. A file that cannot be read becomes a note."""

    name = "read"

    def _read(self, ctx: ClaimContext, item: FileReading) -> InvoiceReading:
        if ctx.reuse_words:
            stored = snapshots.load(item.page)
            if stored is not None:
                item.reused = True
                return reread_invoice(stored, filename=item.page.original_name)
        started = time.perf_counter()
        with item.page.file.open("rb") as handle:
            data = handle.read()
        ctx.load_ms += (time.perf_counter() - started) * 1000
        return read_invoice(data, filename=item.page.original_name)

    def run(self, ctx: ClaimContext) -> dict[str, Any]:
        for page in ctx.claim.pages.order_by("order", "id"):
            item = FileReading(page)
            ctx.files.append(item)
            try:
                item.reading = self._read(ctx, item)
            except TransientIntakeError:
                raise
            except IntakeError as exc:
                item.error = intake_notes.error_note(exc, file=item.label)
                ctx.notes.append(item.error)
                continue
            if not item.reused:
                snapshots.save(page, item.reading.snapshot)
            ctx.notes.extend(intake_notes.from_intake(n, file=item.label)
                             for n in item.reading.notes)
        return {"files": len(ctx.files), "read": len(ctx.readings),
                "reused": sum(f.reused for f in ctx.files)}


class Merge:
    """One value per field across the files: the QR-bill's, then the most confident."""

    name = "merge"

    def run(self, ctx: ClaimContext) -> dict[str, Any]:
        ctx.merged = merge_fields([r.fields for r in ctx.readings])
        return {"fields": sorted(ctx.merged)}


class CheckPatient:
    """Whether the invoice names the insured person the claim was sent for."""

    name = "patient"

    def run(self, ctx: ClaimContext) -> dict[str, Any]:
        if not ctx.readings:
            ctx.notes.insert(0, intake_notes.note("no_page_read"))
            return {"checked": False}
        found = check_patient(ctx.claim, ctx.merged)
        ctx.notes[:0] = found
        return {"checked": True, "mismatch": bool(found)}


class Store:
    """The fields on the claim (an advisor's corrections are kept), its list columns and
    the notes. Runs in the transaction that holds the claim's row."""

    name = "store"

    def run(self, ctx: ClaimContext) -> dict[str, Any]:
        claim, merged = ctx.claim, ctx.merged
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
        claim.review_notes = ctx.notes[:100]
        return {"stored": len(merged), "kept": sorted(advisor_fields)}


class Duplicates:
    """An earlier claim of the household with the same files or the same invoice."""

    name = "duplicates"

    def run(self, ctx: ClaimContext) -> dict[str, Any]:
        ctx.duplicate = find_duplicate(ctx.claim)
        ctx.claim.is_duplicate = ctx.duplicate is not None
        ctx.claim.duplicate_of = ctx.duplicate
        return {"duplicate_of": ctx.duplicate.pk if ctx.duplicate else None}


READ_STEPS = (ReadFiles(), Merge(), CheckPatient())
STORE_STEPS = (Store(), Duplicates())
STORED_COLUMNS = ["amount", "currency", "provider_name", "timings", "intake_log",
                  "review_notes", "is_duplicate", "duplicate_of", "updated_at"]


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


def _failed(claim_id: int, exc: IntakeError) -> Outcome:
    """A step failed for good: the claim goes to the advisors with a note naming it."""
    logger.error("intake: claim %s failed at step %s: %s", claim_id, exc.step, exc.message)
    give_up(claim_id, intake_notes.note("step_failed", {"step": exc.step or "?",
                                                       "detail": exc.message}))
    return Outcome(status=ClaimStatus.TO_REVIEW)


def process_claim(claim_id: int) -> Outcome:
    """Read a claim's pages and move it to "to review". Raises TransientIntakeError to retry."""
    claim = _start(claim_id)
    if claim is None:
        current = Claim.objects.filter(pk=claim_id).values_list("status", flat=True).first()
        return Outcome(status=current or "", skipped=True)
    if claim.attempts > MAX_ATTEMPTS:
        give_up(claim_id, intake_notes.note("gave_up_attempts", {"attempts": MAX_ATTEMPTS}))
        return Outcome(status=ClaimStatus.TO_REVIEW)
    started = time.perf_counter()
    ctx = ClaimContext(claim=claim)
    try:
        run_steps(ctx, READ_STEPS, transient=TRANSIENT)
        with transaction.atomic():
            ctx.claim = Claim.objects.select_for_update().get(pk=claim_id)
            if ctx.claim.status != ClaimStatus.PROCESSING:
                return Outcome(status=ctx.claim.status, skipped=True)  # another run finished
            run_steps(ctx, STORE_STEPS, transient=TRANSIENT)
            ctx.claim.timings = ctx.timings((time.perf_counter() - started) * 1000)
            ctx.claim.intake_log = ctx.log("full")
            ctx.claim.save(update_fields=STORED_COLUMNS)
            change_status(ctx.claim, ClaimStatus.TO_REVIEW)
    except TransientIntakeError:
        raise
    except IntakeError as exc:
        return _failed(claim_id, exc)
    logger.info("intake: claim %s read in %s ms, %s fields, duplicate of %s", claim_id,
                ctx.claim.timings["total"], len(ctx.merged),
                ctx.duplicate.pk if ctx.duplicate else None)
    return Outcome(status=ClaimStatus.TO_REVIEW, fields=len(ctx.merged),
                   duplicate_of=ctx.duplicate.pk if ctx.duplicate else None)


# Claims the re-extraction takes: read, not settled; the intake's own are left to it.
REEXTRACT_STATUSES = (ClaimStatus.TO_REVIEW, ClaimStatus.ACCEPTED, ClaimStatus.REJECTED)


def has_snapshots(claim: Claim) -> bool:
    return all(snapshots.load(page) is not None for page in claim.pages.all())


def reextract_claim(claim_id: int) -> Outcome | None:
    """Run the steps after the OCR again on the stored words of every file (no OCR), then
    merge, check and store as the intake does. A decided claim goes back to review. ``None``
    when a file has no stored words (the claim needs a full reading: ``services.reprocess``)."""
    claim = Claim.objects.filter(pk=claim_id, status__in=REEXTRACT_STATUSES).first()
    if claim is None:
        return None
    if not has_snapshots(claim):
        return None
    started = time.perf_counter()
    ctx = ClaimContext(claim=claim, reuse_words=True)
    run_steps(ctx, READ_STEPS, transient=TRANSIENT)
    with transaction.atomic():
        ctx.claim = Claim.objects.select_for_update().get(pk=claim_id)
        if ctx.claim.status not in REEXTRACT_STATUSES:
            return Outcome(status=ctx.claim.status, skipped=True)
        run_steps(ctx, STORE_STEPS, transient=TRANSIENT)
        ctx.claim.timings = ctx.timings((time.perf_counter() - started) * 1000)
        ctx.claim.intake_log = ctx.log("extract")
        ctx.claim.save(update_fields=STORED_COLUMNS)
        if ctx.claim.status != ClaimStatus.TO_REVIEW:
            change_status(ctx.claim, ClaimStatus.TO_REVIEW, note="reprocess")
    return Outcome(status=ClaimStatus.TO_REVIEW, fields=len(ctx.merged),
                   duplicate_of=ctx.duplicate.pk if ctx.duplicate else None)


def give_up(claim_id: int, reason: dict[str, Any]) -> None:
    """Hand a claim the pipeline could not read to the advisors, with the reason (a note)."""
    with transaction.atomic():
        claim = Claim.objects.select_for_update().filter(pk=claim_id).first()
        if claim is None or claim.status not in INTAKE_STATUSES:
            return
        claim.review_notes = [reason, *(claim.review_notes or [])][:100]
        claim.save(update_fields=["review_notes", "updated_at"])
        change_status(claim, ClaimStatus.TO_REVIEW)


def claims_stuck(*, received_minutes: int, processing_minutes: int) -> QuerySet[Claim]:
    """Claims waiting too long for the intake (broker was down, a worker died)."""
    now = timezone.now()
    return (Claim.objects.filter(status=ClaimStatus.RECEIVED,
                                 status_changed_at__lt=now - timedelta(
                                     minutes=received_minutes))
            | Claim.objects.filter(status=ClaimStatus.PROCESSING,
                                   status_changed_at__lt=now - timedelta(
                                       minutes=processing_minutes)))


def step_totals(claim: Claim, key: str = "cpu_ms") -> dict[str, float]:
    """CPU (or wall) milliseconds per step of a claim's last reading, files summed."""
    records = [StepRecord.from_json(r) for f in (claim.intake_log or {}).get("files", [])
               for r in f.get("steps", [])]
    records += [StepRecord.from_json(r) for r in (claim.intake_log or {}).get("steps", [])]
    return totals_ms(records, key)
