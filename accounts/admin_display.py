"""How the advisors' pages name a household: the policy holder and the online contract."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.html import format_html

if TYPE_CHECKING:
    from django.utils.safestring import SafeString

    from accounts.models import Customer


def customer_name(customer: Customer) -> str:
    """"Anna Muster · KPT12345678" (the customer number when there is no online contract).
    Reads ``insured_persons`` and ``account``: prefetch them for a list."""
    holder = customer.policy_holder
    contract = customer.account.username if customer.account else customer.customer_number
    return f"{holder} · {contract}" if holder else contract


def customer_link(customer: Customer) -> SafeString:
    """The household's name, opening its overview page in the advisors' space."""
    return format_html('<a href="{}">{}</a>',
                       reverse("admin:accounts_customer_overview", args=[customer.pk]),
                       customer_name(customer))
