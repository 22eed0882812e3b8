"""Documents for tests: real (small) PDFs stored through the encrypted storage."""

import calendar
import contextlib
import itertools
from datetime import date
from decimal import Decimal

import factory
from django.core.files.base import ContentFile

from accounts.tests.factories import InsuredPersonFactory
from core.storage import private_storage
from documents import premiums
from documents.models import Document, DocumentType
from documents.pdfs import letter_pdf
from documents.storing import store_document

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


def make_premium_invoice(person, period=date(2025, 3, 1), *, amounts=(("KVG", "300.00", "0"),
                         ("VVG", "40.00", "2.00")), paid_on=None, reminded_on=None,
                         due_date=None):
    """A premium invoice document of ``person``'s household with its data: ``amounts`` are
    (line, gross, discount) for ``person``; a person per line when given as 4-tuples."""
    lines = []
    for amount in amounts:
        who = amount[3] if len(amount) > 3 else person
        lines.append(premiums.InvoiceLineData(
            person=who, line=amount[0], label=f"Produit {amount[0]}",
            gross=Decimal(amount[1]), discount=Decimal(amount[2])))
    document = make_document(insured_person=person, type=DocumentType.PREMIUM_INVOICE,
                             issue_date=period, period=period,
                             title=f"Facture de prime {period:%m.%Y}")
    last = period.replace(day=calendar.monthrange(period.year, period.month)[1])
    return premiums.record_invoice(document, premiums.InvoiceData(
        period=period, due_date=due_date or last, lines=lines, paid_on=paid_on,
        reminded_on=reminded_on))


def make_benefit_statement(person, issue_date, lines):
    """A benefit statement document of ``person`` issued on ``issue_date`` with ``lines``
    (``benefits.LineData``)."""
    from documents import benefits

    document = make_document(insured_person=person, type=DocumentType.BENEFIT_STATEMENT,
                             issue_date=issue_date, reference=f"SIN-{next(_counter)}")
    return benefits.record_statement(document, benefits.StatementData(lines=lines))
