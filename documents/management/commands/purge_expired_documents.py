from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from documents.purging import purge_expired


class Command(BaseCommand):
    help = ("Delete documents (file and row) whose retain_until has passed, writing "
            "documents.purged to the audit log for each. --dry-run only lists them.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true",
                            help="List what would be purged; delete nothing.")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        purged = purge_expired(dry_run=dry_run, stdout=self.stdout)
        verb = "would be purged" if dry_run else "purged"
        self.stdout.write(self.style.SUCCESS(f"{len(purged)} document(s) {verb}."))
