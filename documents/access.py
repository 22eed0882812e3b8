"""Reading the archive on behalf of a household: scoped queries, read marks, file names."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.db.models.functions import ExtractYear
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import translation

from core.responses import private_download
from documents.models import Document, DocumentRead, DocumentType

if TYPE_CHECKING:
    from typing import Any, TypedDict

    from django_stubs_ext import WithAnnotations

    from accounts.models import Customer, User

    class _Newness(TypedDict):
        is_new: Any  # a boolean; the type checker's Django plugin types annotations as Any

    ListedDocument = WithAnnotations[Document, _Newness]


def household_documents(customer: Customer, user: User) -> QuerySet[ListedDocument, ListedDocument]:
    """The household's documents, newest first, each with ``is_new`` for this account."""
    unread = ~Exists(DocumentRead.objects.filter(document=OuterRef("pk"), user=user))
    return (Document.objects.for_customer(customer)
            .select_related("insured_person")
            .annotate(is_new=unread)
            .order_by("-issue_date", "-id"))


def documents_per_year(customer: Customer) -> list[tuple[int, int]]:
    """``(year, documents issued that year)``, newest year first, in one query: the years
    offered by the list's filter, and (added up) the length of the unfiltered list."""
    return list(Document.objects.for_customer(customer)
                .annotate(year=ExtractYear("issue_date")).values("year")
                .annotate(documents=Count("pk")).order_by("-year")
                .values_list("year", "documents"))


def document_for_household(customer: Customer, pk: int) -> Document:
    """One document of this household, or 404 (another household's id included)."""
    return get_object_or_404(Document.objects.for_customer(customer)
                             .select_related("insured_person"), pk=pk)


def _folded(text: str) -> str:
    """Lower case without accents: "Décompte" and "decompte" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def types_named(text: str) -> list[str]:
    """The document types whose name, in any of the portal's languages, contains ``text``
    (at least three letters, so that "a" does not find every type)."""
    wanted = _folded(text.strip())
    if len(wanted) < 3:
        return []
    found = []
    for choice in DocumentType:
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                if wanted in _folded(str(choice.label)):
                    found.append(choice.value)
                    break
    return found


def mark_read(document: Document, user: User) -> None:
    DocumentRead.objects.get_or_create(document=document, user=user)


def _slug(text: str) -> str:
    """Keep letters (accents included) and digits; words joined by hyphens."""
    text = unicodedata.normalize("NFC", str(text))
    words = re.findall(r"[^\W_]+", text)
    return "-".join(words)


def download_name(document: Document) -> str:
    """E.g. ``2025-03_Facture-de-prime_Anna-Muster.pdf``.

    The month is the period the document is about when it has one (a premium invoice for
    December is issued in November), else the issue date's.
    """
    person = document.insured_person
    extension = "pdf" if document.is_pdf else (
        document.original_name.rsplit(".", 1)[-1].lower()
        if "." in document.original_name else "bin")
    parts = [f"{document.period or document.issue_date:%Y-%m}", _slug(document.get_type_display()),
             _slug(f"{person.first_name} {person.last_name}")]
    return "_".join(part for part in parts if part) + f".{_slug(extension) or 'bin'}"


def file_response(document: Document, filename: str) -> FileResponse:
    """Stream the decrypted file as an attachment, never cached by anyone else."""
    handle = document.file.storage.open(document.file.name)
    return private_download(handle.file, filename=filename, content_type=document.content_type,
                            size=document.size)
