"""The household's archive: list, detail, preview and download. Every access is audited."""

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.audit import record
from accounts.household import customer_required
from documents import access
from documents.forms import DocumentFilterForm
from documents.previews import PreviewUnavailable, preview_png

PAGE_SIZE = 25
NO_STORE = "private, no-store"


def _no_store(response):
    response["Cache-Control"] = NO_STORE
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@never_cache
@customer_required
def document_list(request):
    customer = request.customer
    persons = list(customer.insured_persons.all())
    years = [day.year for day in access.Document.objects.for_customer(customer)
             .dates("issue_date", "year", order="DESC")]
    form = DocumentFilterForm(request.GET or None, persons=persons, years=years)
    documents = access.household_documents(customer, request.user)
    if form.is_bound:
        if form.has_error("person"):
            raise Http404  # someone else's insured person: as if it did not exist
        documents = form.filter(documents) if form.is_valid() else documents.none()
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return _no_store(render(request, "documents/list.html", {
        "form": form, "page": page, "documents": page.object_list,
        "filter_query": query.urlencode(),
        "filtered": form.is_bound and form.is_valid() and any(form.cleaned_data.values()),
    }))


@require_GET
@never_cache
@customer_required
def document_detail(request, pk):
    document = access.document_for_household(request.customer, pk)
    access.mark_read(document, request.user)
    record("document_viewed", request=request, user=request.user, customer=request.customer,
           document=document.pk, type=document.type)
    return _no_store(render(request, "documents/detail.html", {
        "document": document, "download_name": access.download_name(document),
    }))


@require_GET
@customer_required
def document_preview(request, pk):
    document = access.document_for_household(request.customer, pk)
    try:
        png = preview_png(document)
    except PreviewUnavailable:
        raise Http404("no preview") from None
    record("document_viewed", request=request, user=request.user, customer=request.customer,
           document=document.pk, part="preview")
    return _no_store(HttpResponse(png, content_type="image/png"))


def file_response(document, filename: str):
    """Stream the decrypted file as an attachment, never cached by anyone else."""
    handle = document.file.storage.open(document.file.name)
    response = FileResponse(handle.file, as_attachment=True, filename=filename,
                            content_type=document.content_type)
    response["Content-Length"] = str(document.size)
    return _no_store(response)


@require_GET
@customer_required
def document_download(request, pk):
    document = access.document_for_household(request.customer, pk)
    response = file_response(document, access.download_name(document))
    access.mark_read(document, request.user)
    record("document_downloaded", request=request, user=request.user,
           customer=request.customer, document=document.pk, type=document.type)
    return response
