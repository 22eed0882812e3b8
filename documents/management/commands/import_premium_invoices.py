from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from core.import_command import ImportCommand
from documents.premium_import import (
    InvoiceResult,
    import_invoices,
    read_invoices,
)
from documents.record_files import RecordFileError


class Command(ImportCommand):
    help = ("Import premium invoices from the core system: the .csv and .json files of DIR "
            "(see README, 'Import of premium invoices'). Archives each invoice with its PDF "
            "(the core system's, or printed with its QR-bill), records its figures and tells "
            "the household. Idempotent; bad invoices are reported and skipped, and the exit "
            "status is then non-zero.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args: Any, directory: Path, **options: Any) -> None:
        directory = directory.resolve()
        try:
            invoices = read_invoices(directory)
        except RecordFileError as exc:
            raise CommandError(str(exc)) from exc
        self.start(len(invoices), directory, noun="invoice(s)")

        def progress(result: InvoiceResult) -> None:
            self.one_done(f"{result.source} line {result.line}", result.status, result.message,
                          error=result.status == "error")

        summary, results = import_invoices(directory, invoices, progress)
        self.finish(f"Done: {summary.imported} imported, {summary.skipped} already there, "
                    f"{len(summary.errors)} error(s).",
                    [(result.source, result.message) for result in results
                     if result.status == "error"],
                    heading="Invoices to fix (file, line: reason):",
                    failure="{n} invoice(s) could not be imported.", separator=", ")
