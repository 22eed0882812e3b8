from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from documents.importing import ManifestError, Summary, import_rows, read_manifest
from documents.tasks import import_chunk


class Command(BaseCommand):
    help = ("Import documents from the core system: DIR/manifest.csv and the files it names "
            "(see README, 'Import of documents'). Idempotent; bad rows are reported and skipped.")

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--chunk-size", type=int, default=500,
                            help="Rows per Celery task when the manifest is larger (500).")
        parser.add_argument("--no-wait", action="store_true",
                            help="With a real broker: queue the chunks and return at once.")

    def handle(self, *args, directory, chunk_size, no_wait, **options):
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        directory = directory.resolve()
        try:
            rows = read_manifest(directory)
        except ManifestError as exc:
            raise CommandError(str(exc)) from exc
        total = len(rows)
        self.width = len(str(total))
        self.total = total
        self.stdout.write(f"{total} row(s) in {directory / 'manifest.csv'}")
        if total <= chunk_size:
            done = iter(range(1, total + 1))
            summary = import_rows(directory, rows,
                                  progress=lambda result: self._row(next(done), result))
        else:
            summary = self._in_chunks(directory, rows, chunk_size, no_wait)
            if summary is None:
                return
        self._report(summary)

    def _bar(self, done: int) -> str:
        return f"[{done:>{self.width}}/{self.total}]"

    def _row(self, done: int, result) -> None:
        text = f"{self._bar(done)} line {result.line}: {result.status}"
        if result.message:
            text += f" – {result.message}"
        style = self.style.ERROR if result.status == "error" else (lambda s: s)
        self.stdout.write(style(text))

    def _in_chunks(self, directory, rows, chunk_size, no_wait):
        chunks = [rows[start:start + chunk_size] for start in range(0, len(rows), chunk_size)]
        results = [import_chunk.delay(str(directory), chunk[0][0], chunk[-1][0])
                   for chunk in chunks]
        eager = settings.CELERY_TASK_ALWAYS_EAGER
        if no_wait and not eager:
            self.stdout.write(f"{len(chunks)} chunk(s) of up to {chunk_size} rows queued: "
                              + ", ".join(result.id for result in results))
            return None
        summary, done = Summary(), 0
        for chunk, result in zip(chunks, results, strict=True):
            part = result.get()
            summary.merge(part)
            done += len(chunk)
            self.stdout.write(
                f"{self._bar(done)} lines {chunk[0][0]}–{chunk[-1][0]}: "
                f"{part['imported']} imported, {part['skipped']} skipped, "
                f"{len(part['errors'])} error(s)")
            for line, message in part["errors"]:
                self.stdout.write(self.style.ERROR(f"    line {line}: error – {message}"))
        return summary

    def _report(self, summary: Summary) -> None:
        self.stdout.write(self.style.SUCCESS(
            f"Done: {summary.imported} imported, {summary.skipped} already there, "
            f"{len(summary.errors)} error(s)."))
        if summary.errors:
            self.stdout.write("Rows to fix (line: reason):")
            for line, message in summary.errors:
                self.stdout.write(f"  {line}: {message}")
            # The good rows are imported; a non-zero exit tells cron that some were not.
            raise CommandError(f"{len(summary.errors)} row(s) could not be imported.")
