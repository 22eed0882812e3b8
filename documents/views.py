"""The household's archive: list, detail, preview and download. Every access is audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.household import customer_required
from audit.log import record
from core.errors import PortalError
from core.responses import private
from documents import (
    access,
    benefits,
    events,
    premiums,
    tax_certificate,
    tax_certificate_issuing,
    tax_certificate_requests,
)
from documents.forms import DocumentFilterForm, TaxCertificateRequestForm
from documents.models import DocumentType
from documents.previews import PreviewUnavailable, preview_png
from documents.rows import document_rows

if TYPE_CHECKING:
    from accounts.household import CustomerRequest

PAGE_SIZE = 25


@require_GET
@never_cache
@customer_required
def document_list(request: CustomerRequest) -> HttpResponseBase:
    customer = request.customer
    persons = list(customer.insured_persons.all())
    per_year = access.documents_per_year(customer)
    form = DocumentFilterForm(request.GET or None, persons=persons,
                              years=[year for year, _count in per_year])
    documents = access.household_documents(customer, request.user)
    if form.is_bound:
        if form.has_error("person"):
            raise Http404  # someone else's insured person: as if it did not exist
        documents = form.filter(documents) if form.is_valid() else documents.none()
    paginator = Paginator(documents.select_related("premium_invoice"), PAGE_SIZE)
    if not form.is_bound or (form.is_valid() and not any(form.cleaned_data.values())):
        # Unfiltered: the years' counts add up to the list's length, no COUNT query.
        paginator.count = sum(count for _year, count in per_year)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    today = timezone.localdate()
    return private(render(request, "documents/list.html", {
        "form": form, "page": page, "documents": page.object_list,
        "rows": document_rows(page.object_list, today),
        "filter_query": query.urlencode(),
        "filtered": form.is_bound and form.is_valid() and any(form.cleaned_data.values()),
    }))


@require_GET
@never_cache
@customer_required
def document_detail(request: CustomerRequest, pk: int) -> HttpResponseBase:
    document = access.document_for_household(request.customer, pk)
    access.mark_read(document, request.user)
    record(events.VIEWED, request=request, user=request.user, customer=request.customer,
           document=document.pk, type=document.type)
    # The figures each type carries as data (a query only for the document's own type).
    invoice = (premiums.invoice_for_household(request.customer, document.pk)
               if document.type == DocumentType.PREMIUM_INVOICE else None)
    statement = (benefits.statement_for_household(request.customer, document.pk)
                 if document.type == DocumentType.BENEFIT_STATEMENT else None)
    certificate = (tax_certificate_issuing.certificate_for_household(request.customer,
                                                                     document.pk)
                   if document.type == DocumentType.TAX_CERTIFICATE else None)
    return private(render(request, "documents/detail.html", {
        "document": document, "download_name": access.download_name(document),
        "invoice": invoice,
        "invoice_status": (premiums.invoice_status(invoice, timezone.localdate())
                           if invoice else None),
        "invoice_persons": premiums.by_person(invoice) if invoice else [],
        "statement": statement,
        "statement_totals": benefits.totals(statement) if statement else None,
        "certificate": certificate,
        "certificate_figures": tax_certificate.figures_of(certificate) if certificate else None,
        "newer_certificate": (tax_certificate_issuing.newer_version(certificate)
                              if certificate else None),
    }))


@never_cache
@require_http_methods(["GET", "POST"])
@customer_required
def tax_certificates(request: CustomerRequest) -> HttpResponseBase:
    """The household's tax certificates by year, and the request of a missing one."""
    customer = request.customer
    years = tax_certificate.years_with_data(customer, timezone.localdate())
    form = TaxCertificateRequestForm(request.POST or None, years=years)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            year = form.cleaned_data["year"]
            try:
                outcome = tax_certificate_requests.request_certificate(
                    customer, request.user, year, request=request)
            except PortalError as problem:
                form.add_error(None, problem.message)
                status = 429 if isinstance(
                    problem, tax_certificate_requests.TooManyRequests) else 400
            else:
                if outcome.certificate is not None:
                    return redirect("documents:detail", outcome.certificate.document_id)
                messages.success(request, _(
                    "Nous préparons votre attestation fiscale %(year)s. Vous recevrez un "
                    "message dès qu'elle sera dans vos documents.") % {"year": year})
                return redirect("documents:tax_certificates")
        else:
            status = 400
    certificates = tax_certificate_issuing.current_certificates(customer)
    pending = tax_certificate_issuing.pending_years(customer, years)
    return private(render(request, "documents/tax_certificates.html", {
        "form": form,
        "rows": [(year, certificates.get(year), year in pending) for year in years],
    }, status=status))


@require_GET
@customer_required
def premium_qr_bill(request: CustomerRequest, pk: int) -> HttpResponseBase:
    """The QR-bill of an unpaid premium invoice, as a PDF to print or to scan."""
    invoice = premiums.invoice_for_household(request.customer, pk)
    if invoice is None or invoice.paid_on is not None:
        raise Http404("no unpaid premium invoice")
    pdf = premiums.slip_pdf(invoice, request.customer)
    record(events.DOWNLOADED, request=request, user=request.user, customer=request.customer,
           document=invoice.document_id, part="qr_bill")
    response = private(HttpResponse(pdf, content_type="application/pdf"))
    response["Content-Disposition"] = (
        f'attachment; filename="{invoice.period:%Y-%m}_QR-bill_{invoice.qr_reference[-8:]}.pdf"')
    return response


@require_GET
@customer_required
def document_preview(request: CustomerRequest, pk: int) -> HttpResponseBase:
    document = access.document_for_household(request.customer, pk)
    try:
        png = preview_png(document)
    except PreviewUnavailable:
        raise Http404("no preview") from None
    record(events.VIEWED, request=request, user=request.user, customer=request.customer,
           document=document.pk, part="preview")
    return private(HttpResponse(png, content_type="image/png"))


@require_GET
@customer_required
def document_download(request: CustomerRequest, pk: int) -> FileResponse:
    document = access.document_for_household(request.customer, pk)
    response = access.file_response(document, access.download_name(document))
    access.mark_read(document, request.user)
    record(events.DOWNLOADED, request=request, user=request.user,
           customer=request.customer, document=document.pk, type=document.type)
    return response
