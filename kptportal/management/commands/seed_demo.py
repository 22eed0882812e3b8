from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kptportal.demo import seed_all


class Command(BaseCommand):
    help = "Create or refresh the fictitious demo data (development only, idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo refuses to run with DJANGO_DEBUG=0 (production).")
        seed_all(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(
            "Demo data ready: KPT12345678 / KPT87654321, advisor 'advisor' (advisors' group)."))
