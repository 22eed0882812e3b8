"""/profile/activity/: what happened on the customer's account and to their data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.household import customer_required
from audit.activity import describe, events_for
from audit.kinds import Topic

if TYPE_CHECKING:
    from django.http import HttpResponse

    from accounts.household import CustomerRequest

PAGE_SIZE = 30

# The filter above the list, in the order a customer looks for things.
TOPICS = [
    (Topic.SECURITY, _("Sécurité")),
    (Topic.ACCESS, _("Consultations")),
    (Topic.CHANGE, _("Modifications")),
]


@require_GET
@never_cache
@customer_required
def activity(request: CustomerRequest) -> HttpResponse:
    # An unknown topic in the address shows everything rather than an error.
    topic = next((t for t, _label in TOPICS if t == request.GET.get("topic")), None)
    events = events_for(request.customer, topic)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    lines = [describe(event) for event in page.object_list]
    return render(request, "accounts/activity.html", {
        "page": page, "lines": lines, "topics": TOPICS, "topic": topic})
