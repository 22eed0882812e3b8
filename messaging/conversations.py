"""Writing threads and messages: the customer's side and the advisor's side.

Every change an advisor makes (reply, assign, close, reopen, mark read) goes through a function
here and is written to the audit log with the advisor as actor; never the message's content.
"""

import re
from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import get_valid_filename

from accounts.models import Customer, User
from audit import log as audit
from audit.kinds import EventKind
from core.outbox import enqueue
from core.uploads import ValidatedUpload
from messaging import events
from messaging.about import About
from messaging.models import Attachment, Message, Thread
from messaging.tasks import tell_advisor_of_customer_message
from notifications.activity import notify_new_activity


def _safe_filename(original: str, extension: str) -> str:
    stem = (original or "").rsplit(".", 1)[0][:80]
    try:
        stem = get_valid_filename(stem)
    except Exception:  # noqa: BLE001 - Django raises SuspiciousFileOperation on "." etc.
        stem = ""
    # No "..", no hidden file: "../../etc/passwd" must not come back as "....etcpasswd".
    stem = re.sub(r"\.{2,}", ".", stem).strip("._-")
    return f"{stem or 'piece-jointe'}.{extension}"


def _attach(message: Message, files: list[tuple[str, ValidatedUpload]]) -> None:
    for original_name, upload in files:
        attachment = Attachment(
            message=message, filename=_safe_filename(original_name, upload.extension),
            content_type=upload.content_type, size=len(upload.data),
        )
        attachment.file.save(f"attachment.{upload.extension}", ContentFile(upload.data),
                             save=False)
        attachment.save()


@transaction.atomic
def start_thread(*, customer: Customer, author: User, subject: str, body: str,
                 files: Sequence[tuple[str, ValidatedUpload]] = (),
                 about: About | None = None) -> Thread:
    now = timezone.now()
    thread = Thread.objects.create(
        customer=customer, subject=subject, assigned_to_id=customer.advisor_id,
        about_kind=about.kind if about else "", about_id=about.object_id if about else None,
        about_label=about.label if about else "",
        created_at=now, last_activity_at=now, awaiting_reply_since=now,
    )
    message = Message.objects.create(thread=thread, author=author, body=body, created_at=now)
    _attach(message, list(files))
    _tell_advisor(thread)
    return thread


@transaction.atomic
def customer_reply(*, thread: Thread, author: User, body: str,
                   files: Sequence[tuple[str, ValidatedUpload]] = ()) -> Message:
    now = timezone.now()
    message = Message.objects.create(thread=thread, author=author, body=body, created_at=now)
    _attach(message, list(files))
    thread.last_activity_at = now
    thread.status = Thread.Status.OPEN
    thread.awaiting_reply_since = thread.awaiting_reply_since or now
    thread.save(update_fields=["last_activity_at", "status", "awaiting_reply_since"])
    _tell_advisor(thread)
    return message


def _tell_advisor(thread: Thread) -> None:
    """The assigned advisor gets an e-mail without content: queued with the message (the
    outbox), sent once it is committed."""
    if thread.assigned_to_id is None:
        return
    enqueue(tell_advisor_of_customer_message, thread.pk)


def _audit(kind: EventKind, thread: Thread, advisor: User,
           request: HttpRequest | None, **detail: Any) -> None:
    audit.record(kind, request=request, actor=advisor, customer=thread.customer,
                 user=thread.customer.account, thread=thread.pk, **detail)


@transaction.atomic
def advisor_reply(*, thread: Thread, advisor: User, body: str,
                  files: Sequence[tuple[str, ValidatedUpload]] = (),
                  request: HttpRequest | None = None) -> Message:
    """Answer the customer: visible at once, and the customer is notified (throttled).
    Replying also reads the customer's messages and takes an unassigned thread."""
    now = timezone.now()
    message = Message.objects.create(thread=thread, author=advisor, from_advisor=True,
                                     body=body, created_at=now)
    _attach(message, list(files))
    _mark_read(thread)
    thread.last_activity_at = now
    thread.awaiting_reply_since = None
    if thread.assigned_to_id is None:
        thread.assigned_to = advisor
    thread.save(update_fields=["last_activity_at", "awaiting_reply_since", "assigned_to"])
    _audit(events.ADVISOR_REPLIED, thread, advisor, request, attachments=len(files))
    notify_new_activity(thread.customer, reason="message")
    return message


@transaction.atomic
def assign(thread: Thread, *, to: User | None, advisor: User,
           request: HttpRequest | None = None) -> bool:
    """Give the thread to a colleague (or to nobody). False when nothing changed."""
    if thread.assigned_to_id == (to.pk if to else None):
        return False
    previous = thread.assigned_to_id
    thread.assigned_to = to
    thread.save(update_fields=["assigned_to"])
    _audit(events.THREAD_ASSIGNED, thread, advisor, request, previous=previous,
           assigned_to=to.pk if to else None)
    return True


@transaction.atomic
def set_status(thread: Thread, status: str, *, advisor: User,
               request: HttpRequest | None = None) -> bool:
    """Close or reopen a thread. False when it already had that status."""
    if status not in Thread.Status.values:
        raise ValueError(f"unknown thread status {status!r}")
    if thread.status == status:
        return False
    thread.status = status
    thread.save(update_fields=["status"])
    kind = events.THREAD_CLOSED if status == Thread.Status.CLOSED else events.THREAD_REOPENED
    _audit(kind, thread, advisor, request)
    return True


def close(thread: Thread, *, advisor: User, request: HttpRequest | None = None) -> bool:
    return set_status(thread, Thread.Status.CLOSED, advisor=advisor, request=request)


def reopen(thread: Thread, *, advisor: User, request: HttpRequest | None = None) -> bool:
    return set_status(thread, Thread.Status.OPEN, advisor=advisor, request=request)


def viewed_by_advisor(thread: Thread, *, advisor: User,
                      request: HttpRequest | None = None) -> None:
    """An advisor opened the thread: written to the audit log (reading marks nothing)."""
    _audit(events.THREAD_VIEWED, thread, advisor, request)


def mark_read_by_customer(thread: Thread) -> int:
    return thread.messages.filter(from_advisor=True, read_at__isnull=True).update(
        read_at=timezone.now())


def _mark_read(thread: Thread) -> int:
    return thread.messages.filter(from_advisor=False, read_at__isnull=True).update(
        read_at=timezone.now())


@transaction.atomic
def mark_read_by_advisor(thread: Thread, *, advisor: User,
                         request: HttpRequest | None = None) -> int:
    """The advisor says they read the customer's messages (an explicit action, never a GET).
    Returns how many messages were unread."""
    count = _mark_read(thread)
    if count:
        _audit(events.THREAD_READ, thread, advisor, request, messages=count)
    return count


# --- Reads -----------------------------------------------------------------------------

def threads_of(customer: Customer) -> QuerySet[Thread]:
    """The household's threads, newest activity first, each with ``unread`` (advisor msgs)."""
    return (Thread.objects.filter(customer=customer)
            .annotate(unread=Count("messages", filter=Q(messages__from_advisor=True,
                                                        messages__read_at__isnull=True)))
            .order_by("-last_activity_at", "-id"))


def unread_count(customer_id: int) -> int:
    """Advisor messages the household has not opened yet: one query, for the nav badge."""
    return Message.objects.filter(thread__customer_id=customer_id, from_advisor=True,
                                  read_at__isnull=True).count()
