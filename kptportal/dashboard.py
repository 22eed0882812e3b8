"""What the dashboard shows: the household's news from every app, in a few fixed queries.

Unread messages are already counted for the navigation badge; the template reuses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Q, Window
from django.utils import timezone

from accounts.models import Correspondence, Customer, InsuredPerson, User
from claims.models import Claim
from documents import premiums
from documents.access import household_documents
from policies import cost_sharing, discounts
from policies.models import Coverage

if TYPE_CHECKING:
    from documents.access import ListedDocument

OPEN_CLAIM_STATUSES = ("received", "processing", "to_review")


@dataclass(frozen=True)
class Dashboard:
    holder: InsuredPerson | None  # greeted by first name
    latest_documents: Sequence[ListedDocument]
    new_documents: int
    open_claims: list[Claim]
    monthly_total: Decimal
    monthly_discount: Decimal
    # The online discount as it really stands: running (monthly_discount), chosen and
    # starting on discount_from, ending on discount_until (back to paper), or on offer.
    on_paper: bool
    discount_from: date | None
    upcoming_monthly_discount: Decimal
    discount_until: date | None
    yearly_saving_if_paperless: Decimal
    premiums: premiums.PremiumSummary
    year: int
    year_so_far: list[cost_sharing.YearSoFar]


def _holder(customer: Customer, coverages: Sequence[Coverage]) -> InsuredPerson | None:
    """The policy holder, from the year's coverages (holder first) when they name them: no
    query of its own on most dashboards."""
    for coverage in coverages:
        if coverage.insured_person.is_policy_holder:
            return coverage.insured_person
    return customer.policy_holder


def dashboard_for(customer: Customer, user: User) -> Dashboard:
    # The three latest documents carry the count of all the unread ones (a window over the
    # household's documents): one query instead of two.
    latest = list(household_documents(customer, user)
                  .annotate(new_count=Window(Count("pk", filter=Q(is_new=True))))[:3])
    today = timezone.localdate()
    # One read of the year's coverages for this month's premiums and the year so far.
    coverages = cost_sharing.year_coverages(customer, today.year)
    statement = discounts.monthly_premiums(customer, today, coverages=coverages)
    on_paper = customer.correspondence != Correspondence.ONLINE
    upcoming = discounts.upcoming_discount(customer, statement)
    return Dashboard(
        holder=_holder(customer, coverages),
        latest_documents=latest,
        new_documents=latest[0].new_count if latest else 0,
        open_claims=list(Claim.objects.filter(customer=customer, status__in=OPEN_CLAIM_STATUSES)
                         .select_related("insured_person").order_by("-created_at")[:3]),
        monthly_total=statement.monthly_total,
        monthly_discount=statement.monthly_discount,
        on_paper=on_paper,
        discount_from=upcoming.month if upcoming else None,
        upcoming_monthly_discount=upcoming.monthly_discount if upcoming else discounts.ZERO,
        discount_until=discounts.discount_ends_on(customer, statement),
        yearly_saving_if_paperless=(
            discounts.yearly_saving_if_paperless(customer, statement=statement)
            if on_paper else discounts.ZERO),
        premiums=premiums.summary_for(customer, today),
        year=today.year,
        year_so_far=cost_sharing.household_year(customer, today.year, coverages=coverages),
    )
