"""Files shared to the portal from the phone (Web Share Target), held until they join a claim.

The share sheet POSTs straight to ``/share/``; the customer may not even be logged in. Each
file is validated like any upload (``validate_upload``), stored encrypted
(``private_storage``) for ``HOLD_FOR`` and its id kept in the session's data, which survives
the session-key change at login. The claim form then attaches them:

    from kptportal import sharing
    held = sharing.held_uploads(request)              # SharedUpload rows, oldest first
    pairs = sharing.read_uploads(rows)                # [(name, ValidatedUpload)]
    sharing.discard(request, ids)                     # once the claim is stored

Nothing here changes anything but these held files.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from kptportal.models import SharedUpload
from kptportal.uploads import UploadRejected, ValidatedUpload, validate_upload

HOLD_FOR = dt.timedelta(minutes=30)
MAX_SHARED_FILES = 10
SESSION_KEY = "pwa_shared_uploads"


@dataclass(frozen=True)
class Refused:
    name: str
    reason: str


def _clean_name(name: str | None) -> str:
    return ((name or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or "partage")[:120]


def _ensure_session_key(session) -> str:
    if not session.session_key:
        session.save()
    return session.session_key


def hold_files(session, files) -> tuple[list[SharedUpload], list[Refused]]:
    """Validate and store each shared file for the session; return the kept and the refused.

    At most ``MAX_SHARED_FILES`` are held per session; files beyond that are refused.
    """
    session_key = _ensure_session_key(session)
    held_ids = list(session.get(SESSION_KEY, []))
    kept: list[SharedUpload] = []
    refused: list[Refused] = []
    expires_at = timezone.now() + HOLD_FOR
    for uploaded in files:
        name = _clean_name(getattr(uploaded, "name", ""))
        if len(held_ids) >= MAX_SHARED_FILES:
            refused.append(Refused(name, "too_many"))
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
    session[SESSION_KEY] = held_ids
    return kept, refused


def held_uploads(request):
    """The session's files still held, oldest first (an empty queryset when there are none)."""
    ids = request.session.get(SESSION_KEY) or []
    return SharedUpload.objects.filter(pk__in=ids, expires_at__gt=timezone.now())


def read_upload(row: SharedUpload) -> ValidatedUpload:
    """The stored (already validated, re-encoded) bytes of one held file."""
    with row.file.open("rb") as handle:
        data = handle.read()
    extension = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}[
        row.content_type]
    return ValidatedUpload(data, row.content_type, extension, row.page_count)


def read_uploads(rows) -> list[tuple[str, ValidatedUpload]]:
    """(name, upload) pairs for ``claims.services.create_claim``, in the given order."""
    return [(row.name, read_upload(row)) for row in rows]


def take_uploads(request, ids=None) -> list[tuple[str, ValidatedUpload]]:
    """Hand over the session's held files (all, or those in ``ids``) and forget them.

    Ids the session does not hold are ignored, so a forged id never reaches another
    session's file.
    """
    rows = held_uploads(request)
    if ids is not None:
        rows = rows.filter(pk__in=[int(i) for i in ids if str(i).isdigit()])
    rows = list(rows)
    taken = read_uploads(rows)
    discard(request, [row.pk for row in rows])
    return taken


def discard(request, ids) -> None:
    """Delete the given held files of this session (all of them when ``ids`` is None)."""
    held = list(request.session.get(SESSION_KEY) or [])
    chosen = held if ids is None else [i for i in held if i in set(ids)]
    _delete(SharedUpload.objects.filter(pk__in=chosen))
    remaining = [i for i in held if i not in set(chosen)]
    if remaining:
        request.session[SESSION_KEY] = remaining
    else:
        request.session.pop(SESSION_KEY, None)


def purge_expired(now=None) -> int:
    """Delete every held file past its time; returns how many. Safe to run twice."""
    return _delete(SharedUpload.objects.filter(expires_at__lte=now or timezone.now()))


def _delete(queryset) -> int:
    count = 0
    for row in queryset:
        with transaction.atomic():
            row.file.delete(save=False)
            row.delete()
        count += 1
    return count
