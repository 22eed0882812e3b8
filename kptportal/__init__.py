import os

# Before the Celery app reads its configuration from Django's settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kptportal.settings")

from core.celery import app as celery_app  # noqa: E402

__all__ = ("celery_app",)
