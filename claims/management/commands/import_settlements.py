from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from claims.settlement_import import (
    StatementResult,
    import_statements,
    read_statements,
)
from core.import_command import ImportCommand
from documents.record_files import RecordFileError


class Command(ImportCommand):
    help = ("Import benefit statements from the core system: the .csv and .json files of DIR "
            "(see README, 'Import of settlements'). Archives each statement with its PDF, "
            "settles the claims it names and tells the household. Idempotent; bad statements "
            "are reported and skipped, and the exit status is then non-zero.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args: Any, directory: Path, **options: Any) -> None:
        directory = directory.resolve()
        try:
            statements = read_statements(directory)
        except RecordFileError as exc:
            raise CommandError(str(exc)) from exc
        self.start(len(statements), directory, noun="statement(s)")

        def progress(result: StatementResult) -> None:
            self.one_done(f"{result.source} line {result.line}", result.status, result.message,
                          error=result.status == "error")

        summary, results = import_statements(statements, progress)
        settled = sum(len(result.settled) for result in results)
        self.finish(f"Done: {summary.imported} imported, {summary.skipped} already there, "
                    f"{len(summary.errors)} error(s); {settled} claim(s) settled.",
                    [(result.source, result.message) for result in results
                     if result.status == "error"],
                    heading="Statements to fix (file, line: reason):",
                    failure="{n} statement(s) could not be imported.", separator=", ")
