"""Cost guarantees (garantie de prise en charge): the rules, without HTTP.

A household asks, before a planned hospital stay or treatment, that the insurer guarantees
its cover to the hospital or provider, with the doctor's documents attached. An advisor
then grants it (the guarantee comes back as a typed document in the household's archive,
printed here or uploaded by the advisor), refuses it with a reason the customer reads, or
asks for more information (the customer adds documents and the request is back "in
progress").

    submitted ──grant──▶ granted            (final)
        │  ▲  └─refuse──▶ refused           (final)
  ask_for│  │add_documents
   info  ▼  │
    info_requested ──grant / refuse──▶ …

Every change is audited (``claims.events.GUARANTEE_CHANGED``); the customer is told of
each decision by the content-free notification ("something new in your portal").
``requests_for_household`` is the read for lists: newest first, one query.
"""

from __future__ import annotations

import hashlib
import logging
import textwrap
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit import log as audit
from claims import events
from claims.models import (
    CostGuaranteeAttachment,
    CostGuaranteeRequest,
    GuaranteeStatus,
    WardClass,
)
from core.errors import PortalError
from core.money import format_chf, round_to_5_centimes
from documents.models import Document, DocumentType
from documents.pdfs import letter_pdf
from documents.storing import store_document
from notifications.activity import notify_new_activity

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import Customer, InsuredPerson, User
    from core.uploads import ValidatedUpload

logger = logging.getLogger(__name__)

TREATMENT_MAX_LENGTH = 1000
MESSAGE_MAX_LENGTH = 1000
MAX_FILES = 10
LETTER_LINE, LETTER_MAX_LINES = 90, 12  # characters a line of the letter holds, lines
# The reason the customer is told of a decision: a request they made and wait for.
NOTIFY_REASON = "requested"

OPEN_STATUSES = (GuaranteeStatus.SUBMITTED, GuaranteeStatus.INFO_REQUESTED)
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    GuaranteeStatus.SUBMITTED: {GuaranteeStatus.GRANTED, GuaranteeStatus.REFUSED,
                                GuaranteeStatus.INFO_REQUESTED},
    GuaranteeStatus.INFO_REQUESTED: {GuaranteeStatus.GRANTED, GuaranteeStatus.REFUSED,
                                     GuaranteeStatus.SUBMITTED},
    GuaranteeStatus.GRANTED: set(),
    GuaranteeStatus.REFUSED: set(),
}


# --- Domain errors ----------------------------------------------------------------------

class GuaranteeError(PortalError):
    """A rule of cost guarantees said no."""


class PlannedDateInPast(GuaranteeError):
    message_template = gettext_lazy(
        "La date prévue est déjà passée. Pour un traitement déjà reçu, envoyez la facture "
        "comme remboursement.")


class NotOfHousehold(GuaranteeError):
    message_template = gettext_lazy("Cette personne n'est pas assurée dans votre ménage.")


class DocumentsRequired(GuaranteeError):
    message_template = gettext_lazy("Ajoutez au moins un document de votre médecin.")


class TooManyFiles(GuaranteeError):
    message_template = gettext_lazy("%(n)s fichiers au plus par envoi.")


class TransitionNotAllowed(GuaranteeError):
    message_template = gettext_lazy(
        "Cette demande est passée entre-temps à « %(current)s »: elle ne peut plus passer à "
        "« %(wanted)s ». Rechargez la page.")


class ReasonRequired(GuaranteeError):
    message_template = gettext_lazy("Indiquez le motif du refus: le client le lit dans son "
                                    "portail.")


class QuestionRequired(GuaranteeError):
    message_template = gettext_lazy("Indiquez au client ce qui manque: il le lit dans son "
                                    "portail.")


class CoverRequired(GuaranteeError):
    message_template = gettext_lazy("Indiquez ce qui est garanti: un montant ou la prise en "
                                    "charge accordée.")


class ValidUntilInvalid(GuaranteeError):
    message_template = gettext_lazy("La garantie doit être valable au moins jusqu'à la date "
                                    "prévue (%(date)s).")


class NegativeAmount(GuaranteeError):
    message_template = gettext_lazy("Le montant garanti ne peut pas être négatif.")


class GuaranteeFileAlreadyArchived(GuaranteeError):
    message_template = gettext_lazy(
        "Ce fichier est déjà un autre document du client. Joignez la garantie elle-même, ou "
        "laissez le portail l'imprimer.")


# --- Reads ------------------------------------------------------------------------------

def requests_for_household(customer: Customer) -> QuerySet[CostGuaranteeRequest]:
    """The household's cost guarantee requests, newest first, each with its insured person
    and (once granted) its guarantee document: one query, whatever their number.

    ``status`` and ``get_status_display()`` say where each stands; ``document_id`` is the
    archived guarantee of a granted one."""
    return (CostGuaranteeRequest.objects.filter(customer=customer)
            .select_related("insured_person", "document")
            .order_by("-created_at", "-id"))


def request_of_household(customer: Customer, pk: int) -> CostGuaranteeRequest | None:
    """One of the household's requests with its attachments (two queries), or None."""
    return (requests_for_household(customer).prefetch_related("attachments")
            .filter(pk=pk).first())


def can_add_documents(guarantee: CostGuaranteeRequest) -> bool:
    return guarantee.status in OPEN_STATUSES


# --- Writes -----------------------------------------------------------------------------

def _check_files(uploads: Sequence[tuple[str, ValidatedUpload]]) -> None:
    if not uploads:
        raise DocumentsRequired
    if len(uploads) > MAX_FILES:
        raise TooManyFiles(n=MAX_FILES)


def _store_attachments(guarantee: CostGuaranteeRequest,
                       uploads: Sequence[tuple[str, ValidatedUpload]],
                       written: list[CostGuaranteeAttachment]) -> None:
    now = timezone.now()
    for name, upload in uploads:
        attachment = CostGuaranteeAttachment(
            request=guarantee, content_type=upload.content_type,
            sha256=hashlib.sha256(upload.data).hexdigest(), page_count=upload.page_count,
            original_name=name[:200], size=len(upload.data), added_at=now)
        attachment.file.save(f"document.{upload.extension}", ContentFile(upload.data),
                             save=False)
        written.append(attachment)
        attachment.save()


def _delete_quietly(attachments: Sequence[CostGuaranteeAttachment]) -> None:
    for attachment in attachments:
        try:
            if attachment.file.name:
                attachment.file.storage.delete(attachment.file.name)
        except Exception:  # noqa: BLE001 - cleanup must not hide the original error
            logger.exception("could not delete orphan guarantee file %s", attachment.file.name)


def submit(*, customer: Customer, insured_person: InsuredPerson, provider_name: str,
           provider_place: str, planned_date: date, treatment: str,
           uploads: Sequence[tuple[str, ValidatedUpload]], ward_class: str = "",
           user: User | None = None, request: HttpRequest | None = None,
           today: date | None = None) -> CostGuaranteeRequest:
    """Store a new request and its files in one transaction (files already written are
    deleted if it fails). ``uploads`` are (file name, validated upload) pairs."""
    today = today or timezone.localdate()
    if insured_person.customer_id != customer.pk:
        raise NotOfHousehold
    if planned_date < today:
        raise PlannedDateInPast
    if ward_class not in ("", *WardClass.values):
        raise ValueError(f"unknown ward class {ward_class!r}")
    _check_files(uploads)
    written: list[CostGuaranteeAttachment] = []
    try:
        with transaction.atomic():
            now = timezone.now()
            guarantee = CostGuaranteeRequest.objects.create(
                customer=customer, insured_person=insured_person,
                provider_name=provider_name.strip()[:200],
                provider_place=provider_place.strip()[:100], planned_date=planned_date,
                treatment=treatment.strip()[:TREATMENT_MAX_LENGTH], ward_class=ward_class,
                status=GuaranteeStatus.SUBMITTED, status_changed_at=now, created_at=now)
            _store_attachments(guarantee, uploads, written)
            audit.record(events.GUARANTEE_CHANGED, request=request, user=user,
                         customer=customer, guarantee=guarantee.pk, change="submitted",
                         files=len(uploads))
    except Exception:
        _delete_quietly(written)
        raise
    return guarantee


def _move(guarantee: CostGuaranteeRequest, status: str) -> None:
    current = GuaranteeStatus(guarantee.status)
    if status not in ALLOWED_TRANSITIONS[current]:
        raise TransitionNotAllowed(current=current.label,
                                   wanted=GuaranteeStatus(status).label)
    guarantee.status = status
    guarantee.status_changed_at = timezone.now()


def _locked(guarantee: CostGuaranteeRequest) -> CostGuaranteeRequest:
    """The row again, locked: another advisor (or the customer) may have moved it."""
    fresh = (CostGuaranteeRequest.objects.select_for_update()
             .select_related("customer", "insured_person").get(pk=guarantee.pk))
    return fresh


def add_documents(guarantee: CostGuaranteeRequest, *,
                  uploads: Sequence[tuple[str, ValidatedUpload]], user: User | None = None,
                  request: HttpRequest | None = None) -> CostGuaranteeRequest:
    """The customer adds documents to an open request; one waiting for information goes
    back to the advisors ("in progress")."""
    _check_files(uploads)
    written: list[CostGuaranteeAttachment] = []
    try:
        with transaction.atomic():
            fresh = _locked(guarantee)
            if fresh.status not in OPEN_STATUSES:
                raise TransitionNotAllowed(current=GuaranteeStatus(fresh.status).label,
                                           wanted=GuaranteeStatus.SUBMITTED.label)
            previous = fresh.status
            fields = ["updated_at"]
            if fresh.status == GuaranteeStatus.INFO_REQUESTED:
                _move(fresh, GuaranteeStatus.SUBMITTED)
                fields += ["status", "status_changed_at"]
            _store_attachments(fresh, uploads, written)
            fresh.save(update_fields=fields)
            audit.record(events.GUARANTEE_CHANGED, request=request, user=user,
                         customer=fresh.customer, guarantee=fresh.pk,
                         change="documents_added", files=len(uploads), previous=previous,
                         status=fresh.status)
    except Exception:
        _delete_quietly(written)
        raise
    return fresh


def ask_for_information(guarantee: CostGuaranteeRequest, *, advisor: User, question: str,
                        request: HttpRequest | None = None) -> CostGuaranteeRequest:
    """The advisor needs more (a report, a cost estimate): the customer reads ``question``
    and may add documents."""
    question = question.strip()[:MESSAGE_MAX_LENGTH]
    if not question:
        raise QuestionRequired
    with transaction.atomic():
        fresh = _locked(guarantee)
        previous = fresh.status
        _move(fresh, GuaranteeStatus.INFO_REQUESTED)
        fresh.advisor_message = question
        fresh.save(update_fields=["status", "status_changed_at", "advisor_message",
                                  "updated_at"])
        audit.record(events.GUARANTEE_CHANGED, request=request, actor=advisor,
                     customer=fresh.customer, user=None, guarantee=fresh.pk,
                     change="info_requested", previous=previous, status=fresh.status)
        notify_new_activity(fresh.customer, reason=NOTIFY_REASON)
    return fresh


def refuse(guarantee: CostGuaranteeRequest, *, advisor: User, reason: str,
           request: HttpRequest | None = None) -> CostGuaranteeRequest:
    """The advisor refuses; the customer reads ``reason``."""
    reason = reason.strip()[:MESSAGE_MAX_LENGTH]
    if not reason:
        raise ReasonRequired
    with transaction.atomic():
        fresh = _locked(guarantee)
        previous = fresh.status
        _move(fresh, GuaranteeStatus.REFUSED)
        fresh.advisor_message = reason
        fresh.decided_by = advisor
        fresh.save(update_fields=["status", "status_changed_at", "advisor_message",
                                  "decided_by", "updated_at"])
        audit.record(events.GUARANTEE_CHANGED, request=request, actor=advisor,
                     customer=fresh.customer, user=None, guarantee=fresh.pk, change="refused",
                     previous=previous, status=fresh.status)  # the reason stays on the request
        notify_new_activity(fresh.customer, reason=NOTIFY_REASON)
    return fresh


def grant(guarantee: CostGuaranteeRequest, *, advisor: User, valid_until: date,
          cover: str = "", amount: Decimal | None = None,
          uploaded: ValidatedUpload | None = None, request: HttpRequest | None = None,
          today: date | None = None) -> CostGuaranteeRequest:
    """The advisor grants what ``cover`` says and/or up to ``amount`` CHF, valid until
    ``valid_until``. The guarantee goes to the household's archive as a cost guarantee
    document: ``uploaded`` when the advisor sends one, else the letter printed here."""
    today = today or timezone.localdate()
    cover = cover.strip()[:300]
    if not cover and amount is None:
        raise CoverRequired
    if amount is not None and amount < 0:
        raise NegativeAmount
    with transaction.atomic():
        fresh = _locked(guarantee)
        previous = fresh.status
        _move(fresh, GuaranteeStatus.GRANTED)
        if valid_until < max(fresh.planned_date, today):
            raise ValidUntilInvalid(date=formats.date_format(fresh.planned_date, "d.m.Y"))
        fresh.cover = cover
        fresh.amount = round_to_5_centimes(amount) if amount is not None else None
        fresh.valid_until = valid_until
        fresh.decided_by = advisor
        fresh.advisor_message = ""
        fresh.document = _archive(fresh, issued_on=today, uploaded=uploaded)
        fresh.save(update_fields=["status", "status_changed_at", "cover", "amount",
                                  "valid_until", "decided_by", "advisor_message", "document",
                                  "updated_at"])
        audit.record(events.GUARANTEE_CHANGED, request=request, actor=advisor,
                     customer=fresh.customer, user=None, guarantee=fresh.pk, change="granted",
                     previous=previous, status=fresh.status, document=fresh.document_id,
                     uploaded=uploaded is not None)
        notify_new_activity(fresh.customer, reason=NOTIFY_REASON)
    return fresh


# --- The guarantee document --------------------------------------------------------------

def title_of(guarantee: CostGuaranteeRequest) -> str:
    return _("Garantie de prise en charge – %(provider)s") % {
        "provider": guarantee.provider_name}


def _day(day: date) -> str:
    return formats.date_format(day, "d.m.Y")


def _wrapped(text: str) -> list[str]:
    """``text`` in lines that fit the letter's width (a customer's text may be long)."""
    return textwrap.wrap(text, width=LETTER_LINE, max_lines=LETTER_MAX_LINES,
                         placeholder=" …") or [""]


def guarantee_letter(guarantee: CostGuaranteeRequest, *, issued_on: date) -> bytes:
    """The guarantee as an A4 PDF in the active language: the person, the provider, the
    date, the treatment, what is guaranteed, and until when."""
    customer, person = guarantee.customer, guarantee.insured_person
    holder = customer.policy_holder
    recipient = ([f"{holder.first_name} {holder.last_name}", customer.street,
                  f"{customer.postcode} {customer.locality}"] if holder else [])
    lines = [
        _("Référence : %(reference)s") % {"reference": guarantee.reference},
        _("Personne assurée : %(name)s, né(e) le %(birth)s, n° %(number)s") % {
            "name": f"{person.first_name} {person.last_name}",
            "birth": _day(person.birth_date), "number": person.insured_number},
        _("Hôpital ou prestataire : %(provider)s, %(place)s") % {
            "provider": guarantee.provider_name, "place": guarantee.provider_place},
        _("Date prévue : %(date)s") % {"date": _day(guarantee.planned_date)},
    ]
    if guarantee.ward_class:
        lines.append(_("Division : %(ward)s") % {"ward": guarantee.get_ward_class_display()})
    lines += _wrapped(_("Motif ou traitement : %(treatment)s") % {
        "treatment": " ".join(guarantee.treatment.split())})
    rows = []
    if guarantee.amount is not None:
        rows.append(("**" + _("Montant garanti"), format_chf(guarantee.amount)))
    footer = []
    if guarantee.cover:
        footer += _wrapped(_("Prise en charge : %(cover)s") % {"cover": guarantee.cover})
    if guarantee.valid_until:
        footer.append(_("Valable jusqu'au %(date)s.") % {"date": _day(guarantee.valid_until)})
    footer += [
        _("Selon les conditions de votre contrat, franchise et quote-part réservées."),
        _("Présentez cette garantie à l'hôpital ou au prestataire."),
    ]
    return letter_pdf(title_of(guarantee), lines, recipient=recipient,
                      date_line=_("%(place)s, le %(date)s") % {"place": customer.locality,
                                                               "date": _day(issued_on)},
                      rows=rows, footer_lines=footer)


def _is_this_guarantee(document: Document, guarantee: CostGuaranteeRequest) -> bool:
    return (document.type == DocumentType.COST_GUARANTEE
            and document.reference == guarantee.reference)


def check_guarantee_file(guarantee: CostGuaranteeRequest, uploaded: ValidatedUpload) -> None:
    """Refuse, before anything is decided, a file the household's archive already holds as
    another document (``_archive`` checks again when it stores)."""
    checksum = hashlib.sha256(uploaded.data).hexdigest()
    existing = Document.objects.filter(customer_id=guarantee.customer_id,
                                       checksum=checksum).first()
    if existing is not None and not _is_this_guarantee(existing, guarantee):
        raise GuaranteeFileAlreadyArchived


def _archive(guarantee: CostGuaranteeRequest, *, issued_on: date,
             uploaded: ValidatedUpload | None) -> Document:
    with translation.override(guarantee.customer.language):
        title = title_of(guarantee)
        if uploaded is None:
            data, name = guarantee_letter(guarantee, issued_on=issued_on), "garantie.pdf"
        else:
            data, name = uploaded.data, f"garantie.{uploaded.extension}"
    document, created = store_document(
        insured_person=guarantee.insured_person, type=DocumentType.COST_GUARANTEE,
        issue_date=issued_on, title=title[:200], source=ContentFile(data), file_name=name,
        reference=guarantee.reference, notify=False)
    # The archive keeps one copy of each file: an upload identical to another document (the
    # doctor's report, an earlier guarantee) would make this guarantee point at that one.
    if not created and not _is_this_guarantee(document, guarantee):
        raise GuaranteeFileAlreadyArchived
    return document
