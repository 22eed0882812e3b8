"""The gentle hint before sending: "this invoice seems to concern Anna — choose Anna?".

When the customer has chosen the pages on /claims/new/, the first one is read quickly by the
``ocr`` workers (``tasks.pre_read_claim``: a PDF's text layer in milliseconds, a photo in about
one OCR pass). The answer is only ever an insured person of the customer's own household, by
id: a name the invoice prints is never shown, and nothing is said when it names someone
outside the household or when the answer comes too late (the page gives up after a few
seconds). It never stops the claim from being sent.

The pre-read's task id lives in the customer's session under a random token: another session,
another household, cannot ask for it.
"""

from __future__ import annotations

import base64
import logging
import secrets
from typing import TYPE_CHECKING, Any

from core.buckets import Bucket

if TYPE_CHECKING:
    from accounts.household import CustomerRequest
    from core.uploads import ValidatedUpload

logger = logging.getLogger(__name__)

SESSION_KEY = "claim_pre_reads"
MAX_BYTES = 4 * 1024 * 1024  # the page sends a downsized photo; a bigger file is not pre-read
KEEP = 5  # the last pre-reads a session remembers
# Each pre-read costs an OCR pass on the workers: enough for a few claims an hour.
BUCKET = Bucket("claim-pre-read", capacity=30, period_seconds=3600)
EXPIRES_SECONDS = 20  # a pre-read still queued after this is dropped: the hint would be late


def _remember(request: CustomerRequest, token: str, entry: dict[str, Any]) -> None:
    stored = dict(request.session.get(SESSION_KEY) or {})
    stored[token] = entry
    request.session[SESSION_KEY] = dict(list(stored.items())[-KEEP:])


def start(request: CustomerRequest, upload: ValidatedUpload) -> str | None:
    """Queue the pre-read of ``upload``; the token to ask for its answer, or None when there
    will be none (file too big, budget spent, the queue unreachable)."""
    from claims.tasks import pre_read_claim

    if len(upload.data) > MAX_BYTES or not BUCKET.take(str(request.customer.pk)):
        return None
    try:
        result = pre_read_claim.apply_async(
            args=(request.customer.pk, base64.b64encode(upload.data).decode("ascii")),
            queue="ocr", expires=EXPIRES_SECONDS)
    except Exception:  # noqa: BLE001 - a hint is never worth an error page
        logger.warning("claims: the pre-read could not be queued", exc_info=True)
        return None
    token = secrets.token_urlsafe(12)
    if result.ready():  # run in this process (eager mode)
        _remember(request, token, {"person": result.result if result.successful() else None})
    else:
        _remember(request, token, {"task": result.id})
    return token


def _person_of(entry: dict[str, Any]) -> tuple[bool, int | None]:
    """(answered, insured person id) of a remembered pre-read."""
    if "person" in entry:
        return True, entry["person"]
    from celery.result import AsyncResult

    try:
        result: AsyncResult[int | None] = AsyncResult(str(entry.get("task", "")))
        if not result.ready():
            return False, None
        person = result.result if result.successful() else None
        return True, person if isinstance(person, int) else None
    except Exception:  # noqa: BLE001 - the result store being away means no hint
        logger.warning("claims: the pre-read's answer could not be fetched", exc_info=True)
        return True, None


def answer(request: CustomerRequest, token: str) -> dict[str, Any] | None:
    """The answer for the page: pending, or done with the household member it names (id and
    name from the household, never from the invoice). None: no such pre-read here."""
    entry = (request.session.get(SESSION_KEY) or {}).get(token)
    if not isinstance(entry, dict):
        return None
    answered, person_id = _person_of(entry)
    if not answered:
        return {"state": "pending"}
    if "person" not in entry:
        _remember(request, token, {"person": person_id})
    person = (request.customer.insured_persons.filter(pk=person_id).first()
              if isinstance(person_id, int) else None)
    if person is None:
        return {"state": "done", "person": None}
    return {"state": "done", "person": person.pk,
            "name": f"{person.first_name} {person.last_name}", "first_name": person.first_name}
