from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.household import CustomerRequest, customer_required
from customer_requests import contract_changes as changes
from customer_requests import sources
from customer_requests.forms import ChangeForm
from policies import contract_changes as rules
from policies.contract_changes import Choice


@customer_required
def request_list(request: CustomerRequest) -> HttpResponse:
    return render(request, "customer_requests/list.html",
                  {"rows": sources.requests_of(request.customer)})


@customer_required
def change_start(request: CustomerRequest) -> HttpResponse:
    now = timezone.now()
    effective_on = rules.effective_date(now)
    return render(request, "customer_requests/change_start.html", {
        "insured": changes.basic_insurance(request.customer),
        "effective_on": effective_on,
        "lower_deadline": rules.lower_deadline(effective_on),
        "lower_closed": rules.local_day(now) > rules.lower_deadline(effective_on),
    })


@customer_required
@require_http_methods(["GET", "POST"])
def change(request: CustomerRequest, person_id: int) -> HttpResponseBase:
    """The form, then the confirmation step (new premium, yearly difference), then the
    request. Each step is a POST of the same choices; "confirm" stores the request."""
    insured = changes.insured_of(request.customer, person_id)
    if insured is None:
        raise Http404
    now = timezone.now()
    birth_date = insured.person.birth_date
    deductibles, models = rules.open_choices(insured.base, birth_date=birth_date, now=now)
    effective_on = rules.effective_date(now)
    start = rules.starting_point(insured.base, birth_date=birth_date,
                                 year=effective_on.year)
    form = ChangeForm(request.POST if request.method == "POST" else None,
                      deductibles=deductibles, models=models,
                      initial={"model": start.model, "deductible": start.deductible})
    if request.method == "POST" and form.is_valid():
        new = Choice(form.cleaned_data["model"], form.cleaned_data["deductible"])
        try:
            if request.POST.get("confirm") == "yes":
                changes.submit(insured, new, user=request.user, request=request, now=now)
                messages.success(request, _("Votre demande est envoyée. Nous vous répondons "
                                            "ici et vous prévenons par SMS ou e-mail."))
                return redirect("customer_requests:list")
            change = changes.preview(insured, new, now=now)
            return render(request, "customer_requests/change_confirm.html", {
                "insured": insured, "change": change,
                "new_model": rules.model_label(change.new.model),
                "unchanged_model": rules.model_label(change.unchanged.model),
                "new_deductible": rules.deductible_text(change.new.deductible),
                "unchanged_deductible": rules.deductible_text(change.unchanged.deductible)})
        except rules.ChangeRefused as refused:
            form.add_error(None, refused.message)
    return render(request, "customer_requests/change_form.html", {
        "insured": insured, "form": form, "effective_on": effective_on, "start": start,
        "lower_deadline": rules.lower_deadline(effective_on),
        "lower_closed": rules.local_day(now) > rules.lower_deadline(effective_on),
    })


@customer_required
@require_POST
def cancel_change(request: CustomerRequest, pk: int) -> HttpResponseBase:
    change = changes.pending_of(request.customer, pk)
    if change is None:
        raise Http404  # another household's, or already decided: nothing to withdraw here
    try:
        changes.cancel(change, user=request.user, request=request)
    except changes.NotPending as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Votre demande est annulée."))
    return redirect("customer_requests:list")
