"""Files shared to the portal from the phone (Web Share Target), held until they join a claim.

The share sheet POSTs straight to ``/share/``; the customer may not even be logged in. Each
file is validated like any upload (``validate_upload``), stored encrypted
(``private_storage``) for ``HOLD_FOR`` and its id kept in the session's data, which survives
the session-key change at login. The claim form then attaches them:

    from core import sharing
    held = sharing.held_uploads(request)              # SharedUpload rows, oldest first
    pairs = sharing.read_uploads(held)                # [(name, ValidatedUpload)]
    sharing.discard(request, ids)                     # once the claim is stored

Nothing here changes anything but these held files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.buckets import Bucket
from core.models import SharedUpload
from core.uploads import UploadRejected, ValidatedUpload, validate_upload

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase
    from django.core.files.uploadedfile import UploadedFile
    from django.db.models import QuerySet
    from django.http import HttpRequest

HOLD_FOR = dt.timedelta(minutes=30)
MAX_SHARED_FILES = 10
SESSION_KEY = "pwa_shared_uploads"
MB = 1024 * 1024
HOUR = 60 * 60
# Anyone may share (the share sheet comes before the login), so the share is bounded: per
# address (a phone shares a few invoices, not hundreds), for everybody together, and by what
# is held at once. The numbers are in docs/security.md ("Sharing to the portal").
FILES_PER_ADDRESS = Bucket("share-files-ip", capacity=30, period_seconds=HOUR)
BYTES_PER_ADDRESS = Bucket("share-bytes-ip", capacity=100 * MB, period_seconds=HOUR)
FILES_FOR_ALL = Bucket("share-files-all", capacity=3000, period_seconds=HOUR)
BYTES_FOR_ALL = Bucket("share-bytes-all", capacity=3000 * MB, period_seconds=HOUR)
MAX_HELD_BYTES = 2000 * MB  # everything held at once, all sessions together


@dataclass(frozen=True)
class Refused:
    name: str
    reason: str


def _clean_name(name: str | None) -> str:
    return ((name or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or "partage")[:120]


def _ensure_session_key(session: SessionBase) -> str:
    if not session.session_key:
        session.save()
    # save() gives a session without a key one.
    return cast(str, session.session_key)


def held_bytes() -> int:
    """What all sessions hold now, in bytes."""
    total = SharedUpload.objects.filter(expires_at__gt=timezone.now()).aggregate(
        total=Sum("size"))["total"]
    return int(total or 0)


def _within_quotas(address: str, size: int) -> str | None:
    """None if one more file of ``size`` bytes may be held, else why not (a reason code)."""
    if held_bytes() + size > MAX_HELD_BYTES:
        return "busy"
    if not FILES_PER_ADDRESS.take(address) or not BYTES_PER_ADDRESS.take(address, size):
        return "quota"
    if not FILES_FOR_ALL.take("all") or not BYTES_FOR_ALL.take("all", size):
        return "busy"
    return None


def hold_files(session: SessionBase, files: Iterable[UploadedFile],
               address: str | None = None,
               slot: str = SESSION_KEY) -> tuple[list[SharedUpload], list[Refused]]:
    """Validate and store each shared file for the session; return the kept and the refused.

    At most ``MAX_SHARED_FILES`` are held per session, and within the quotas of the sender's
    ``address`` and of everybody; files beyond them are refused ("too_many", "quota",
    "busy"). ``slot`` names the session's list: another form keeping its files while the
    customer corrects a field holds them apart from the phone's shares.
    """
    session_key = _ensure_session_key(session)
    held_ids = list(session.get(slot, []))
    kept: list[SharedUpload] = []
    refused: list[Refused] = []
    expires_at = timezone.now() + HOLD_FOR
    for uploaded in files:
        name = _clean_name(getattr(uploaded, "name", ""))
        if len(held_ids) >= MAX_SHARED_FILES:
            refused.append(Refused(name, "too_many"))
            continue
        over = _within_quotas(address or "unknown", int(uploaded.size or 0))
        if over:
            refused.append(Refused(name, over))
            continue
        try:
            valid = validate_upload(uploaded)
        except UploadRejected as rejection:
            refused.append(Refused(name, " ".join(str(m) for m in rejection.messages)))
            continue
        row = SharedUpload(session_key=session_key, name=name, content_type=valid.content_type,
                           page_count=valid.page_count, size=len(valid.data),
                           expires_at=expires_at)
        row.file.save(f"{name.rsplit('.', 1)[0][:40] or 'page'}.{valid.extension}",
                      ContentFile(valid.data), save=True)
        held_ids.append(row.pk)
        kept.append(row)
    session[slot] = held_ids
    return kept, refused


def held_uploads(request: HttpRequest, slot: str = SESSION_KEY) -> QuerySet[SharedUpload]:
    """The session's files still held, oldest first (an empty queryset when there are none)."""
    ids = request.session.get(slot) or []
    return SharedUpload.objects.filter(pk__in=ids, expires_at__gt=timezone.now())


def read_upload(row: SharedUpload) -> ValidatedUpload:
    """The stored (already validated, re-encoded) bytes of one held file."""
    with row.file.open("rb") as handle:
        data = handle.read()
    extension = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}[
        row.content_type]
    return ValidatedUpload(data, row.content_type, extension, row.page_count)


def read_uploads(rows: Iterable[SharedUpload]) -> list[tuple[str, ValidatedUpload]]:
    """(name, upload) pairs for ``claims.services.create_claim``, in the given order."""
    return [(row.name, read_upload(row)) for row in rows]


def discard(request: HttpRequest, ids: Collection[int] | None,
            slot: str = SESSION_KEY) -> None:
    """Delete the given held files of this session (all of them when ``ids`` is None)."""
    held = list(request.session.get(slot) or [])
    chosen = held if ids is None else [i for i in held if i in set(ids)]
    _delete(SharedUpload.objects.filter(pk__in=chosen))
    remaining = [i for i in held if i not in set(chosen)]
    if remaining:
        request.session[slot] = remaining
    else:
        request.session.pop(slot, None)


def purge_expired(now: dt.datetime | None = None) -> int:
    """Delete every held file past its time; returns how many. Safe to run twice."""
    return _delete(SharedUpload.objects.filter(expires_at__lte=now or timezone.now()))


def _delete(queryset: QuerySet[SharedUpload]) -> int:
    count = 0
    for row in queryset:
        with transaction.atomic():
            row.file.delete(save=False)
            row.delete()
        count += 1
    return count
