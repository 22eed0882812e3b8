from __future__ import annotations

from pathlib import Path
from typing import Any

from celery.exceptions import TimeoutError as ResultTimeout
from django.core.management.base import CommandError, CommandParser

from core.import_command import ImportCommand
from core.outbox import submit
from documents.importing import (
    ManifestError,
    Row,
    Summary,
    import_rows,
    read_manifest,
)
from documents.tasks import import_chunk


class Command(ImportCommand):
    help = ("Import documents from the core system: DIR/manifest.csv and the files it names "
            "(see README, 'Import of documents'). Idempotent; bad rows are reported and skipped.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--chunk-size", type=int, default=500,
                            help="Rows per Celery task when the manifest is larger (500).")
        parser.add_argument("--no-wait", action="store_true",
                            help="With a real broker: queue the chunks and return at once.")
        parser.add_argument("--chunk-timeout", type=int, default=900, metavar="SECONDS",
                            help="Give up waiting for one chunk after this long (900).")

    def handle(self, *args: Any, directory: Path, chunk_size: int, no_wait: bool,
               chunk_timeout: int = 900, **options: Any) -> None:
        self.chunk_timeout = chunk_timeout
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        directory = directory.resolve()
        try:
            rows = read_manifest(directory)
        except ManifestError as exc:
            raise CommandError(str(exc)) from exc
        self.start(len(rows), directory / "manifest.csv")
        summary: Summary | None
        if len(rows) <= chunk_size:
            summary = import_rows(directory, rows, progress=lambda result: self.one_done(
                f"line {result.line}", result.status, result.message,
                error=result.status == "error"))
        else:
            summary = self._in_chunks(directory, rows, chunk_size, no_wait)
            if summary is None:
                return
        self._report(summary)

    def _in_chunks(self, directory: Path, rows: list[tuple[int, Row]], chunk_size: int,
                   no_wait: bool) -> Summary | None:
        chunks = [rows[start:start + chunk_size] for start in range(0, len(rows), chunk_size)]
        # Through the outbox (a chunk lost by the broker is sent again by the relay), with
        # their results kept for this command to wait on.
        results = [submit(import_chunk, str(directory), chunk[0][0], chunk[-1][0])
                   for chunk in chunks]
        eager = bool(import_chunk.app.conf.task_always_eager)
        if no_wait and not eager:
            self.stdout.write(f"{len(chunks)} chunk(s) of up to {chunk_size} rows queued: "
                              + ", ".join(result.id for result in results))
            return None
        if not eager and not self._worker_answers():
            raise CommandError(
                f"No Celery worker answers: {len(chunks)} chunk(s) are queued and will be "
                "imported when one starts (ids: " + ", ".join(r.id for r in results) + "). "
                "Start a worker, or use --no-wait; running the import again is harmless.")
        summary, done = Summary(), 0
        for chunk, result in zip(chunks, results, strict=True):
            try:
                part = result.get(timeout=self.chunk_timeout)
            except ResultTimeout as exc:
                raise CommandError(
                    f"Lines {chunk[0][0]}–{chunk[-1][0]} not imported after "
                    f"{self.chunk_timeout} s (task {result.id}); the rows before are in. "
                    "Run the import again: rows already there are skipped.") from exc
            summary.merge(part)
            done += len(chunk)
            self.stdout.write(
                f"{self.bar(done)} lines {chunk[0][0]}–{chunk[-1][0]}: "
                f"{part['imported']} imported, {part['skipped']} skipped, "
                f"{len(part['errors'])} error(s)")
            for line, message in part["errors"]:
                self.stdout.write(self.style.ERROR(f"    line {line}: error – {message}"))
        return summary

    def _worker_answers(self) -> bool:
        from celery import current_app

        try:
            return bool(current_app.control.ping(timeout=2))
        except Exception:  # noqa: BLE001 - a broker that does not answer: no worker either
            return False

    def _report(self, summary: Summary) -> None:
        self.finish(f"Done: {summary.imported} imported, {summary.skipped} already there, "
                    f"{len(summary.errors)} error(s).", summary.errors)
