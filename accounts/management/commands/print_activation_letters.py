from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.registration import print_pending_letters


class Command(BaseCommand):
    help = "Write one PDF per pending activation letter for the print shop and mark them sent."

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(settings.VAR_DIR / "letters"),
                            help="Folder for the PDFs (default: var/letters).")

    def handle(self, *args, **options):
        written = print_pending_letters(Path(options["out"]))
        for path in written:
            self.stdout.write(str(path))
        self.stdout.write(self.style.SUCCESS(f"{len(written)} letter(s) ready for printing."))
