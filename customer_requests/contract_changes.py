"""Asking for, accepting and refusing a change of deductible or model for next year.

The rules (which change, until when, at what premium) are ``policies.contract_changes``;
here: the household's basic coverages, the stored request, the advisor's decision, the
confirmation in the archive, the audit log and the customer's notification.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Customer, InsuredPerson
from audit.log import record
from core.errors import PortalError
from core.money import format_chf
from customer_requests import events
from customer_requests.models import ChangeStatus, ContractChange
from documents.models import DocumentType
from documents.pdfs import letter_pdf
from documents.storing import store_document
from notifications.activity import notify_new_activity
from policies import contract_changes as rules
from policies.contract_changes import Change, Choice
from policies.models import Coverage, Line

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import User


class NotPending(PortalError):
    message_template = gettext_lazy("Cette demande a déjà été traitée.")


class ReasonRequired(PortalError):
    message_template = gettext_lazy("Indiquez le motif du refus: le client le lira.")


@dataclass(frozen=True)
class Insured:
    """An insured person of the household and their basic insurance today."""

    person: InsuredPerson
    coverage: Coverage
    # A change an advisor already accepted for the next 1 January: the new request starts
    # from it (asking 1'000 after 2'500 was accepted is a lower deductible, not a higher one).
    accepted: ContractChange | None = None

    @property
    def current(self) -> Choice:
        return Choice(self.coverage.product.code, self.coverage.franchise or 0)

    @property
    def base(self) -> Choice:
        """What the person has on the next 1 January without a new request."""
        if self.accepted is not None:
            return Choice(self.accepted.new_model, self.accepted.new_deductible)
        return self.current

    @property
    def accepted_text(self) -> str:
        if self.accepted is None:
            return ""
        return choice_text(self.accepted.new_model, self.accepted.new_deductible)

    @property
    def deductible_text(self) -> str:
        return rules.deductible_text(self.current.deductible)


def choice_text(model: str, deductible: int) -> str:
    """``Médecin de famille, franchise CHF 2'500``: a model and a deductible in words."""
    return _("%(model)s, franchise %(deductible)s") % {
        "model": rules.model_label(model), "deductible": rules.deductible_text(deductible)}


def basic_insurance(customer: Customer, *, today: date | None = None) -> list[Insured]:
    """The household's insured persons with a basic coverage running today, each with the
    change already accepted for the next 1 January, if any. Two queries."""
    today = today or timezone.localdate()
    coverages = (Coverage.objects.active_in(today, today)
                 .filter(insured_person__customer=customer, product__line=Line.BASIC)
                 .select_related("insured_person", "product")
                 .order_by("-insured_person__is_policy_holder", "insured_person__birth_date",
                           "insured_person_id", "-start"))
    accepted = {change.insured_person_id: change for change in  # the latest decision wins
                ContractChange.objects.filter(customer=customer,
                                              effective_on=date(today.year + 1, 1, 1),
                                              status=ChangeStatus.ACCEPTED)
                .order_by("decided_at", "id")}
    seen: dict[int, Insured] = {}
    for coverage in coverages:
        person_id = coverage.insured_person_id
        seen.setdefault(person_id, Insured(coverage.insured_person, coverage,
                                           accepted.get(person_id)))
    return list(seen.values())


def insured_of(customer: Customer, person_id: int) -> Insured | None:
    """One person of the household with basic insurance, or None (another household's id)."""
    return next((insured for insured in basic_insurance(customer)
                 if insured.person.pk == person_id), None)


def preview(insured: Insured, new: Choice, *, now: datetime | None = None) -> Change:
    """What the change would be and cost; raises ``rules.ChangeRefused`` with the reason."""
    return rules.check(insured.base, new, birth_date=insured.person.birth_date, now=now)


def pending_for(person: InsuredPerson, effective_on: date) -> ContractChange | None:
    return ContractChange.objects.filter(insured_person=person, effective_on=effective_on,
                                         status=ChangeStatus.PENDING).first()


def submit(insured: Insured, new: Choice, *, user: User, request: HttpRequest | None = None,
           now: datetime | None = None) -> ContractChange:
    """Store the request for the advisors' queue, audited. Raises ``rules.ChangeRefused``."""
    now = now or timezone.now()
    person = insured.person
    change = preview(insured, new, now=now)
    try:
        with transaction.atomic():
            Customer.objects.select_for_update().filter(pk=person.customer_id).exists()
            waiting = pending_for(person, change.effective_on)
            if waiting is not None:
                if (waiting.new_model, waiting.new_deductible) == (new.model, new.deductible):
                    return waiting  # the same request sent again (a double tap): already here
                raise rules.AlreadyRequested(name=person.first_name,
                                             year=change.effective_on.year)
            stored = ContractChange.objects.create(
                customer_id=person.customer_id, insured_person=person,
                effective_on=change.effective_on,
                current_model=change.unchanged.model,
                current_deductible=change.unchanged.deductible,
                new_model=new.model, new_deductible=new.deductible,
                current_premium=change.unchanged_premium, new_premium=change.new_premium,
                submitted_at=now, submitted_by=user)
            record(events.CONTRACT_CHANGE_REQUESTED, request=request, user=user,
                   customer=person.customer, change=stored.pk, person=person.pk,
                   effective_on=change.effective_on.isoformat(),
                   deductible=[change.unchanged.deductible, new.deductible],
                   model=[change.unchanged.model, new.model])
    except IntegrityError as clash:  # the same request sent twice at once
        raise rules.AlreadyRequested(name=person.first_name,
                                     year=change.effective_on.year) from clash
    return stored


def pending_of(customer: Customer, pk: int) -> ContractChange | None:
    """One of the household's requests still waiting for an advisor, or None."""
    return ContractChange.objects.filter(customer=customer, pk=pk,
                                         status=ChangeStatus.PENDING).first()


def cancel(change: ContractChange, *, user: User,
           request: HttpRequest | None = None) -> ContractChange:
    """The customer withdraws a request no advisor has decided yet (another one may then be
    sent for the same person and year)."""
    with transaction.atomic():
        change = _locked_pending(change)
        change.status = ChangeStatus.CANCELLED
        change.decided_at = timezone.now()
        change.save(update_fields=["status", "decided_at"])
        record(events.CONTRACT_CHANGE_CANCELLED, request=request, user=user,
               customer=change.customer, change=change.pk)
    return change


# --- The advisor's decision -----------------------------------------------------------------

def _locked_pending(change: ContractChange) -> ContractChange:
    locked = (ContractChange.objects.select_for_update()
              .select_related("customer", "insured_person").get(pk=change.pk))
    if locked.status != ChangeStatus.PENDING:
        raise NotPending()
    return locked


def accept(change: ContractChange, *, advisor: User, request: HttpRequest | None = None,
           today: date | None = None, notify: bool = True) -> ContractChange:
    """Accept: the confirmation (an amendment) goes into the archive, the customer is told
    (``notify``; the demo's past changes tell no one)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        change = _locked_pending(change)
        with translation.override(change.customer.language):
            title = amendment_title(change)
            pdf = amendment_pdf(change, issued_on=today)
        document, _created = store_document(
            insured_person=change.insured_person, type=DocumentType.AMENDMENT,
            issue_date=today, title=title, source=ContentFile(pdf),
            file_name="avenant.pdf", notify=False)
        change.status = ChangeStatus.ACCEPTED
        change.decided_at = timezone.now()
        change.decided_by = advisor
        change.document = document
        change.save(update_fields=["status", "decided_at", "decided_by", "document"])
        record(events.CONTRACT_CHANGE_ACCEPTED, request=request, actor=advisor,
               customer=change.customer, change=change.pk, document=document.pk)
        if notify:
            notify_new_activity(change.customer, reason="requested")
    return change


def refuse(change: ContractChange, *, advisor: User, reason: str,
           request: HttpRequest | None = None) -> ContractChange:
    """Refuse with a reason the customer reads in the portal; the customer is told."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    with transaction.atomic():
        change = _locked_pending(change)
        change.status = ChangeStatus.REFUSED
        change.refusal_reason = reason
        change.decided_at = timezone.now()
        change.decided_by = advisor
        change.save(update_fields=["status", "refusal_reason", "decided_at", "decided_by"])
        record(events.CONTRACT_CHANGE_REFUSED, request=request, actor=advisor,
               customer=change.customer, change=change.pk)
        notify_new_activity(change.customer, reason="requested")
    return change


# --- The confirmation -----------------------------------------------------------------------

def _day(day: date) -> str:
    return f"{day:%d.%m.%Y}"


def amendment_title(change: ContractChange) -> str:
    return _("Avenant au 1er janvier %(year)s: %(name)s") % {
        "year": change.effective_on.year,
        "name": f"{change.insured_person.first_name} {change.insured_person.last_name}"}


def amendment_pdf(change: ContractChange, *, issued_on: date) -> bytes:
    """The confirmation letter, in the active language."""
    customer, person = change.customer, change.insured_person
    holder = customer.policy_holder
    recipient = ([f"{holder.first_name} {holder.last_name}", customer.street,
                  f"{customer.postcode} {customer.locality}"] if holder else [])
    return letter_pdf(
        amendment_title(change),
        [_("Assurance de base (LAMal) de %(name)s, n° d'assuré %(number)s") % {
            "name": f"{person.first_name} {person.last_name}", "number": person.insured_number},
         _("Nous confirmons votre demande du %(date)s. Dès le %(effective)s:") % {
             "date": _day(timezone.localtime(change.submitted_at).date()),
             "effective": _day(change.effective_on)}],
        recipient=recipient, date_line=_day(issued_on),
        rows=[(_("Modèle d'assurance"), change.new_model_label),
              (_("Franchise annuelle"), rules.deductible_text(change.new_deductible)),
              (_("Prime mensuelle (sans changement: %(amount)s)") % {
                  "amount": format_chf(change.current_premium)},
               format_chf(change.new_premium)),
              ("**" + _("Différence par an"), format_chf(change.yearly_difference))],
        footer_lines=[_("Les autres conditions de votre contrat restent inchangées."),
                      _("Ce document fait partie de votre police d'assurance.")])
