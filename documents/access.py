"""Reading the archive on behalf of a household: scoped queries, read marks, file names."""

from __future__ import annotations

import re
import unicodedata

from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404

from documents.models import Document, DocumentRead


def household_documents(customer, user):
    """The household's documents, newest first, each with ``is_new`` for this account."""
    unread = ~Exists(DocumentRead.objects.filter(document=OuterRef("pk"), user=user))
    return (Document.objects.for_customer(customer)
            .select_related("insured_person")
            .annotate(is_new=unread)
            .order_by("-issue_date", "-id"))


def document_for_household(customer, pk) -> Document:
    """One document of this household, or 404 (another household's id included)."""
    return get_object_or_404(Document.objects.for_customer(customer)
                             .select_related("insured_person"), pk=pk)


def mark_read(document: Document, user) -> None:
    DocumentRead.objects.get_or_create(document=document, user=user)


def _slug(text: str) -> str:
    """Keep letters (accents included) and digits; words joined by hyphens."""
    text = unicodedata.normalize("NFC", str(text))
    words = re.findall(r"[^\W_]+", text)
    return "-".join(words)


def download_name(document: Document) -> str:
    """E.g. ``2025-03_Facture-de-prime_Anna-Muster.pdf``."""
    person = document.insured_person
    extension = "pdf" if document.is_pdf else (
        document.original_name.rsplit(".", 1)[-1].lower()
        if "." in document.original_name else "bin")
    parts = [f"{document.issue_date:%Y-%m}", _slug(document.get_type_display()),
             _slug(f"{person.first_name} {person.last_name}")]
    return "_".join(part for part in parts if part) + f".{_slug(extension) or 'bin'}"
