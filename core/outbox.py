"""The transactional outbox: the one way the portal queues work that matters.

``enqueue(task, *args)`` writes a ``DeferredTask`` row **in the current transaction** (so
the task exists if and only if the change that needs it was committed) and, once that
transaction commits, publishes it to the broker. The row stays until the task has run to
its end (``task_postrun`` with SUCCESS or FAILURE); the relay (``relay()``, every minute by
beat) publishes again what was never published (broker down, frozen, the process died
between commit and publish) and what was published long ago but never ran (the broker lost
its data, restarted empty). Delivery is at least once: tasks must be idempotent (they load
by id and check the state; see docs/operations.md).

Publishing is one attempt with short timeouts (settings: ``CELERY_BROKER_*``): a frozen
broker costs a request about a second, never more than ~2 s, and the customer gets the
normal answer because what they sent is already stored.

Concurrency: every publisher (the after-commit hook, any number of relays) takes the row
with ``select_for_update(skip_locked=True)`` inside a transaction and marks it published
before releasing it, so one message is sent per due row however many beats or web processes
run at once.

When is a published row presumed lost (``due``)? Each run of a task stamps its row
(``started_at``, at ``task_prerun``). A row that never started is sent again only after the
longest wait its queue may have (``settings.OUTBOX_NEVER_STARTED_AFTER``: an hour, six for
the OCR queue's backlog); one that started and went silent, only after the longest gap
between two runs of one retry chain (``SILENT_AFTER``: a run's hard time limit, the broker's
visibility timeout, a run waiting for a free process). A task that is still queued or still
retrying is therefore never sent twice by the relay; the numbers are in docs/operations.md.

Side effects that must not happen twice for one row (an SMS, an e-mail) go through
``acting_once``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from core import request_id

if TYPE_CHECKING:
    from celery import Task
    from celery.result import AsyncResult

    from core.models import DeferredTask

logger = logging.getLogger(__name__)

# kombu raises OperationalError when it cannot publish to the broker (connection refused,
# timeout, Redis gone); redis-py's own errors can surface from the result backend.
BROKER_DOWN: tuple[type[BaseException], ...] = (OperationalError, ConnectionError,
                                                TimeoutError, OSError)
TASK_ID_PREFIX = "outbox-"
# Started, then silent this long: the chain of runs is over without an end (its message was
# lost with the broker's data, or its last worker died and the message with it). The longest
# gap between two runs of a live chain: a run up to the intake's hard limit (300 s), then the
# retry (countdown <= 600 s) or the broker's redelivery of a dead worker's message (the
# visibility timeout, 900 s), then up to one more run ahead of it on a busy process (300 s):
# 1,500 s. docs/operations.md, "Queued work".
SILENT_AFTER = timedelta(minutes=30)
# After this many publications without the task ever finishing, the row is left for an
# operator (it shows in the admin and the outbox metrics) instead of being sent forever.
MAX_ATTEMPTS = 6


def task_id_for(row_id: int) -> str:
    return f"{TASK_ID_PREFIX}{row_id}"


def enqueue(task: Task[..., Any], *args: Any, countdown: float | None = None) -> DeferredTask:
    """Queue ``task(*args)`` as part of the current transaction (see the module's text).
    The one way the portal queues work: nothing else calls ``delay`` or ``apply_async``."""
    return _write(task, args, countdown)[0]


def submit(task: Task[..., Any], *args: Any) -> AsyncResult[Any]:
    """``enqueue`` for a task someone waits for (an operator's command): its result is kept
    (the task says ``awaited=True``) and this returns the handle to wait on."""
    if not getattr(task, "awaited", False):
        raise ValueError(f"{task.name} keeps no result: declare it with awaited=True")
    row, eager_result = _write(task, args, None)
    return eager_result if eager_result is not None else task.AsyncResult(task_id_for(row.pk))


def _write(task: Task[..., Any], args: tuple[Any, ...],
           countdown: float | None) -> tuple[DeferredTask, AsyncResult[Any] | None]:
    from core.models import DeferredTask

    not_before = timezone.now() + timedelta(seconds=countdown) if countdown else None
    row = DeferredTask.objects.create(task_name=task.name, args=list(args),
                                      not_before=not_before, request_id=request_id.current())
    if not_before is None:
        if _eager():
            # No broker (the test suite, CELERY_TASK_ALWAYS_EAGER): the task runs here and
            # now, as Celery's eager mode always did, its errors raised to the caller.
            return row, _publish_row(row.pk)
        transaction.on_commit(lambda: _after_commit(row.pk))
    return row, None


def _eager() -> bool:
    from celery import current_app

    return bool(current_app.conf.task_always_eager)


def _after_commit(row_id: int) -> None:
    """Whatever happens while publishing, the committed change stands (the relay retries)."""
    try:
        publish_one(row_id)
    except Exception:
        logger.exception("outbox publish failed, task kept for the relay")


def _publish(row: DeferredTask) -> AsyncResult[Any]:
    from celery import current_app

    task = current_app.tasks.get(row.task_name)
    if task is None:
        raise LookupError(row.task_name)
    # ignore_result unless someone waits for it (``submit``): asking for a result makes the
    # Redis result backend subscribe first, which a dead Redis turns into a long wait.
    return task.apply_async(args=tuple(row.args), task_id=task_id_for(row.pk),
                            ignore_result=not getattr(task, "awaited", False),
                            headers={"request_id": row.request_id}, retry=False)


def publish_one(row_id: int) -> bool:
    """After commit: publish the row unless another publisher holds it or already did."""
    return _publish_row(row_id) is not None


def _publish_row(row_id: int) -> AsyncResult[Any] | None:
    from core.models import DeferredTask

    try:
        with transaction.atomic():
            row = (DeferredTask.objects.select_for_update(skip_locked=True)
                   .filter(pk=row_id, published_at__isnull=True).first())
            if row is None:
                return None
            DeferredTask.objects.filter(pk=row.pk).update(published_at=timezone.now(),
                                                          attempts=row.attempts + 1)
            return _publish(row)
    except BROKER_DOWN as exc:
        logger.warning("broker unavailable, task kept for the relay",
                       extra={"task": _name_of(row_id), "error": type(exc).__name__})
        return None


def _name_of(row_id: int) -> str:
    from core.models import DeferredTask

    return DeferredTask.objects.filter(pk=row_id).values_list("task_name", flat=True).first() or ""


def never_started_after(task_name: str) -> timedelta:
    """How long a published task may wait in its queue before it is presumed lost."""
    waits: dict[str, int] = settings.OUTBOX_NEVER_STARTED_AFTER
    return timedelta(seconds=waits.get(task_name, waits["*"]))


def _presumed_lost(now: Any) -> Q:
    waits: dict[str, int] = settings.OUTBOX_NEVER_STARTED_AFTER
    named = [name for name in waits if name != "*"]
    queued_too_long = ~Q(task_name__in=named) & Q(
        published_at__lte=now - timedelta(seconds=waits["*"]))
    for name in named:
        queued_too_long |= Q(task_name=name,
                             published_at__lte=now - timedelta(seconds=waits[name]))
    never_started = Q(started_at__isnull=True) & queued_too_long
    # A row republished after a silent chain waits in its queue again, like a new one.
    gone_silent = Q(started_at__lte=now - SILENT_AFTER) & queued_too_long
    return never_started | gone_silent


def due(now: Any = None) -> Q:
    now = now or timezone.now()
    not_yet_planned = Q(not_before__isnull=True) | Q(not_before__lte=now)
    return not_yet_planned & Q(attempts__lt=MAX_ATTEMPTS) & (
        Q(published_at__isnull=True) | _presumed_lost(now))


def relay(limit: int = 500) -> int:
    """Publish the due rows (oldest first); stop at the first broker failure."""
    from core.models import DeferredTask

    sent = 0
    now = timezone.now()
    with transaction.atomic():
        rows = list(DeferredTask.objects.select_for_update(skip_locked=True)
                    .filter(due(now)).order_by("id")[:limit])
        for row in rows:
            try:
                _publish(row)
            except LookupError:
                logger.error("outbox task unknown, kept", extra={"task": row.task_name})
                continue
            except BROKER_DOWN:
                break
            if row.published_at is not None:
                logger.warning("outbox task published again (never ran)",
                               extra={"task": row.task_name, "attempts": row.attempts + 1})
            DeferredTask.objects.filter(pk=row.pk).update(published_at=now,
                                                          attempts=row.attempts + 1)
            sent += 1
    return sent


flush = relay  # the name beat and the runbooks used before


def row_id_of(task_id: str | None) -> int | None:
    if not task_id or not task_id.startswith(TASK_ID_PREFIX):
        return None
    try:
        return int(task_id[len(TASK_ID_PREFIX):])
    except ValueError:
        return None


def task_started(task_id: str | None) -> None:
    """``task_prerun``: this row's chain of runs is alive (see ``due``)."""
    row_id = row_id_of(task_id)
    if row_id is None:
        return
    from core.models import DeferredTask

    DeferredTask.objects.filter(pk=row_id).update(started_at=timezone.now())


def task_finished(task_id: str | None, state: str | None) -> None:
    """``task_postrun``: the row of a task that ran to its end is done."""
    row_id = row_id_of(task_id)
    if row_id is None or state not in {"SUCCESS", "FAILURE"}:
        return
    from core.models import DeferredTask

    DeferredTask.objects.filter(pk=row_id).delete()


class RowBusy(Exception):
    """Another run of the same outbox row is acting right now: try again a little later."""


@contextmanager
def acting_once(task_id: str | None) -> Iterator[bool]:
    """Around a task's side effect that must happen once per outbox row (an SMS, an e-mail).

    Yields False when the row is gone: a run of it already ended, so a second message of
    the same row (the relay's, the broker's redelivery) does nothing. Otherwise holds the
    row locked while the block runs and deletes it when the block ends without error, in
    the same transaction; an error rolls back and the row stays for the retry. A run that
    finds the row locked by another run raises ``RowBusy``. The one window left: the
    provider accepted and the process died before the commit (then at least once wins).
    Tasks not queued through the outbox (no ``outbox-`` id) just act.
    """
    row_id = row_id_of(task_id)
    if row_id is None:
        yield True
        return
    from core.models import DeferredTask

    with transaction.atomic():
        try:
            row = DeferredTask.objects.select_for_update(nowait=True).filter(pk=row_id).first()
        except DatabaseError as exc:
            raise RowBusy(task_id) from exc
        if row is None:
            logger.info("outbox task already ran to its end: not acting again",
                        extra={"task_id": task_id})
            yield False
            return
        yield True
        row.delete()
