import importlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# Each app seeds its own part in `<app>/demo.py` (a `seed(stdout)` function), in this order.
SEEDING_APPS = ["accounts", "policies", "documents", "claims", "messaging"]


class Command(BaseCommand):
    help = "Create or refresh the fictitious demo data (development only, idempotent)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo refuses to run with DJANGO_DEBUG=0 (production).")
        for app in SEEDING_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            module.seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready: KPT12345678 / KPT87654321."))
