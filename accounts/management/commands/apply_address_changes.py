from typing import Any

from django.core.management.base import BaseCommand

from accounts.profile import apply_due_address_changes


class Command(BaseCommand):
    help = ("Apply the postal address changes whose date has come (Celery beat runs the same "
            "daily as accounts.tasks.apply_due_address_changes). Safe to run twice.")

    def handle(self, *args: Any, **options: Any) -> None:
        count = apply_due_address_changes()
        self.stdout.write(f"{count} address change(s) applied.")
