"""A chain of small steps over one context, and the runner that owns what they share.

Each step does one thing (decode, normalise, QR, OCR, layout, extract, cross-check; on a
claim: read, merge, patient check, duplicates) and returns a small JSON-able summary of what it
produced. The runner times every step (wall and CPU, the CPU of the processes it started
included: Tesseract runs as a child process), logs it, keeps a :class:`StepRecord` on the
context and applies the error policy:

- a :class:`TransientIntakeError` (a timeout, a missing binary) goes up unchanged: the caller
  (the Celery task) retries later; a chain that talks to the outside world (the claim's: file
  storage, database) names more transient errors (``transient=``);
- an :class:`IntakeError` is permanent: the step is recorded as failed and the error goes up
  with the step's name in ``step``, for the caller to hand the claim to an advisor;
- anything else is a permanent error too, wrapped in an :class:`IntakeError` so that no
  library exception leaks (a ``MemoryError`` becomes :class:`ImageTooLargeError`).
"""

from __future__ import annotations

import logging
import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from .errors import ImageTooLargeError, IntakeError, TransientIntakeError

__all__ = ["StepRecord", "Step", "HasRecords", "run_one", "run_steps", "cpu_seconds", "totals_ms"]

logger = logging.getLogger("claims.intake")

# worth a retry, never a verdict on the file
TRANSIENT: tuple[type[BaseException], ...] = (TransientIntakeError,)


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (Tesseract), user + system."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


@dataclass
class StepRecord:
    """What one step did: its outcome, its time and what it produced."""

    step: str
    status: str = "ok"  # "ok" | "failed"
    wall_ms: float = 0.0
    cpu_ms: float = 0.0
    out: dict[str, Any] = field(default_factory=dict)
    notes: list[dict[str, Any]] = field(default_factory=list)  # the notes the step added
    error: str = ""

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"step": self.step, "status": self.status,
                                "wall_ms": self.wall_ms, "cpu_ms": self.cpu_ms}
        for key in ("out", "notes", "error"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StepRecord:
        return cls(step=str(data.get("step", "")), status=str(data.get("status", "ok")),
                   wall_ms=float(data.get("wall_ms", 0.0)), cpu_ms=float(data.get("cpu_ms", 0.0)),
                   out=dict(data.get("out") or {}), notes=list(data.get("notes") or []),
                   error=str(data.get("error", "")))


class HasRecords(Protocol):
    """A context: the records of the steps run so far and the notes they added (a note is a
    :class:`~claims.intake.notes.Note` or its JSON)."""

    records: list[StepRecord]

    @property
    def notes(self) -> list[Any]: ...


def _note_json(note: Any) -> dict[str, Any]:
    return note.as_json() if hasattr(note, "as_json") else dict(note)


C = TypeVar("C", bound=HasRecords)
C_contra = TypeVar("C_contra", bound=HasRecords, contravariant=True)


class Step(Protocol[C_contra]):
    """One step: ``name`` for the records and ``run`` that changes the context and returns
    a summary of what it produced (or ``None``)."""

    name: str

    def run(self, ctx: C_contra) -> dict[str, Any] | None: ...


@dataclass
class _Clock:
    wall: float = field(default_factory=time.perf_counter)
    cpu: float = field(default_factory=cpu_seconds)

    def record(self, name: str) -> StepRecord:
        return StepRecord(step=name, wall_ms=round((time.perf_counter() - self.wall) * 1000, 1),
                          cpu_ms=round((cpu_seconds() - self.cpu) * 1000, 1))


def _permanent(exc: BaseException) -> IntakeError:
    if isinstance(exc, IntakeError):
        return exc
    if isinstance(exc, MemoryError):
        return ImageTooLargeError("The file needs too much memory to be read.")
    return IntakeError(f"Unexpected failure while reading the invoice "
                       f"({type(exc).__name__}: {exc})")


def run_one(ctx: C, step: Step[C], *,
            transient: tuple[type[BaseException], ...] = TRANSIENT) -> StepRecord:
    """Run one step on ``ctx``, record it, apply the error policy."""
    clock = _Clock()
    noted = len(ctx.notes)
    try:
        out = step.run(ctx)
    except transient as exc:
        record = clock.record(step.name)
        record.status, record.error = "failed", f"{type(exc).__name__}: {exc}"
        ctx.records.append(record)
        logger.warning("intake step %s: transient error after %.0f ms: %s", step.name,
                       record.wall_ms, exc)
        raise
    except Exception as exc:  # noqa: BLE001 - the policy: everything else is permanent
        error = _permanent(exc)
        record = clock.record(step.name)
        record.status, record.error = "failed", error.message
        ctx.records.append(record)
        logger.info("intake step %s failed: %s", step.name, error.message)
        error.step = step.name
        if error is exc:
            raise
        raise error from exc
    record = clock.record(step.name)
    record.out = out or {}
    record.notes = [_note_json(n) for n in ctx.notes[noted:]]
    ctx.records.append(record)
    logger.debug("intake step %s: %.0f ms wall, %.0f ms CPU", step.name, record.wall_ms,
                 record.cpu_ms)
    return record


def run_steps(ctx: C, steps: Sequence[Step[C]], *,
              transient: tuple[type[BaseException], ...] = TRANSIENT) -> C:
    """Run ``steps`` in order on ``ctx``; see the module's docstring for the error policy."""
    for step in steps:
        run_one(ctx, step, transient=transient)
    return ctx


def totals_ms(records: Sequence[StepRecord], key: str = "wall_ms") -> dict[str, float]:
    """Milliseconds per step name (a step that ran several times is summed)."""
    out: dict[str, float] = {}
    for record in records:
        out[record.step] = round(out.get(record.step, 0.0) + float(getattr(record, key)), 1)
    return out
