from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.household import CustomerRequest, customer_required
from accounts.middleware import not_activity
from audit import log as audit
from claims import cost_guarantees, events, prereads, services
from claims.forms import (
    ACCEPT,
    MAX_FILES_PER_CLAIM,
    ClaimUploadForm,
    CostGuaranteeForm,
    GuaranteeDocumentsForm,
)
from claims.models import (
    INTAKE_STATUSES,
    Claim,
    ClaimPage,
    ClaimStatus,
    GuaranteeStatus,
    StatusChange,
)
from claims.previews import LARGE, THUMBNAIL, preview_jpeg, sheet_index
from claims.settlements import settlement_of
from claims.timeline import accepted_amount, timeline_for
from core import once, sharing
from core.net import client_network
from core.post_only import post_only
from core.responses import private_image
from core.uploads import UploadRejected, validate_upload

PER_PAGE = 10
GUARANTEES_LISTED = 20


def _household_claims(request: CustomerRequest) -> QuerySet[Claim]:
    return (Claim.objects.filter(customer=request.customer)
            .select_related("insured_person")
            .prefetch_related(Prefetch("status_changes",
                                       queryset=StatusChange.objects.order_by("at", "id"))))


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


@customer_required
@require_GET
def claim_list(request: CustomerRequest) -> HttpResponse:
    paginator = Paginator(_household_claims(request).order_by("-created_at", "-id"), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [{"claim": claim, "timeline": timeline_for(claim)} for claim in page.object_list]
    # The cost guarantee requests above the claims, on the first page (one query).
    guarantees = (list(cost_guarantees.requests_for_household(request.customer)
                       [:GUARANTEES_LISTED]) if page.number == 1 else [])
    return render(request, "claims/list.html", {"page": page, "rows": rows,
                                                "guarantees": guarantees})


@customer_required
@require_http_methods(["GET", "POST"])
def claim_new(request: CustomerRequest) -> HttpResponseBase:
    # Files shared from the phone's share sheet, offered with the form.
    held = list(sharing.held_uploads(request))
    if request.method == "POST":
        earlier = once.earlier_answer(request)  # the phone re-sent after a lost answer
        if earlier:
            return JsonResponse({"ok": True, "redirect": earlier}) if _wants_json(request) \
                else redirect(earlier)
        picked = [row for row in held if str(row.pk) in request.POST.getlist("shared")]
        form = ClaimUploadForm(request.POST, request.FILES, customer=request.customer,
                               shared=sharing.read_uploads(picked))
        if form.is_valid():
            claim = services.create_claim(
                customer=request.customer,
                insured_person=form.cleaned_data["insured_person"],
                kind=form.cleaned_data["kind"], note=form.cleaned_data["note"],
                uploads=form.uploads, user=request.user, request=request,
            )
            sharing.discard(request, [row.pk for row in picked])
            messages.success(request, _("Merci, votre justificatif a bien été reçu. Nous le "
                                        "lisons et vous informons dès qu'il est vérifié."))
            target = reverse("claims:detail", args=[claim.pk])
            once.remember_answer(request, target)
            if _wants_json(request):
                return JsonResponse({"ok": True, "redirect": target})
            return redirect(target)
        if _wants_json(request):
            return JsonResponse({
                "ok": False,
                "errors": {name: [str(e) for e in errors]
                           for name, errors in form.errors.items()},
                "file_errors": form.file_errors,
            }, status=400)
        status = 400
    else:
        form = ClaimUploadForm(customer=request.customer)
        status = 200
        picked = held
    return render(request, "claims/new.html",
                  {"form": form, "accept": ACCEPT, "max_files": MAX_FILES_PER_CLAIM,
                   "shared_uploads": held, "shared_picked": {row.pk for row in picked}},
                  status=status)


DECIDED = (ClaimStatus.ACCEPTED, ClaimStatus.REJECTED, ClaimStatus.SETTLED)


@customer_required
@post_only("claims:new")
def claim_pre_read(request: CustomerRequest) -> JsonResponse:
    """Start the quick look at the first chosen page (``claims.prereads``): a token to ask for
    the answer, or none (no hint will come). Nothing is stored."""
    uploaded = request.FILES.get("page")
    if uploaded is None:
        return JsonResponse({"token": None, "error": _("Aucune page reçue.")}, status=400)
    try:
        upload = validate_upload(uploaded)
    except UploadRejected as refused:
        return JsonResponse({"token": None, "error": " ".join(refused.messages)}, status=400)
    token = prereads.start(request, upload)
    return JsonResponse({"token": token}, status=202 if token else 200)


@not_activity
@customer_required
@require_GET
@never_cache
def claim_pre_read_result(request: CustomerRequest, token: str) -> JsonResponse:
    """The pre-read's answer: pending, or the household member the page seems to concern."""
    answer = prereads.answer(request, token)
    if answer is None:
        raise Http404
    return JsonResponse(answer)


@customer_required
@require_GET
def claim_detail(request: CustomerRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(
        _household_claims(request).select_related("settlement__document").prefetch_related(
            Prefetch("pages", queryset=ClaimPage.objects.order_by("order", "id")),
            "settlement__lines"),
        pk=pk,
    )
    return render(request, "claims/detail.html",
                  {"claim": claim, "timeline": timeline_for(claim),
                   "accepted_amount": accepted_amount(claim),
                   "reading": claim.status in INTAKE_STATUSES,
                   "settlement": settlement_of(claim),
                   "can_ask": claim.status in DECIDED})


@not_activity
@customer_required
@require_GET
@never_cache
def claim_status(request: CustomerRequest, pk: int) -> JsonResponse:
    """The claim's status for the detail page, which polls while the intake reads it."""
    claim = get_object_or_404(Claim.objects.filter(customer=request.customer)
                              .only("pk", "status"), pk=pk)
    return JsonResponse({"status": claim.status, "label": str(claim.get_status_display()),
                         "reading": claim.status in INTAKE_STATUSES})


@customer_required
@require_GET
@never_cache
def claim_page(request: CustomerRequest, pk: int, page_pk: int) -> HttpResponse:
    """A page image of one of the household's claims; every view is audited."""
    page = get_object_or_404(ClaimPage.objects.select_related("claim"),
                             pk=page_pk, claim_id=pk, claim__customer=request.customer)
    size = LARGE if request.GET.get("size") == "large" else THUMBNAIL
    audit.record(events.PAGE_VIEWED, request=request, user=request.user,
                 customer=request.customer, claim=page.claim_id, claim_page=page.pk)
    return private_image(preview_jpeg(page, size=size, pdf_page=sheet_index(request, page)))


# --- Cost guarantees ------------------------------------------------------------------------

# The session's list of doctor's files kept while the customer corrects the form.
GUARANTEE_FILES_KEPT = "guarantee_files_kept"

@customer_required
@require_http_methods(["GET", "POST"])
def guarantee_new(request: CustomerRequest) -> HttpResponseBase:
    """Ask for a cost guarantee before a planned stay or treatment (``claims.cost_guarantees``).
    A refused field re-renders the form with what was typed, and the doctor's files, when they
    passed their checks, are kept (``core.sharing``, encrypted, 30 minutes) and offered again
    ticked; the same form sent twice (a double tap, a retry on a slow upload) makes one
    request (``core.once``)."""
    held = list(sharing.held_uploads(request, slot=GUARANTEE_FILES_KEPT))
    kept_ids: set[int] = {row.pk for row in held}
    if request.method == "POST":
        earlier = once.earlier_answer(request)
        if earlier:
            return redirect(earlier)
        kept = [row for row in held if str(row.pk) in request.POST.getlist("kept")]
        kept_ids = {row.pk for row in kept}
        sharing.discard(request, [row.pk for row in held if row.pk not in kept_ids],
                        slot=GUARANTEE_FILES_KEPT)  # unticked: no longer wanted
        form = CostGuaranteeForm(request.POST, request.FILES, customer=request.customer,
                                 kept=sharing.read_uploads(kept))
        if form.is_valid():
            try:
                guarantee = cost_guarantees.submit(
                    customer=request.customer,
                    insured_person=form.cleaned_data["insured_person"],
                    provider_name=form.cleaned_data["provider_name"],
                    provider_place=form.cleaned_data["provider_place"],
                    planned_date=form.cleaned_data["planned_date"],
                    treatment=form.cleaned_data["treatment"],
                    ward_class=form.cleaned_data["ward_class"] or "",
                    uploads=form.uploads, user=request.user, request=request)
            except cost_guarantees.GuaranteeError as problem:
                form.add_error(None, problem.message)
            else:
                sharing.discard(request, None, slot=GUARANTEE_FILES_KEPT)
                messages.success(request, _("Merci, votre demande de garantie a bien été reçue. "
                                            "Nous vous informons dès qu'elle est traitée."))
                target = reverse("claims:guarantee_detail", args=[guarantee.pk])
                once.remember_answer(request, target)
                return redirect(target)
        new_files = request.FILES.getlist("files")
        if new_files and form.uploads and not form.has_error("files"):
            # The files passed; another field did not: keep them for the corrected form.
            for uploaded in new_files:
                uploaded.seek(0)  # read once by the form's checks
            added, _refused = sharing.hold_files(request.session, new_files,
                                                 address=client_network(request),
                                                 slot=GUARANTEE_FILES_KEPT)
            held = [*kept, *added]
            kept_ids = {row.pk for row in held}
        status = 400
    else:
        form = CostGuaranteeForm(customer=request.customer)
        status = 200
    return render(request, "claims/guarantee_new.html", {
        "form": form, "held_files": held, "kept_ids": kept_ids,
        "files_sent": bool(request.FILES) and not kept_ids,
        "once_field": once.FIELD, "once_id": once.submission_id(request)}, status=status)


@customer_required
@require_http_methods(["GET", "POST"])
def guarantee_detail(request: CustomerRequest, pk: int) -> HttpResponseBase:
    """A request's status, what was decided (the guarantee document, the reason of a
    refusal, the advisor's question) and, while it is open, more documents (POST)."""
    guarantee = cost_guarantees.request_of_household(request.customer, pk)
    if guarantee is None:
        raise Http404
    can_add = cost_guarantees.can_add_documents(guarantee)
    status = 200
    form = GuaranteeDocumentsForm()
    if request.method == "POST":
        form = GuaranteeDocumentsForm(request.POST, request.FILES)
        if not can_add:
            form.add_error(None, cost_guarantees.TransitionNotAllowed(
                current=guarantee.get_status_display(),
                wanted=GuaranteeStatus.SUBMITTED.label).message)
        elif form.is_valid():
            try:
                cost_guarantees.add_documents(guarantee, uploads=form.uploads,
                                              user=request.user, request=request)
            except cost_guarantees.GuaranteeError as problem:
                form.add_error(None, problem.message)
            else:
                messages.success(request, _("Merci, vos documents ont été ajoutés à la "
                                            "demande."))
                return redirect("claims:guarantee_detail", pk=guarantee.pk)
        status = 400
    return render(request, "claims/guarantee_detail.html",
                  {"guarantee": guarantee, "can_add": can_add, "form": form}, status=status)
