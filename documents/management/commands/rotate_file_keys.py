from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import key_rings
from core.encrypted_storage import LEGACY, EncryptedStorage, Keyring
from core.file_keys import (
    Census,
    RotationFailed,
    census,
    encrypted_storage,
    record_census,
    recover_unfinished,
    rotate_file,
    walk,
)
from documents.key_rotation import rotate_document
from documents.models import Document

ARCHIVE_PREFIX = "documents/"  # documents.models.document_upload_to


class Command(BaseCommand):
    help = ("Rewrite every customer file (documents, previews, claim pages, attachments, "
            "exports, shared uploads, letters) in Tink's format under the first key of "
            "FILE_ENCRYPTION_KEYS, each verified before it replaces the old one. Resumable. "
            "With --check, only tell, per kind of file, which format and key each file needs "
            "and fail while any file needs the old format or another key.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true",
                            help="Change nothing: list the files still in the old format or "
                                 "under a key other than the first; exit 1 if there are any.")
        parser.add_argument("--list", type=int, default=50, metavar="N",
                            help="With --check, name at most N files per key (default 50).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:  # a malformed key fails once, here, not once per file
            keyring = Keyring.from_settings()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        storage = encrypted_storage()
        storage.note_in_use(keyring)
        if options["check"]:
            self.check_keys(storage, keyring, options["list"])
            return
        self.rotate(storage, keyring)

    # --- --check ------------------------------------------------------------------------
    def check_keys(self, storage: EncryptedStorage, keyring: Keyring, limit: int) -> None:
        result = census(storage)
        record_census(result, storage, keyring)
        primary = keyring.primary.id
        self.stdout.write(f"{result.total} stored file(s); key {primary} encrypts.")
        self._kinds(result, primary)
        blocking = 0
        for position, kid in enumerate(keyring.ids, start=1):
            files = [f for f in result.files if f.key_id == kid]
            legacy = [f.name for f in files if f.format == LEGACY]
            if kid == primary:
                self.stdout.write(f"key {position} ({kid}, first, encrypts): {len(files)} "
                                  f"file(s), {len(legacy)} of them in the old format")
                continue
            verdict = (" – still in use: keep this key, run rotate_file_keys" if files else
                       " – no file needs it: it can be removed")
            self.stdout.write(f"key {position} ({kid}, decrypts only): {len(files)} "
                              f"file(s){verdict}")
            blocking += len(files)
            self._names([f.name for f in files], limit)
        for kid, names in sorted(result.by_key.items()):
            if kid not in keyring.ids:
                blocking += len(names)
                self.stdout.write(self.style.ERROR(
                    f"key {kid} is NOT configured, yet {len(names)} file(s) need it "
                    "(unreadable until it is put back):"))
                self._names(names, limit)
        legacy = result.legacy
        if legacy:
            self.stdout.write(f"old format (KPTE): {len(legacy)} file(s) – keep "
                              "FILE_ENCRYPTION_READ_LEGACY on, run rotate_file_keys")
            blocking += len([f for f in result.files
                             if f.format == LEGACY and f.key_id == primary])
            self._names(legacy, limit)
        else:
            self.stdout.write("old format (KPTE): no file – its reader can be switched off "
                              "(FILE_ENCRYPTION_READ_LEGACY=0)")
        if result.unreadable:
            blocking += len(result.unreadable)
            self.stdout.write(self.style.ERROR(
                f"{len(result.unreadable)} file(s) are not portal-encrypted files:"))
            self._names([f"{name} ({why})" for name, why in result.unreadable], limit)
        if blocking:
            raise CommandError(f"{blocking} file(s) need the old format or a key other than "
                               "the first: do not remove any key yet.")
        self.stdout.write(self.style.SUCCESS(
            "Every file is in Tink's format under the first key: the other keys can be "
            "removed."))

    def _kinds(self, result: Census, primary: str) -> None:
        table = result.by_kind(primary)
        if not table:
            return
        width = max(len(kind) for kind in table)
        self.stdout.write(f"{'kind':<{width}}  files  current  old format  other key  unreadable")
        for kind, row in table.items():
            self.stdout.write(f"{kind:<{width}}  {row['files']:>5}  {row['current']:>7}  "
                              f"{row['old_format']:>10}  {row['other_key']:>9}  "
                              f"{row['unreadable']:>10}")

    def _names(self, names: Iterable[str], limit: int) -> None:
        names = list(names)
        for name in names[:limit]:
            self.stdout.write(f"    {name}")
        if len(names) > limit:
            self.stdout.write(f"    … and {len(names) - limit} more (--list {len(names)})")

    # --- rotation -----------------------------------------------------------------------
    def rotate(self, storage: EncryptedStorage, keyring: Keyring) -> None:
        if not storage.primary_is_known_everywhere(keyring):
            unaware = key_rings.unaware(key_rings.read_rings(storage.inner), keyring.primary.id)
            raise CommandError(
                f"Key {keyring.primary.id} is not yet held by every running process: "
                f"{'; '.join(ring.describe() for ring in unaware)}. Files written under it "
                "would be unreadable to them. Deploy it everywhere first (docs/operations.md, "
                "\"Rotating the file keys\"), then run again.")
        recovered = recover_unfinished(storage)
        if recovered:
            self.stdout.write(f"{recovered} unfinished copy(ies) of an interrupted run handled.")
        rotated = current = 0
        failures: list[tuple[str, str]] = []

        def one(label: str, action: Any) -> None:
            nonlocal rotated, current
            try:
                changed = action()
            except FileNotFoundError:
                self.stdout.write(f"{label}: deleted meanwhile, skipped")
                return
            except Exception as exc:  # report, keep going: the next run retries this one
                failures.append((label, str(exc)))
                self.stdout.write(self.style.ERROR(f"{label}: FAILED – {exc}"))
                return
            rotated += changed
            current += not changed
            status = "re-encrypted, verified" if changed else "already current"
            self.stdout.write(f"{label}: {status}")

        # The archive first, each file checked against its document's recorded checksum.
        total = Document.objects.count()
        width = len(str(total))
        for done, document in enumerate(Document.objects.order_by("pk").iterator(), start=1):
            one(f"[{done:>{width}}/{total}] document {document.pk}",
                lambda document=document: rotate_document(document))
        # Then every other stored file (previews, claim pages, attachments, exports, ...).
        # Archive files were counted above; one not current there was refused (its checksum)
        # unless no row points to it (an orphan, rotated like the rest).
        others = [name for name in walk(storage.inner)
                  if not (name.startswith(ARCHIVE_PREFIX) and (
                      storage.is_under_current_key(name)
                      or Document.objects.filter(file=name).exists()))]
        width = len(str(len(others)))
        for done, name in enumerate(others, start=1):
            one(f"[{done:>{width}}/{len(others)}] {name}",
                lambda name=name: rotate_file(storage, name))
        self.stdout.write(f"{rotated} re-encrypted, {current} already current, "
                          f"{len(failures)} failed.")
        if failures:
            raise CommandError(f"{len(failures)} file(s) could not be re-encrypted (the old "
                               "files are kept); run again after fixing the cause.")
        result = census(storage)
        record_census(result, storage, keyring)
        left = len(result.not_current(keyring.primary.id)) + len(result.unreadable)
        if left:
            raise CommandError(f"{left} file(s) are still not current (stored meanwhile by a "
                               "process with older keys?); run again.")
        self.stdout.write(self.style.SUCCESS(
            "Verified: every stored file is in Tink's format under the first key "
            "(rotate_file_keys --check)."))


__all__ = ["Command", "RotationFailed"]
