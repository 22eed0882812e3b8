"""What the import commands (documents, premium payments, settlements) print, alike: a
``[n/total]`` line per row or statement as it is done, then the summary, the rows to fix and
a non-zero exit when some could not be imported (so cron and the operator both notice)."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.management.base import BaseCommand, CommandError


class ImportCommand(BaseCommand):
    total = 0
    done = 0

    def start(self, total: int, source: object, *, noun: str = "row(s)") -> None:
        self.total, self.done = total, 0
        self.stdout.write(f"{total} {noun} in {source}")

    def bar(self, done: int | None = None) -> str:
        return f"[{self.done if done is None else done:>{len(str(self.total))}}/{self.total}]"

    def one_done(self, where: str, status: str, message: str = "", *,
                 error: bool = False) -> None:
        """The next row or statement: ``[n/total] where: status – message``."""
        self.done += 1
        text = f"{self.bar()} {where}: {status}" + (f" – {message}" if message else "")
        self.stdout.write(self.style.ERROR(text) if error else text)

    def finish(self, summary: str, errors: Sequence[tuple[object, str]], *,
               heading: str = "Rows to fix (line: reason):",
               failure: str = "{n} row(s) could not be imported.", separator: str = ": ",
               ) -> None:
        self.stdout.write(self.style.SUCCESS(summary))
        if errors:
            self.stdout.write(heading)
            for where, message in errors:
                self.stdout.write(f"  {where}{separator}{message}")
            # What went in stays in; a non-zero exit tells cron that some did not.
            raise CommandError(failure.format(n=len(errors)))
