from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.household import CustomerRequest, customer_required
from accounts.models import Correspondence, Customer, InsuredPerson
from accounts.profile import set_correspondence
from audit import log as audit
from policies import cost_sharing, discounts, events
from policies.legal_protection import (
    CONDITIONS,
    certificate_file_name,
    certificate_pdf,
    legal_protection_for,
)


def _household(request: CustomerRequest) -> Customer:
    """The logged-in household with what the overview reads, in a fixed number of queries."""
    customer = request.customer  # loaded with the user (accounts.backends)
    prefetch_related_objects([customer],
                             Prefetch("insured_persons",
                                      queryset=InsuredPerson.objects.order_by(
                                          "-is_policy_holder", "birth_date", "id")),
                             "correspondence_changes")
    return customer


@customer_required
def overview(request: CustomerRequest) -> HttpResponse:
    customer = _household(request)
    month = discounts.current_month()
    # One read of the year's coverages for this month's premiums and the year so far.
    coverages = cost_sharing.year_coverages(customer, month.year)
    statement = discounts.monthly_premiums(customer, month, coverages=coverages)
    on_paper = customer.correspondence != Correspondence.ONLINE
    # Just switched to paperless: the discount starts next month, show what it will be.
    upcoming = discounts.upcoming_discount(customer, statement)
    context = {
        "customer": customer,
        "statement": statement,
        "persons": statement.by_person(),
        "on_paper": on_paper,
        "yearly_saving": (discounts.yearly_saving_if_paperless(customer, statement=statement)
                          if on_paper else None),
        "upcoming": upcoming,
        "legal_protection": legal_protection_for(customer),
        "conditions": CONDITIONS,
        "rate_percent": int(discounts.DISCOUNT_RATE * 100),
        "year": month.year,
        "year_so_far": cost_sharing.household_year(customer, month.year,
                                                   coverages=coverages),
    }
    return render(request, "policies/overview.html", context)


@customer_required
@require_http_methods(["GET", "POST"])
def go_paperless(request: CustomerRequest) -> HttpResponseBase:
    """Switch to "online only": a confirmation page, then the POST that switches."""
    customer = request.customer
    if customer.correspondence == Correspondence.ONLINE:
        return redirect("policies:overview")
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        set_correspondence(customer, Correspondence.ONLINE, request=request)
        first = discounts.next_month(discounts.current_month())
        messages.success(request, _("C'est fait: vous recevez désormais votre correspondance "
                                    "uniquement en ligne, et le rabais online dès le "
                                    "%(date)s.") % {"date": first.strftime("%d.%m.%Y")})
        return redirect("policies:overview")
    customer = _household(request)
    statement = discounts.monthly_premiums(customer)
    return render(request, "policies/go_paperless.html", {
        "yearly_saving": discounts.yearly_saving_if_paperless(customer, statement=statement),
        "discount_from": discounts.next_month(discounts.current_month()),
    })


@customer_required
def legal_protection_certificate(request: CustomerRequest) -> HttpResponse:
    customer = _household(request)
    protection = legal_protection_for(customer)
    if protection is None:
        raise Http404
    pdf = certificate_pdf(protection)
    audit.record(events.CERTIFICATE_DOWNLOADED, request=request, user=request.user,
                 customer=customer, certificate=protection.certificate_number)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate_file_name(protection)}"'
    return response
