"""What a PDF would do when opened, found by parsing it (qpdf through pikepdf), not by
searching its bytes.

The parser decodes ``#``-escaped names (``/Java#53cript`` is ``/JavaScript``), expands
compressed object streams and repairs cross-reference tables the way viewers do, so a script
hidden by any of these is seen. ``active_content(data)`` walks every object of the file, direct
ones inside others included, and names what it found; the catalog's /OpenAction and /AA, each
page's /AA, annotations' /A and /AA, the names tree (/JavaScript, /EmbeddedFiles) and the form
(/XFA) are all objects of the file, so the walk reaches them wherever they are.

A link to a web page, a mail address or a telephone number (an /URI action with an http(s),
mailto or tel address) is not active content: invoices from doctors' software carry them.
"""

from __future__ import annotations

import io

import pikepdf

# Actions that run code, open other files or programs, or send data somewhere.
ACTIVE_ACTIONS = {
    "/JavaScript": "script", "/Launch": "launch", "/SubmitForm": "form_submit",
    "/ImportData": "import", "/GoToR": "remote_file", "/GoToE": "embedded_file",
    "/Rendition": "media", "/Movie": "media", "/Sound": "media", "/RichMediaExecute": "media",
}
ACTIVE_ANNOTATIONS = {
    "/FileAttachment": "embedded_file", "/RichMedia": "media", "/Screen": "media",
    "/Movie": "media", "/Sound": "media", "/3D": "media",
}
SAFE_URI_SCHEMES = ("http://", "https://", "mailto:", "tel:")


class UnreadablePDF(Exception):
    """qpdf could not parse the file at all."""


def _findings_in(obj: pikepdf.Object) -> set[str]:
    if not isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
        return set()
    found: set[str] = set()
    action = obj.get("/S")
    if isinstance(action, pikepdf.Name) and str(action) in ACTIVE_ACTIONS:
        found.add(ACTIVE_ACTIONS[str(action)])
    if "/JS" in obj:
        found.add("script")
    if str(action) == "/URI":
        target = obj.get("/URI")
        address = bytes(target).decode("latin-1").strip().lower() if isinstance(
            target, pikepdf.String) else ""
        if not address.startswith(SAFE_URI_SCHEMES):
            found.add("link")
    if obj.get("/Type") == pikepdf.Name("/EmbeddedFile") or "/EF" in obj \
            or "/EmbeddedFiles" in obj:
        found.add("embedded_file")
    if "/XFA" in obj:
        found.add("xfa")
    subtype = obj.get("/Subtype")
    if obj.get("/Type", pikepdf.Name("/Annot")) == pikepdf.Name("/Annot") and isinstance(
            subtype, pikepdf.Name) and str(subtype) in ACTIVE_ANNOTATIONS:
        found.add(ACTIVE_ANNOTATIONS[str(subtype)])
    return found


def _walk(obj: pikepdf.Object, found: set[str], depth: int = 0) -> None:
    """This object and the direct objects inside it (indirect ones are walked on their own)."""
    if depth > 64:  # deeper nesting than any real file: treat as hostile
        found.add("structure")
        return
    found |= _findings_in(obj)
    children: list[pikepdf.Object] = []
    if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
        children = [obj[key] for key in obj.keys()]  # noqa: SIM118 - a pikepdf mapping
    elif isinstance(obj, pikepdf.Array):
        children = list(obj)
    for child in children:
        if isinstance(child, pikepdf.Dictionary | pikepdf.Stream | pikepdf.Array) \
                and not child.is_indirect:
            _walk(child, found, depth + 1)


def active_content(data: bytes) -> set[str]:
    """The kinds of active content in the PDF ``data`` (empty when there is none)."""
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        raise
    except pikepdf.PdfError as exc:
        raise UnreadablePDF(str(exc)) from exc
    found: set[str] = set()
    with pdf:
        _walk(pdf.trailer, found)
        for obj in pdf.objects:  # every indirect object, those from object streams included
            _walk(obj, found)
    return found
