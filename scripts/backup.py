#!/usr/bin/env python3
"""Back up and restore the portal: the database, the customer files, the list of keys.

    scripts/backup.py backup  DEST      # DEST/db.dump, DEST/files/…, DEST/manifest.json
    scripts/backup.py restore SOURCE    # into the (empty) database and storage configured
    scripts/backup.py verify            # every document and claim page opens

Configuration comes from the environment, as for the portal itself (DATABASE_URL, STORAGE_*,
FILE_ENCRYPTION_KEYS). The files are copied **as stored, still encrypted**; the keys are
never written into a backup: ``manifest.json`` lists only the ids of the keys the files need,
and ``restore`` refuses to start when FILE_ENCRYPTION_KEYS lacks one of them (the keys are
kept in the secret store, backed up on their own: docs/operations.md).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kptportal.settings")
    import django

    django.setup()


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("DATABASE_URL must name the PostgreSQL database.")
    return url


def backup(dest: Path) -> dict[str, Any]:
    _django()
    from django.core.files.base import File

    from core.file_keys import census, encrypted_storage, walk

    dest.mkdir(parents=True, exist_ok=False)
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={dest / 'db.dump'}",
                    _database_url()], check=True)
    storage = encrypted_storage()
    files = dest / "files"
    count = 0
    for name in walk(storage.inner):
        target = files / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with storage.inner.open(name, "rb") as source, target.open("wb") as out:
            shutil.copyfileobj(File(source), out)
        count += 1
    result = census(storage)
    needed = sorted(result.by_key)
    manifest = {"files": count, "keys_needed": needed,
                "files_by_key": {kid: len(names) for kid, names in result.by_key.items()}}
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=1))
    print(f"backup: database dumped, {count} file(s) copied (encrypted), "
          f"keys needed: {', '.join(needed) or 'none'}")
    return manifest


def restore(source: Path) -> None:
    _django()
    from django.core.files.base import File

    from core.file_keys import configured_key_ids, encrypted_storage

    manifest = json.loads((source / "manifest.json").read_text())
    # Ids are 8 hex digits; manifests written before Tink list 16 (the same 8 first).
    missing = [kid for kid in manifest["keys_needed"] if kid[:8] not in configured_key_ids()]
    if missing:
        raise SystemExit(f"FILE_ENCRYPTION_KEYS lacks key(s) {', '.join(missing)} that the "
                         "backed-up files need: put them back (from the secret store) first.")
    storage = encrypted_storage()
    files = source / "files"
    copied = 0
    for path in sorted(p for p in files.rglob("*") if p.is_file()):
        name = path.relative_to(files).as_posix()
        if storage.inner.exists(name):
            raise SystemExit(f"The storage is not empty ({name} exists): restore into an "
                             "empty folder or bucket.")
        with path.open("rb") as handle:
            saved = storage.inner.save(name, File(handle, name=name))
        if saved != name:
            raise SystemExit(f"{name} was stored as {saved}: the storage renamed it.")
        copied += 1
    subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_database_url()}",
                    str(source / "db.dump")], check=True)
    print(f"restore: database restored, {copied} file(s) copied")


def verify() -> int:
    """Open every document and claim page (each fully decrypted and authenticated)."""
    _django()
    import hashlib

    from claims.models import ClaimPage
    from documents.models import Document

    failures = []
    checked = 0
    for model, checksum in ((Document, "checksum"), (ClaimPage, "sha256")):
        for row in model.objects.order_by("pk").iterator():
            digest = hashlib.sha256()
            try:
                with row.file.open("rb") as handle:
                    while chunk := handle.read(64 * 1024):
                        digest.update(chunk)
            except Exception as exc:  # noqa: BLE001 - reported, counted
                failures.append(f"{model.__name__} {row.pk}: {type(exc).__name__}: {exc}")
                continue
            if digest.hexdigest() != getattr(row, checksum):
                failures.append(f"{model.__name__} {row.pk}: content differs from its checksum")
            checked += 1
    for failure in failures:
        print(f"FAILED {failure}")
    print(f"verify: {checked} file(s) open with their checksum, {len(failures)} failed")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("backup").add_argument("dest", type=Path)
    sub.add_parser("restore").add_argument("source", type=Path)
    sub.add_parser("verify")
    args = parser.parse_args()
    if args.command == "backup":
        backup(args.dest)
    elif args.command == "restore":
        restore(args.source)
    else:
        return verify()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
