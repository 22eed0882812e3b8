"""Each file's reading after the OCR, stored beside the file in the private storage.

The words of a page with their boxes and the QR-bill's payload (``InvoiceReading.snapshot``)
are what the steps after the OCR need; keeping them lets an operator run the extraction again
after an improvement (``reprocess_claims --step extract``) in milliseconds, without the OCR.
They hold what the page holds, so they live where the page lives: encrypted, never served.
"""

from __future__ import annotations

import gzip
import json
import logging
from typing import Any

from django.core.files.base import ContentFile

from claims.models import ClaimPage

logger = logging.getLogger(__name__)

SUFFIX = ".reading.json.gz"


def name_for(page: ClaimPage) -> str:
    return f"{page.file.name}{SUFFIX}"


def save(page: ClaimPage, snapshot: dict[str, Any]) -> None:
    """Store (or replace) the page's snapshot; a failure only costs the quick re-extraction."""
    if not snapshot:
        return
    storage, name = page.file.storage, name_for(page)
    data = gzip.compress(json.dumps(snapshot, ensure_ascii=False).encode("utf-8"), 6)
    try:
        if storage.exists(name):
            storage.delete(name)
        storage.save(name, ContentFile(data))
    except OSError:
        logger.warning("intake: the reading of claim page %s was not stored", page.pk,
                       exc_info=True)


def load(page: ClaimPage) -> dict[str, Any] | None:
    """The page's stored snapshot, or ``None`` (never read since snapshots exist, or lost)."""
    storage, name = page.file.storage, name_for(page)
    try:
        with storage.open(name, "rb") as handle:
            data = json.loads(gzip.decompress(handle.read()).decode("utf-8"))
    except (OSError, ValueError, EOFError):
        return None
    return data if isinstance(data, dict) and data.get("version") == 1 else None
