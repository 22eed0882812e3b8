"""The archive's list as rows ready to print.

A page lists 25 documents; working out each row's links, type name and invoice status here,
once, costs a fraction of what the same work costs through template tags and an include
per row (URL tags, choice lookups, an ``if`` chain for the status pill).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.urls import reverse

from core.choices import choice_label
from documents.models import DocumentType
from documents.premiums import PremiumStatus, listed_status

if TYPE_CHECKING:
    from documents.access import ListedDocument

# The pill's colour for each status of a premium invoice: paid is good news, a reminder or a
# missed due date needs the customer, an open invoice is simply due.
PREMIUM_TONES = {
    PremiumStatus.PAID: "ok",
    PremiumStatus.REMINDED: "alert",
    PremiumStatus.OVERDUE: "alert",
    PremiumStatus.OPEN: "due",
}


# Any number stands for a document's id in its reversed URL: the list reverses each URL name
# once and puts each row's id in, instead of resolving the URL pattern 50 times a page.
_ID_MARK = "7" * 18


def _url_with_id(name: str) -> str:
    return reverse(name, args=[int(_ID_MARK)]).replace(_ID_MARK, "{id}")


@dataclass(frozen=True)
class DocumentRow:
    title: str
    type: str
    type_label: str
    issue_date: date
    person: str
    is_new: bool
    url: str
    download_url: str
    premium_status: PremiumStatus | None

    @property
    def premium_tone(self) -> str:
        return PREMIUM_TONES[self.premium_status] if self.premium_status else ""


def document_rows(documents: Iterable[ListedDocument], today: date) -> list[DocumentRow]:
    """One row per listed document (``household_documents`` with ``premium_invoice`` and the
    insured person selected: no query here)."""
    detail_url, download_url = _url_with_id("documents:detail"), _url_with_id("documents:download")
    return [
        DocumentRow(
            title=document.title,
            type=document.type,
            type_label=choice_label(DocumentType, document.type),
            issue_date=document.issue_date,
            person=f"{document.insured_person.first_name} {document.insured_person.last_name}",
            is_new=bool(document.is_new),
            url=detail_url.format(id=document.pk),
            download_url=download_url.format(id=document.pk),
            premium_status=listed_status(document, today),
        )
        for document in documents
    ]
