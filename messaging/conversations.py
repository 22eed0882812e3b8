"""Writing threads and messages: the customer's side and the advisor's side."""

import re

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.text import get_valid_filename

from accounts.models import Customer, User
from accounts.notifications import notify_new_activity
from kptportal.uploads import ValidatedUpload
from messaging.about import About
from messaging.models import Attachment, Message, Thread


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
                 files: list[tuple[str, ValidatedUpload]] = (),
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
    return thread


@transaction.atomic
def customer_reply(*, thread: Thread, author: User, body: str,
                   files: list[tuple[str, ValidatedUpload]] = ()) -> Message:
    now = timezone.now()
    message = Message.objects.create(thread=thread, author=author, body=body, created_at=now)
    _attach(message, list(files))
    thread.last_activity_at = now
    thread.status = Thread.Status.OPEN
    thread.awaiting_reply_since = thread.awaiting_reply_since or now
    thread.save(update_fields=["last_activity_at", "status", "awaiting_reply_since"])
    return message


@transaction.atomic
def advisor_reply(*, thread: Thread, advisor: User, body: str) -> Message:
    """Answer the customer: visible at once, and the customer is notified (throttled)."""
    now = timezone.now()
    message = Message.objects.create(thread=thread, author=advisor, from_advisor=True,
                                     body=body, created_at=now)
    mark_read_by_advisor(thread)
    thread.last_activity_at = now
    thread.awaiting_reply_since = None
    if thread.assigned_to_id is None:
        thread.assigned_to = advisor
    thread.save(update_fields=["last_activity_at", "awaiting_reply_since", "assigned_to"])
    notify_new_activity(thread.customer, reason="message")
    return message


def mark_read_by_customer(thread: Thread) -> int:
    return thread.messages.filter(from_advisor=True, read_at__isnull=True).update(
        read_at=timezone.now())


def mark_read_by_advisor(thread: Thread) -> int:
    return thread.messages.filter(from_advisor=False, read_at__isnull=True).update(
        read_at=timezone.now())


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
