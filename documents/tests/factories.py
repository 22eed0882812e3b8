"""Documents for tests: real (small) PDFs stored through the encrypted storage."""

import contextlib
import itertools
from datetime import date

import factory
from django.core.files.base import ContentFile

from accounts.tests.factories import InsuredPersonFactory
from documents.models import Document, DocumentType
from documents.pdfs import letter_pdf
from documents.storing import store_document
from kptportal.storage import private_storage

_counter = itertools.count(1)


@contextlib.contextmanager
def private_storage_follows_settings():
    """Re-bind every FileField declared with ``storage=private_storage`` to the storage
    the current settings give (FileField calls the callable once, at import)."""
    from django.apps import apps

    fields = [field for model in apps.get_models() for field in model._meta.fields
              if getattr(field, "_storage_callable", None) is private_storage]
    saved = [(field, field.storage) for field in fields]
    for field in fields:
        field.storage = private_storage()
    try:
        yield
    finally:
        for field, storage in saved:
            field.storage = storage


def make_document(*, insured_person=None, type=DocumentType.PREMIUM_INVOICE,
                  issue_date=date(2025, 3, 1), title=None, content: bytes | None = None,
                  file_name="document.pdf", **extra) -> Document:
    """Store a unique small PDF for ``insured_person`` (a new household if omitted)."""
    person = insured_person or InsuredPersonFactory()
    n = next(_counter)
    title = title or f"Document {n}"
    if content is None:
        content = letter_pdf(title, [f"Document de test n° {n}"])
    document, _created = store_document(
        insured_person=person, type=type, issue_date=issue_date, title=title,
        source=ContentFile(content), file_name=file_name, notify=False, **extra,
    )
    return document


class DocumentFactory(factory.Factory):
    """Rows without going through PDF generation (for bulk list tests), content tiny."""

    class Meta:
        model = Document

    insured_person = factory.SubFactory(InsuredPersonFactory)
    type = DocumentType.POLICY
    issue_date = date(2024, 1, 1)
    title = factory.Sequence(lambda n: f"Document {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        content = kwargs.pop("content", None) or f"%PDF-1.4 fake {kwargs['title']}".encode()
        return make_document(content=content, **kwargs)
