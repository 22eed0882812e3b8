"""The portal's one Celery app.

Queues: ``default`` for quick jobs, ``sms`` for messages to the SMS provider, ``ocr`` for
the invoice intake (CPU-heavy, its own workers). Tasks are acknowledged late so a worker
that dies mid-task hands it back to the broker; every task must be safe to run twice.
"""

import contextlib
import os
from typing import Any, TypedDict

from celery import Celery, Task
from celery.signals import beat_init, worker_init, worker_process_shutdown, worker_ready
from kombu import Queue

# The project's settings module is named by the project (kptportal/__init__.py, manage.py).
app = Celery("kptportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("default"), Queue("sms"), Queue("ocr"))
app.conf.beat_schedule = {}  # apps add their periodic jobs in their own tasks modules
app.autodiscover_tasks()


def _one_beat(sender: Any = None, **kwargs: Any) -> None:
    from core.beat_leader import on_beat_init

    on_beat_init(sender)


beat_init.connect(_one_beat, weak=False)  # a second beat waits (core.beat_leader)


# --- A worker's metrics: its own folder emptied at start, its own door (core.metrics) -------
def _fresh_metrics(sender: Any = None, **kwargs: Any) -> None:
    """``worker_init`` (the main process, before the pool's children exist)."""
    from core.metrics import clear_multiprocess_dir

    clear_multiprocess_dir(keep_pid=os.getpid())


def _serve_metrics(sender: Any = None, **kwargs: Any) -> None:
    """``worker_ready``: with ``PORTAL_WORKER_METRICS_PORT`` set, scrape this worker there."""
    from django.conf import settings

    from core.metrics import serve_worker_metrics

    if settings.WORKER_METRICS_PORT:
        serve_worker_metrics(settings.WORKER_METRICS_PORT, settings.METRICS_TOKEN,
                             addr=settings.WORKER_METRICS_ADDRESS, debug=settings.DEBUG)


def _child_ended(**kwargs: Any) -> None:
    from core.metrics import process_ended

    process_ended(os.getpid())


worker_init.connect(_fresh_metrics, weak=False)
worker_ready.connect(_serve_metrics, weak=False)
worker_process_shutdown.connect(_child_ended, weak=False)

class AwaitedTask(Task):
    """The base of a task someone waits for: the outbox keeps its result
    (``core.outbox.submit``)."""

    awaited = True


# Errors worth a retry: the broker, the database, a provider that is briefly away.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError, OSError)


class RetryOptions(TypedDict):
    autoretry_for: tuple[type[BaseException], ...]
    retry_backoff: int
    retry_backoff_max: int
    retry_jitter: bool
    max_retries: int


# Options every task that talks to the outside world shares: retry with exponential
# backoff and jitter, give up after about an hour.
RETRY_OPTIONS: RetryOptions = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}


# --- what every task shares: the outbox's bookkeeping and the request id in its logs -------
_bound: dict[str, object] = {}


def bind_request_id(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    """``task_prerun``: the logs of a task carry the id of the request that queued it."""
    from core import request_id

    offered = getattr(getattr(task, "request", None), "request_id", None) if task else None
    if task_id:
        _bound[task_id] = request_id.bind(offered or request_id.current() or request_id.new())


def release_request_id(task_id: str | None = None, **kwargs: Any) -> None:
    from core import request_id

    token = _bound.pop(task_id or "", None)
    if token is not None:
        with contextlib.suppress(ValueError):  # set in another context (eager, in a request)
            request_id.reset(token)


def task_began(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    """``task_prerun``: a run of an outbox task stamps its row (not in eager mode, where the
    task runs at once inside ``enqueue``)."""
    from core.outbox import task_started

    if not getattr(getattr(task, "request", None), "is_eager", False):
        task_started(task_id)


def task_ran(task_id: str | None = None, task: Any = None, state: str | None = None,
             **kwargs: Any) -> None:
    """``task_postrun``: counted by outcome; a task of the outbox that ran to its end frees
    its row."""
    from core.metrics import TASKS
    from core.outbox import task_finished

    TASKS.labels(getattr(task, "name", "") or "", state or "").inc()
    task_finished(task_id, state)
