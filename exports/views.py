"""/profile/export/: the customer asks for, follows and downloads their data export."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.household import CustomerRequest, customer_required
from audit.log import record
from exports import events
from exports.models import EXPORT_VALID_DAYS, DataExport
from exports.requests import TooManyExports, request_export


@never_cache
@require_http_methods(["GET", "POST"])
@customer_required
def export(request: CustomerRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            request_export(request.customer, request.user)
        except TooManyExports as problem:
            messages.error(request, problem.message)
            return redirect("exports:export")
        messages.success(request, _(
            "Votre demande est enregistrée. Nous préparons l'export; cela prend en général "
            "quelques minutes."))
        return redirect("exports:export")
    exports = list(request.customer.exports.all()[:5])
    pending = any(item.status == DataExport.Status.PENDING for item in exports)
    return render(request, "exports/export.html", {
        "exports": exports, "pending": pending, "valid_days": EXPORT_VALID_DAYS})


@never_cache
@require_GET
@customer_required
def export_download(request: CustomerRequest, pk: int) -> FileResponse:
    item = get_object_or_404(DataExport, pk=pk, customer=request.customer)
    if not item.is_available:
        raise Http404
    try:
        handle = item.file.storage.open(item.file.name, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    item.downloaded_at = timezone.now()
    item.save(update_fields=["downloaded_at"])
    record(events.DOWNLOADED, request=request, user=request.user, customer=request.customer,
           export=item.pk)
    filename = f"KPT-export-{timezone.localtime(item.ready_at):%Y-%m-%d}.zip"
    response = FileResponse(handle, as_attachment=True, filename=filename,
                            content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    return response
