"""Every request of a household in one list: each kind of request is a *source*.

A source is a function ``(customer) -> Iterable[RequestRow]`` costing one query (whatever
the household's history: at most ``LIMIT`` rows each, newest first) and listed in
``SOURCES``. Another kind of request is one more such function
appended to the list; the page, its tests and its query budget follow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import PayoutAccount, PendingAddressChange
from claims.cost_guarantees import requests_for_household
from claims.models import Claim, ClaimStatus, GuaranteeStatus
from customer_requests.models import ChangeStatus, ContractChange
from policies.contract_changes import deductible_text

if TYPE_CHECKING:
    from accounts.models import Customer

LIMIT = 50  # per source: the page shows recent requests; older claims are on /claims/

# How a status reads at a glance (the colour of its badge).
PENDING, DONE, REFUSED, CLOSED = "pending", "done", "refused", "closed"


@dataclass(frozen=True)
class RequestRow:
    kind: str  # what sort of request ("Changement d'adresse")
    title: str  # what was asked
    person: str  # for whom ("" for the whole household)
    submitted_at: datetime
    status_label: str
    status_tone: str  # PENDING, DONE, REFUSED or CLOSED
    url: str = ""  # where to read more, if anywhere
    note: str = ""  # e.g. the reason of a refusal
    note_label: str = ""  # what the note is, when not a reason ("Motif:")
    document_url: str = ""  # the confirmation in the archive
    document_label: str = ""
    cancel_url: str = ""  # a POST withdraws the request while nobody has decided it


Source = Callable[["Customer"], Iterable[RequestRow]]


def address_changes(customer: Customer) -> Iterable[RequestRow]:
    for change in (PendingAddressChange.objects.filter(customer=customer)
                   .order_by("-created_at", "-id")[:LIMIT]):
        if change.cancelled_at:
            label, tone = _("Annulé"), CLOSED
        elif change.applied_at:
            label, tone = _("Appliqué"), DONE
        else:
            label, tone = (_("Prévu pour le %(date)s") % {
                "date": f"{change.effective_on:%d.%m.%Y}"}, PENDING)
        yield RequestRow(kind=_("Changement d'adresse"),
                         title=f"{change.street}, {change.postcode} {change.locality}",
                         person="", submitted_at=change.created_at, status_label=label,
                         status_tone=tone, url=reverse("accounts:profile"))


def payout_accounts(customer: Customer) -> Iterable[RequestRow]:
    for account in (PayoutAccount.objects.filter(customer=customer)
                    .order_by("-set_at", "-id")[:LIMIT]):
        label, tone = ((_("Remplacé"), CLOSED) if account.replaced_at
                       else (_("Actif"), DONE))
        yield RequestRow(kind=_("Compte de versement"), title=account.masked,
                         person=account.holder, submitted_at=account.set_at,
                         status_label=label, status_tone=tone,
                         url=reverse("accounts:profile"))


CONTRACT_CHANGE_TONES = {ChangeStatus.PENDING: PENDING, ChangeStatus.ACCEPTED: DONE,
                         ChangeStatus.REFUSED: REFUSED, ChangeStatus.CANCELLED: CLOSED}


def contract_changes(customer: Customer) -> Iterable[RequestRow]:
    for change in (ContractChange.objects.filter(customer=customer)
                   .select_related("insured_person")
                   .order_by("-submitted_at", "-id")[:LIMIT]):
        parts = []
        if change.new_deductible != change.current_deductible:
            parts.append(_("franchise %(amount)s") % {
                "amount": deductible_text(change.new_deductible)})
        if change.new_model != change.current_model:
            parts.append(_("modèle %(model)s") % {"model": change.new_model_label})
        yield RequestRow(
            kind=_("Franchise ou modèle"),
            title=_("Dès le %(date)s: %(what)s") % {
                "date": f"{change.effective_on:%d.%m.%Y}", "what": ", ".join(parts)},
            person=str(change.insured_person), submitted_at=change.submitted_at,
            status_label=change.get_status_display(),
            status_tone=CONTRACT_CHANGE_TONES[ChangeStatus(change.status)],
            note=change.refusal_reason if change.status == ChangeStatus.REFUSED else "",
            document_url=(reverse("documents:detail", args=[change.document_id])
                          if change.document_id else ""),
            document_label=_("Confirmation (avenant)") if change.document_id else "",
            cancel_url=(reverse("customer_requests:cancel_change", args=[change.pk])
                        if change.status == ChangeStatus.PENDING else ""))


CLAIM_TONES = {ClaimStatus.ACCEPTED: DONE, ClaimStatus.SETTLED: DONE,
               ClaimStatus.REJECTED: REFUSED}


def claims(customer: Customer) -> Iterable[RequestRow]:
    for claim in (Claim.objects.filter(customer=customer).select_related("insured_person")
                  .order_by("-created_at", "-id")[:LIMIT]):
        yield RequestRow(
            kind=_("Remboursement"),
            title=(f"{claim.get_kind_display()} · {claim.provider_name}"
                   if claim.provider_name else claim.get_kind_display()),
            person=str(claim.insured_person), submitted_at=claim.created_at,
            status_label=claim.get_status_display(),
            status_tone=CLAIM_TONES.get(ClaimStatus(claim.status), PENDING),
            url=reverse("claims:detail", args=[claim.pk]),
            note=claim.rejection_reason if claim.status == ClaimStatus.REJECTED else "")


GUARANTEE_TONES = {GuaranteeStatus.SUBMITTED: PENDING, GuaranteeStatus.INFO_REQUESTED: PENDING,
                   GuaranteeStatus.GRANTED: DONE, GuaranteeStatus.REFUSED: REFUSED}


def cost_guarantees(customer: Customer) -> Iterable[RequestRow]:
    for guarantee in requests_for_household(customer)[:LIMIT]:
        status = GuaranteeStatus(guarantee.status)
        yield RequestRow(
            kind=_("Garantie de prise en charge"),
            title=f"{guarantee.provider_name}, {guarantee.provider_place}",
            person=str(guarantee.insured_person), submitted_at=guarantee.created_at,
            status_label=guarantee.get_status_display(),
            status_tone=GUARANTEE_TONES[status],
            url=reverse("claims:guarantee_detail", args=[guarantee.pk]),
            # The advisor's question or the reason of a refusal: what the customer acts on.
            note=(guarantee.advisor_message
                  if status in (GuaranteeStatus.INFO_REQUESTED, GuaranteeStatus.REFUSED)
                  else ""),
            note_label=(_("Il nous manque des informations:")
                        if status == GuaranteeStatus.INFO_REQUESTED else ""),
            document_url=(reverse("documents:detail", args=[guarantee.document_id])
                          if guarantee.document_id else ""),
            document_label=_("Garantie (document)") if guarantee.document_id else "")


SOURCES: list[Source] = [address_changes, payout_accounts, contract_changes, cost_guarantees,
                         claims]


def requests_of(customer: Customer, sources: Iterable[Source] | None = None) -> list[RequestRow]:
    """All the household's requests, newest first: one query per source."""
    rows = [row for source in (SOURCES if sources is None else sources)
            for row in source(customer)]
    return sorted(rows, key=lambda row: row.submitted_at, reverse=True)
