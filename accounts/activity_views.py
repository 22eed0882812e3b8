"""/profile/activity/: what happened on the customer's account and to their data."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.activity import describe, events_for
from accounts.household import customer_required

PAGE_SIZE = 30


@require_GET
@never_cache
@customer_required
def activity(request):
    page = Paginator(events_for(request.customer), PAGE_SIZE).get_page(request.GET.get("page"))
    lines = [describe(event) for event in page.object_list]
    return render(request, "accounts/activity.html", {"page": page, "lines": lines})
