"""gunicorn reads this file from its working directory (the image's /app; the repository root
on a laptop): the Prometheus multiprocess folder is emptied when the master starts, before
any worker counts, and a worker that exits drops its live gauges (docs/operations.md)."""

from typing import Any


def on_starting(server: Any) -> None:
    from core.metrics import clear_multiprocess_dir

    clear_multiprocess_dir()


def child_exit(server: Any, worker: Any) -> None:
    from core.metrics import process_ended

    process_ended(worker.pid)
