"""The portal's one Celery app.

Queues: ``default`` for quick jobs, ``sms`` for messages to the SMS provider, ``ocr`` for
the invoice intake (CPU-heavy, its own workers). Tasks are acknowledged late so a worker
that dies mid-task hands it back to the broker; every task must be safe to run twice.
"""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kptportal.settings")

app = Celery("kptportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("default"), Queue("sms"), Queue("ocr"))
app.conf.beat_schedule = {}  # apps add their periodic jobs in their own tasks modules
app.autodiscover_tasks()

# Errors worth a retry: the broker, the database, a provider that is briefly away.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError, OSError)

# Options every task that talks to the outside world shares: retry with exponential
# backoff and jitter, give up after about an hour.
RETRY_OPTIONS = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}
