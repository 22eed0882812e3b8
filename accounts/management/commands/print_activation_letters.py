from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.registration import print_pending_letters


class Command(BaseCommand):
    help = ("Write one PDF per pending letter for the print shop (activation letters, notices "
            "of a delayed new password) and mark them sent.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", default=str(settings.VAR_DIR / "letters"),
                            help="Folder for the PDFs (default: var/letters).")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"Cannot write letters to {out}: {exc.strerror}.") from exc
        written = print_pending_letters(out)
        for path in written:
            self.stdout.write(str(path))
        self.stdout.write(self.style.SUCCESS(f"{len(written)} letter(s) ready for printing."))
