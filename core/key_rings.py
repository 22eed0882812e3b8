"""Which keys the running processes hold, so that a new key encrypts only once all know it.

Every process that uses the encrypted storage (web, workers, commands) writes down the key
ring it holds (key ids only, the encrypting one first) in the storage it shares with the others,
``_ops/keyrings/<ring>.json``, when it first uses the storage and again at most every
``HEARTBEAT`` while it keeps using it (the web's readiness probe uses it every 15 s).

The rule, the same at run time and in the deploy check: **a key may encrypt only when every
ring seen in the last ``ACTIVE_WINDOW`` (counted back from the newest record) holds it.**

* At run time, the storage encrypts under the first configured key that satisfies the rule: a
  process deployed with ``new,old`` while processes with ``old`` alone are still running keeps
  encrypting under ``old`` (and says so in its log) until they are gone; nothing it writes is
  unreadable to them.
* Before a deployment (``check --deploy``, run by the ``migrate`` job before web and workers
  start), ``kptportal.E003`` refuses a configuration whose encrypting key some running ring
  does not hold. So from the installation's first deployment on, a new key must be deployed
  as a decrypt-only key everywhere (``old,new``) before it is made first (``new,old``).

Records are per ring, not per process: every process of a deployment writes the same file, so
there is no read-modify-write race between processes. They name key ids, never a key.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage
from django.utils import timezone

logger = logging.getLogger(__name__)

RINGS_DIR = "_ops/keyrings"
HEARTBEAT = timedelta(seconds=60)
ACTIVE_WINDOW = timedelta(minutes=15)


@dataclass
class RingRecord:
    keys: list[str]  # key ids, the encrypting one first
    first_seen: datetime
    last_seen: datetime
    seen_by: dict[str, str] = field(default_factory=dict)  # role -> last seen (ISO)

    @property
    def primary(self) -> str:
        return self.keys[0]

    def describe(self) -> str:
        roles = ", ".join(sorted(self.seen_by)) or "?"
        return (f"[{', '.join(self.keys)}] (by {roles}, last seen "
                f"{timezone.localtime(self.last_seen):%d.%m.%Y %H:%M})")


def ring_name(ids: Sequence[str]) -> str:
    primary, *others = ids
    return f"{RINGS_DIR}/{'-'.join([primary, *sorted(others)])}.json"


def process_role(argv: Sequence[str] | None = None) -> str:
    """What kind of process this is, for the operator reading the records."""
    argv = list(sys.argv if argv is None else argv)
    program = os.path.basename(argv[0]) if argv else ""
    if "celery" in program or (len(argv) > 1 and argv[1] == "celery"):
        return "worker"
    if "gunicorn" in program or "runserver" in argv[1:2] or "uvicorn" in program:
        return "web"
    if program in {"manage.py", "django-admin"} and len(argv) > 1:
        return f"command {argv[1]}"
    return "process"


def overwrite(inner: Storage, name: str, data: bytes) -> None:
    """Replace a small bookkeeping file in one step (readers see the old or the new one)."""
    if isinstance(inner, FileSystemStorage):
        path = inner.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
        return
    # An object store overwrites a key in one PUT (``_save`` does not pick another name).
    inner._save(name, ContentFile(data))  # type: ignore[attr-defined]


def _parse(raw: bytes) -> RingRecord | None:
    try:
        data = json.loads(raw.decode())
        return RingRecord(keys=[str(kid) for kid in data["keys"]],
                          first_seen=datetime.fromisoformat(data["first_seen"]),
                          last_seen=datetime.fromisoformat(data["last_seen"]),
                          seen_by=dict(data.get("seen_by", {})))
    except (ValueError, KeyError, TypeError):
        return None


def read_ring(inner: Storage, name: str) -> RingRecord | None:
    try:
        with inner.open(name, "rb") as handle:
            return _parse(handle.read())
    except FileNotFoundError:
        return None


def read_rings(inner: Storage) -> list[RingRecord]:
    """Every ring recorded in this storage (unreadable records are skipped)."""
    try:
        _directories, files = inner.listdir(RINGS_DIR)
    except FileNotFoundError:
        return []
    records = (read_ring(inner, f"{RINGS_DIR}/{name}") for name in sorted(files)
               if name.endswith(".json"))
    return [record for record in records if record is not None]


def note_ring(inner: Storage, ids: Sequence[str], *, role: str | None = None,
              at: datetime | None = None) -> RingRecord:
    """Record that a process holding ``ids`` (the encrypting key first) is running now."""
    at = at or timezone.now()
    role = role or process_role()
    name = ring_name(ids)
    record = read_ring(inner, name) or RingRecord(keys=list(ids), first_seen=at, last_seen=at)
    record.keys = list(ids)
    record.last_seen = max(record.last_seen, at)
    record.seen_by[role] = at.isoformat()
    overwrite(inner, name, json.dumps({
        "keys": record.keys, "first_seen": record.first_seen.isoformat(),
        "last_seen": record.last_seen.isoformat(), "seen_by": record.seen_by,
    }, indent=1, sort_keys=True).encode())
    return record


def active(records: Iterable[RingRecord], window: timedelta = ACTIVE_WINDOW) -> list[RingRecord]:
    """The rings seen within ``window`` of the newest record: the processes running now."""
    records = list(records)
    if not records:
        return []
    newest = max(record.last_seen for record in records)
    return [record for record in records if record.last_seen >= newest - window]


def unaware(records: Iterable[RingRecord], key_id: str,
            window: timedelta = ACTIVE_WINDOW) -> list[RingRecord]:
    """The running rings that do not hold ``key_id``: it may not encrypt while there are any."""
    return [record for record in active(records, window) if key_id not in record.keys]


def first_known_everywhere(ids: Sequence[str], records: Iterable[RingRecord],
                           window: timedelta = ACTIVE_WINDOW) -> str:
    """The first of ``ids`` that every running ring holds (the first one when none is)."""
    records = list(records)
    for kid in ids:
        if not unaware(records, kid, window):
            return kid
    return ids[0]
