from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts import audit
from accounts.household import customer_required
from claims import services
from claims.forms import ACCEPT, MAX_FILES_PER_CLAIM, ClaimUploadForm
from claims.models import Claim, ClaimPage, StatusChange
from claims.previews import LARGE, THUMBNAIL, preview_jpeg
from claims.timeline import timeline_for

PER_PAGE = 10


def _household_claims(request):
    return (Claim.objects.filter(customer=request.customer)
            .select_related("insured_person")
            .prefetch_related(Prefetch("status_changes",
                                       queryset=StatusChange.objects.order_by("at", "id"))))


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


@customer_required
@require_GET
def claim_list(request):
    paginator = Paginator(_household_claims(request).order_by("-created_at", "-id"), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [{"claim": claim, "timeline": timeline_for(claim)} for claim in page.object_list]
    return render(request, "claims/list.html", {"page": page, "rows": rows})


@customer_required
@require_http_methods(["GET", "POST"])
def claim_new(request):
    if request.method == "POST":
        form = ClaimUploadForm(request.POST, request.FILES, customer=request.customer)
        if form.is_valid():
            claim = services.create_claim(
                customer=request.customer,
                insured_person=form.cleaned_data["insured_person"],
                kind=form.cleaned_data["kind"], note=form.cleaned_data["note"],
                uploads=form.uploads, user=request.user, request=request,
            )
            messages.success(request, _("Merci, votre justificatif a bien été reçu. Nous le "
                                        "lisons et vous informons dès qu'il est vérifié."))
            target = reverse("claims:detail", args=[claim.pk])
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
    return render(request, "claims/new.html",
                  {"form": form, "accept": ACCEPT, "max_files": MAX_FILES_PER_CLAIM},
                  status=status)


@customer_required
@require_GET
def claim_detail(request, pk: int):
    claim = get_object_or_404(
        _household_claims(request).prefetch_related(
            Prefetch("pages", queryset=ClaimPage.objects.order_by("order", "id"))),
        pk=pk,
    )
    return render(request, "claims/detail.html",
                  {"claim": claim, "timeline": timeline_for(claim)})


@customer_required
@require_GET
@never_cache
def claim_page(request, pk: int, page_pk: int):
    """A page image of one of the household's claims; every view is audited."""
    page = get_object_or_404(ClaimPage.objects.select_related("claim"),
                             pk=page_pk, claim_id=pk, claim__customer=request.customer)
    size = LARGE if request.GET.get("size") == "large" else THUMBNAIL
    audit.record("document_viewed", request=request, user=request.user,
                 customer=request.customer, claim=page.claim_id, claim_page=page.pk)
    return _jpeg_response(preview_jpeg(page, size=size, pdf_page=sheet_index(request, page)))


def sheet_index(request, page: ClaimPage) -> int:
    """``?sheet=N`` (0-based) for a page of a PDF, bounded by its page count."""
    try:
        index = int(request.GET.get("sheet", "0"))
    except ValueError:
        return 0
    return min(max(index, 0), max(page.page_count - 1, 0))


def _jpeg_response(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
