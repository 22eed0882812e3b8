"""The household's insurance cards: all of them, one shown large, and the copy a device
keeps offline when the customer turns that on there."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.household import CustomerRequest, customer_required
from audit import log as audit
from policies import events
from policies.card import emergency_numbers, household_card, household_cards


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


@customer_required
@require_GET
def cards(request: CustomerRequest) -> HttpResponse:
    today = timezone.localdate()
    return _private(render(request, "policies/cards.html", {
        "cards": household_cards(request.customer, today=today),
        "numbers": emergency_numbers(),
        "offline_days": settings.INSURANCE_CARD_OFFLINE_DAYS,
    }))


@customer_required
@require_GET
def card(request: CustomerRequest, person_id: int) -> HttpResponse:
    view = household_card(request.customer, person_id, today=timezone.localdate())
    if view is None:
        raise Http404
    return _private(render(request, "policies/card.html", {
        "card": view, "numbers": emergency_numbers(),
    }))


@customer_required
@require_GET
def offline_copy(request: CustomerRequest) -> HttpResponse:
    """The cards as the offline page shows them, for a device the customer allowed.

    The browser encrypts this before it stores it (static/js/card-offline.js) and deletes it
    after ``expires_at``, at logout, or when the customer turns it off."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") != "same-origin":
        raise Http404
    today = timezone.localdate()
    views = household_cards(request.customer, today=today)
    html = render_to_string("policies/_card_offline.html", {"cards": views}, request=request)
    now = timezone.now()
    expires = now + timedelta(days=settings.INSURANCE_CARD_OFFLINE_DAYS)
    audit.record(events.CARD_SAVED_OFFLINE, request=request, user=request.user,
                 customer=request.customer, cards=len(views))
    response = JsonResponse({"html": html, "saved_at": int(now.timestamp() * 1000),
                             "expires_at": int(expires.timestamp() * 1000)})
    response["Cache-Control"] = "private, no-store"
    return response
