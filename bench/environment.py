"""The environment every benchmark runs the portal in: production-like, local, bench-only.

PostgreSQL database ``kpt_bench`` and Redis databases 5 (broker) and 6 (cache), on
127.0.0.1 only. The secret and the file key below are bench-only test values (the files
they protect are fictitious); production gets its own from the environment.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(os.environ.get("BENCH_DIR", ROOT / "var" / "bench"))
DATABASE_NAME = os.environ.get("BENCH_DATABASE", "kpt_bench")
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE_NAME}"

# Bench-only values: never used outside var/bench.
BENCH_SECRET_KEY = "bench-only-secret-key-" + "x" * 40  # noqa: S105
BENCH_FILE_KEY = "YmVuY2gtb25seS1rZXktMzItYnl0ZXMtbG9uZy0hISE="  # bench-only


def portal_env(**overrides) -> dict[str, str]:
    """os.environ plus the production-like settings of the bench."""
    env = dict(os.environ)
    env.update({
        "DJANGO_DEBUG": "0",
        # kptportal.settings with the SMS printed to standard output (bench/settings.py).
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_SECRET_KEY": BENCH_SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "FILE_ENCRYPTION_KEYS": BENCH_FILE_KEY,
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": "redis://127.0.0.1:6379/5",
        "REDIS_CACHE_URL": "redis://127.0.0.1:6379/6",
        "STORAGE_LOCAL_ROOT": str(BENCH_DIR / "private"),
        "PORTAL_VAR_DIR": str(BENCH_DIR),
        "PORTAL_HEALTHZ_DEEP": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(overrides)
    return env


def throwaway_portal(prefix: str) -> str:
    """Set up Django in this process on a new SQLite database under a temporary folder (eager
    tasks, SMS kept in memory, no Redis), migrated; returns the folder."""
    import sys
    import tempfile

    folder = tempfile.mkdtemp(prefix=prefix)
    os.environ.update({
        "DATABASE_URL": f"sqlite:///{folder}/db.sqlite3", "PORTAL_VAR_DIR": folder,
        "SMS_BACKEND": "locmem", "CELERY_TASK_ALWAYS_EAGER": "1", "REDIS_URL": "",
        "REDIS_CACHE_URL": "", "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "kptportal.settings"})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return folder
