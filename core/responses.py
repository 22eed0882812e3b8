"""Responses that carry a customer's file: never cached by anyone else, never sniffed."""

from __future__ import annotations

from typing import IO

from django.http import FileResponse, HttpResponse, HttpResponseBase

NO_STORE = "private, no-store"


def private(response: HttpResponseBase) -> HttpResponseBase:
    response["Cache-Control"] = NO_STORE
    response["X-Content-Type-Options"] = "nosniff"
    return response


def private_image(data: bytes, content_type: str = "image/jpeg") -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    private(response)
    return response


def private_download(handle: IO[bytes], *, filename: str, content_type: str,
                     size: int | None = None) -> FileResponse:
    """Stream ``handle`` as an attachment named ``filename``."""
    response = FileResponse(handle, as_attachment=True, filename=filename,
                            content_type=content_type)
    if size is not None:
        response["Content-Length"] = str(size)
    private(response)
    return response
