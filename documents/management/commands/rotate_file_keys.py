from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from documents.key_rotation import rotate_document
from documents.models import Document
from kptportal.encrypted_storage import Keyring


class Command(BaseCommand):
    help = ("Re-encrypt every document file under the newest key of FILE_ENCRYPTION_KEYS, "
            "verifying each checksum. Resumable: files already under that key are skipped.")

    def handle(self, *args, **options):
        try:  # a malformed key fails once, here, not once per file
            Keyring.from_settings()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        total = Document.objects.count()
        width = len(str(total))
        rotated = current = 0
        failures = []
        for done, document in enumerate(Document.objects.order_by("pk").iterator(), start=1):
            try:
                changed = rotate_document(document)
            except Exception as exc:  # report, keep going: the next run retries this one
                failures.append((document.pk, str(exc)))
                self.stdout.write(self.style.ERROR(
                    f"[{done:>{width}}/{total}] document {document.pk}: FAILED – {exc}"))
                continue
            rotated += changed
            current += not changed
            status = "re-encrypted, checksum verified" if changed else "already under newest key"
            self.stdout.write(f"[{done:>{width}}/{total}] document {document.pk}: {status}")
        self.stdout.write(f"{rotated} re-encrypted, {current} already under the newest key, "
                          f"{len(failures)} failed.")
        if failures:
            raise CommandError(f"{len(failures)} file(s) could not be re-encrypted; run again "
                               "after fixing the cause.")
