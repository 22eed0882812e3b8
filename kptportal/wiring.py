"""Connections between apps that must not import each other (see design.md: dependencies).

kptportal may use every app, so it tells messaging how to name a household's document or
claim in "question about this document / this decision" links, and tells policies what the benefit
statements settled (the year so far of deductible and co-payment).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import formats

if TYPE_CHECKING:
    from accounts.models import Customer
    from policies.cost_sharing import Usage


def document_label(customer: Customer, document_id: int) -> str | None:
    from documents.models import Document

    document = Document.objects.for_customer(customer).filter(pk=document_id).first()
    if document is None:
        return None
    return f"{document.get_type_display()} · {document.title} " \
           f"({formats.date_format(document.issue_date, 'SHORT_DATE_FORMAT')})"


def claim_label(customer: Customer, claim_id: int) -> str | None:
    """``Demande n° 42 · Cabinet médical Exemple · CHF 183.45 (27.10.2026)``."""
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from claims.models import Claim
    from core.money import format_chf

    claim = Claim.objects.filter(customer=customer, pk=claim_id).first()
    if claim is None:
        return None
    parts = [_("Demande n° %(number)s") % {"number": claim.pk},
             claim.provider_name or str(claim.get_kind_display())]
    if claim.amount is not None:
        parts.append(format_chf(claim.amount))
    sent = formats.date_format(timezone.localtime(claim.created_at), "SHORT_DATE_FORMAT")
    return f"{' · '.join(parts)} ({sent})"


def settled_usage(customer: Customer, year: int) -> dict[int, Usage]:
    """The benefit statements' KVG deductible, co-payment and reimbursed sums of ``year``."""
    from documents.benefits import year_totals
    from policies.cost_sharing import Usage

    return {person_id: Usage(*sums) for person_id, sums in year_totals(customer, year).items()}


def connect_apps() -> None:
    from messaging.about import register
    from policies.cost_sharing import register_usage_source

    register("document", document_label)
    register("claim", claim_label)
    register_usage_source(settled_usage)
