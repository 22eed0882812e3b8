from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from core.import_command import ImportCommand
from documents.importing import RowResult
from documents.premium_payments import PaymentFileError, apply_rows, read_rows


class Command(ImportCommand):
    help = ("Record premium payments and reminders from the core system: a CSV with "
            "qr_reference, event (paid|reminded), date, amount (see README). Idempotent; "
            "bad rows are reported and skipped, and the exit status is then non-zero.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            rows = read_rows(file.resolve())
        except PaymentFileError as exc:
            raise CommandError(str(exc)) from exc
        self.start(len(rows), file)

        def progress(outcome: RowResult) -> None:
            status = "applied" if outcome.status == "imported" else outcome.status
            self.one_done(f"line {outcome.line}", status, outcome.message,
                          error=outcome.status == "error")

        summary = apply_rows(rows, progress)
        self.finish(f"Done: {summary.imported} applied, {summary.skipped} already there, "
                    f"{len(summary.errors)} error(s).", summary.errors,
                    failure="{n} row(s) could not be applied.")
