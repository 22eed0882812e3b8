"""The steps that read one uploaded file, and the context they share.

``FILE_STEPS`` in order: decode the bytes into pages; look for the QR-bill on the pages as
decoded (it also tells how the page is turned); normalise the images (perspective, orientation,
skew, lighting, noise); look for the QR-bill again on the normalised images when the first look
found none; OCR (or take the PDF's text layer); lay the words out in boxes; extract the fields;
read again the regions where a field was not found; cross-check the printed text with the
QR-bill. Each step is a small class with ``name`` and ``run(ctx)`` (see ``chain``).

After the OCR the context can be stored (:meth:`IntakeContext.snapshot`) and the steps from
``layout`` on run again from it without the images (:func:`resume`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .chain import StepRecord
from .errors import IntakeError, TransientIntakeError
from .extraction import FIELD_NAMES, Field, extract_fields
from .layout import Box, boxes_from_lines
from .normalise import MAX_PAGES, Page, load_pages, normalise_image
from .notes import Note
from .ocr import Line, line_as_json, line_from_json, lines_from_runs, lines_from_text, ocr_image
from .qrbill import QrBill, QrBillError, parse_spc, read_qr_bill
from .rescue import rescue_lines

__all__ = [
    "IntakeContext", "FILE_STEPS", "RESUMABLE", "Decode", "ReadQr", "Normalise", "Ocr",
    "Layout", "Extract", "Rescue", "CrossCheck", "resume_steps",
]

PRIMARY_PSM = 6  # Tesseract: the page as one block of text, rows kept together
# fields whose absence sends the rows of their labels to a second, closer reading
RESCUE_FIELDS = ("amount", "invoice_date", "invoice_number", "patient_name", "provider_gln",
                 "patient_birth_date")
# below this confidence a field is a guess (no label named it: the latest date, the largest
# amount, an unlabelled GLN): it is read again like a missing one, and a better reading wins
GUESS = 0.6


@dataclass
class IntakeContext:
    """What the steps of one file share; each step reads and fills a part of it."""

    data: bytes = b""
    filename: str = ""
    today: date | None = None
    pages: list[Page] = field(default_factory=list)
    page_count: int = 0
    qr: QrBill | None = None
    qr_payload: str = ""
    qr_page: int | None = None
    qr_turn: int | None = None  # clockwise degrees that make the QR's page upright
    lines: list[Line] = field(default_factory=list)
    extra_lines: list[Line] | None = None  # the rescue's second reading (None: not run)
    boxes: list[Box] = field(default_factory=list)
    fields: dict[str, Field | None] = field(default_factory=lambda: dict.fromkeys(FIELD_NAMES))
    notes: list[Note] = field(default_factory=list)
    records: list[StepRecord] = field(default_factory=list)

    @property
    def image_pages(self) -> list[Page]:
        return [p for p in self.pages if not p.has_text_layer]

    def snapshot(self) -> dict[str, Any]:
        """What the steps from ``layout`` on need, as JSON: the words of every page, the
        QR-bill's payload, the records (and notes) of the steps run so far."""
        return {
            "version": 1,
            "pages": self.page_count,
            "qr_payload": self.qr_payload,
            "lines": [line_as_json(ln) for ln in self.lines],
            "extra_lines": (None if self.extra_lines is None
                            else [line_as_json(ln) for ln in self.extra_lines]),
            "records": [r.as_json() for r in self.records],
        }

    @classmethod
    def from_snapshot(cls, data: dict[str, Any], *, before: str) -> IntakeContext:
        """A context as it was before the step ``before`` (whose records are dropped)."""
        records = [StepRecord.from_json(r) for r in data.get("records", [])]
        kept = []
        for record in records:
            if record.step in RESUMABLE and RESUMABLE.index(record.step) >= RESUMABLE.index(
                    before):
                break
            kept.append(record)
        qr = None
        if data.get("qr_payload"):
            try:
                qr = parse_spc(str(data["qr_payload"]))
            except QrBillError:
                qr = None
        extra = data.get("extra_lines")
        return cls(
            page_count=int(data.get("pages", 0)), qr=qr, qr_payload=str(data.get("qr_payload")
                                                                         or ""),
            lines=[line_from_json(x) for x in data.get("lines", [])],
            extra_lines=None if extra is None else [line_from_json(x) for x in extra],
            notes=[Note(n["code"], dict(n.get("params") or {})) for r in kept for n in r.notes],
            records=kept,
        )


# ------------------------------------------------------------------------------ steps


class Decode:
    """Bytes -> pages (images as decoded, EXIF applied; the PDF's text layer)."""

    name = "decode"

    def __init__(self, *, first: int = MAX_PAGES) -> None:
        self.first = first  # of a PDF, decode only the first pages

    def run(self, ctx: IntakeContext) -> dict[str, Any]:
        ctx.pages = load_pages(ctx.data, normalise=False, first=self.first)
        ctx.page_count = len(ctx.pages)
        return {"pages": ctx.page_count,
                "text_layer": [p.has_text_layer for p in ctx.pages],
                "size": [list(p.original.size) for p in ctx.pages]}


class ReadQr:
    """The Swiss QR-bill, from the last page first (the payment part is there). ``normalised``:
    look at the normalised images, and only when the first look found nothing."""

    name = "qr"

    def __init__(self, *, normalised: bool = False) -> None:
        self.normalised = normalised

    def run(self, ctx: IntakeContext) -> dict[str, Any] | None:
        if self.normalised and (ctx.qr is not None or not ctx.image_pages):
            return None
        for page in reversed(ctx.pages):
            if self.normalised and page.has_text_layer:
                continue
            found = read_qr_bill([page.image if self.normalised else page.original])
            for warning in found.warnings:
                ctx.notes.append(Note("qr_invalid", {"detail": warning}))
            if found.bill is not None:
                ctx.qr, ctx.qr_payload, ctx.qr_page = found.bill, found.payload, page.index
                ctx.qr_turn = None if self.normalised else found.turn
                return {"found": True, "page": page.index + 1, "turn": found.turn,
                        "reference_type": found.bill.reference_type}
            if found.warnings:
                break
        return {"found": False}


class Normalise:
    """Each image page: perspective, orientation, skew, lighting, noise. The orientation comes
    from the QR-bill when it was read on that page, else from Tesseract's OSD."""

    name = "normalise"

    def run(self, ctx: IntakeContext) -> dict[str, Any]:
        out = []
        for page in ctx.pages:
            if page.has_text_layer:  # rendered in grayscale already: no copy
                page.image = page.original if page.original.mode == "L" else (
                    page.original.convert("L"))
                page.original = page.image
                continue
            known = ctx.qr_turn if page.index == ctx.qr_page else None
            page.image, info = normalise_image(page.original, rotation=known)
            # no later step looks at the page as decoded: let it go (a photo in colour holds
            # three bytes a pixel, the normalised page one), so that a PDF of many pages does
            # not hold two images of each until the end
            page.original = page.image
            page.rotation, page.skew = info["rotation"], info["skew"]
            page.perspective_fixed = info["perspective_fixed"]
            if page.rotation:
                ctx.notes.append(Note("rotated", {"page": page.index + 1,
                                                  "degrees": page.rotation}))
            out.append({"page": page.index + 1, **info})
        return {"pages": out}


class Ocr:
    """The words of every page with their boxes: the PDF's text layer, else Tesseract."""

    name = "ocr"

    def run(self, ctx: IntakeContext) -> dict[str, Any]:
        ctx.lines, out = [], []
        for page in ctx.pages:
            if page.has_text_layer:
                lines = (lines_from_runs(page.text_runs, page=page.index) if page.text_runs
                         else lines_from_text(page.text_layer, page=page.index))
                out.append({"page": page.index + 1, "source": "text-layer",
                            "lines": len(lines)})
                ctx.lines.extend(lines)
                continue
            result = ocr_image(page.image, page=page.index, psm=PRIMARY_PSM)
            if result.words and result.mean_conf < 0.5:
                ctx.notes.append(Note("low_ocr_confidence", {
                    "page": page.index + 1, "confidence": round(result.mean_conf, 2)}))
            out.append({"page": page.index + 1, "source": "ocr", "words": len(result.words),
                        "confidence": round(result.mean_conf, 2)})
            ctx.lines.extend(result.lines)
        return {"pages": out}


class Layout:
    """The words as boxes: runs of words split at column gaps, each on its printed row."""

    name = "layout"

    def run(self, ctx: IntakeContext) -> dict[str, Any]:
        ctx.boxes = boxes_from_lines(ctx.lines)
        return {"boxes": len(ctx.boxes), "rows": len(ctx.lines)}


def _found(fields: dict[str, Field | None]) -> dict[str, Any]:
    return {name: {"source": f.source, "confidence": round(float(f.confidence), 2)}
            for name, f in fields.items() if f is not None}


class Extract:
    """The invoice's fields from the words (and the QR-bill, which wins where it speaks)."""

    name = "extract"

    def run(self, ctx: IntakeContext) -> dict[str, Any]:
        ctx.fields = extract_fields(ctx.lines, ctx.qr, today=ctx.today, boxes=ctx.boxes)
        return {"found": _found(ctx.fields)}


class Rescue:
    """A second, closer reading of the rows where a missing or guessed field's label stands
    (image pages only; ``rescue``); what it finds fills the fields still missing and replaces
    a guess it reads with more confidence. Resumed from a snapshot, it reuses the stored
    second reading instead of running the OCR again."""

    name = "rescue"

    def run(self, ctx: IntakeContext) -> dict[str, Any] | None:
        missing = [n for n in RESCUE_FIELDS if _unsure(ctx.fields.get(n))]
        if not missing:
            return None
        if ctx.extra_lines is None:
            if not ctx.image_pages:
                return None
            try:
                ctx.extra_lines = rescue_lines(ctx.image_pages, ctx.lines, missing)
            except TransientIntakeError:
                raise
            except IntakeError as exc:
                # the first reading stands: a second one that fails fills nothing
                ctx.extra_lines = []
                return {"missing": missing, "filled": [], "error": str(exc)}
        if not ctx.extra_lines:
            return {"missing": missing, "filled": []}
        second = extract_fields(ctx.extra_lines, ctx.qr, today=ctx.today)
        # the fields it was read again for, when read better; any other field the first
        # reading left empty, when the second reading has it
        filled = [n for n in FIELD_NAMES if _better(second.get(n), ctx.fields.get(n))
                  and (n in missing or ctx.fields.get(n) is None)]
        for name in filled:
            ctx.fields[name] = second[name]
        return {"missing": missing, "filled": filled, "lines": len(ctx.extra_lines)}


def _unsure(f: Field | None) -> bool:
    return f is None or f.confidence < GUESS


def _better(new: Field | None, old: Field | None) -> bool:
    return new is not None and (old is None or new.confidence > old.confidence)


class CrossCheck:
    """The printed amount and IBAN against the QR-bill; the fields an advisor must enter."""

    name = "cross-check"

    def run(self, ctx: IntakeContext) -> dict[str, Any] | None:
        if not any(ln.text.strip() for ln in ctx.lines) and ctx.qr is None:
            ctx.notes.append(Note("no_text"))
        if ctx.qr is not None:
            printed = extract_fields(ctx.lines, today=ctx.today, boxes=ctx.boxes)
            amount, iban = printed["amount"], printed["iban"]
            if ctx.qr.amount is not None and amount and amount.value != ctx.qr.amount:
                ctx.notes.append(Note("qr_amount_differs", {
                    "qr": f"{ctx.qr.amount:.2f}", "printed": f"{amount.value:.2f}"}))
            if iban and iban.value != ctx.qr.iban:
                ctx.notes.append(Note("qr_iban_differs", {"qr": ctx.qr.iban,
                                                          "printed": str(iban.value)}))
        missing = [n for n in ("amount", "invoice_date", "provider_gln")
                   if ctx.fields.get(n) is None]
        ctx.notes.extend(Note("field_missing", {"field": n}) for n in missing)
        return {"missing": missing} if missing else None


FILE_STEPS = (Decode(), ReadQr(), Normalise(), ReadQr(normalised=True), Ocr(), Layout(),
              Extract(), Rescue(), CrossCheck())
# the steps that can run again from a snapshot, in order
RESUMABLE = ("layout", "extract", "rescue", "cross-check")


def resume_steps(start: str) -> tuple[Any, ...]:
    """The steps from ``start`` (one of ``RESUMABLE``) to the end, the layout first: the boxes
    are not stored."""
    if start not in RESUMABLE:
        raise ValueError(f"cannot resume at {start!r}: one of {', '.join(RESUMABLE)}")
    later = RESUMABLE[RESUMABLE.index(start):]
    return (Layout(), *[s for s in FILE_STEPS if s.name in later and s.name != "layout"])
