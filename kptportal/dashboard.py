"""What the dashboard shows: the household's news from every app, in a few fixed queries.

Unread messages are already counted for the navigation badge; the template reuses it.
"""

from dataclasses import dataclass
from decimal import Decimal

from claims.models import Claim
from documents.access import household_documents
from policies.discounts import monthly_premiums

OPEN_CLAIM_STATUSES = ("received", "processing", "to_review")


@dataclass(frozen=True)
class Dashboard:
    latest_documents: list
    new_documents: int
    open_claims: list
    monthly_total: Decimal
    monthly_discount: Decimal
    online_discount: bool


def dashboard_for(customer, user) -> Dashboard:
    documents = household_documents(customer, user)
    statement = monthly_premiums(customer)
    return Dashboard(
        latest_documents=list(documents[:3]),
        new_documents=documents.filter(is_new=True).count(),
        open_claims=list(Claim.objects.filter(customer=customer, status__in=OPEN_CLAIM_STATUSES)
                         .select_related("insured_person").order_by("-created_at")[:3]),
        monthly_total=statement.monthly_total,
        monthly_discount=statement.monthly_discount,
        online_discount=statement.online_discount,
    )
