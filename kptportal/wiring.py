"""Connections between apps that must not import each other (see design.md: dependencies).

kptportal may use every app, so it tells messaging how to name a household's document or
claim in "question about this document" links.
"""

from django.utils import formats


def document_label(customer, document_id: int) -> str | None:
    from documents.models import Document

    document = Document.objects.for_customer(customer).filter(pk=document_id).first()
    if document is None:
        return None
    return f"{document.get_type_display()} · {document.title} " \
           f"({formats.date_format(document.issue_date, 'SHORT_DATE_FORMAT')})"


def connect_apps() -> None:
    from messaging.about import register

    register("document", document_label)
