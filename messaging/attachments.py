"""A message's attachment as a download (the callers have checked who may see it)."""

from django.http import FileResponse, Http404

from core.responses import private_download
from messaging.models import Attachment


def download(item: Attachment) -> FileResponse:
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return private_download(handle, filename=item.filename, content_type=item.content_type)
