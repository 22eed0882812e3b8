"""Validating what customers upload (claim pages, message attachments): by content, not name.

``validate_upload`` sniffs the bytes, opens images with Pillow (decompression-bomb limit) and
PDFs with pypdfium2, and re-encodes images so EXIF (location, device) is stripped after the
orientation has been applied. Anything refused raises ``UploadRejected`` with a message the
customer can act on.
"""

import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 60_000_000  # a 12-MP phone photo is 12 M; anything past 60 M is a bomb
MAX_PDF_PAGES = 30

Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS


class UploadRejected(ValidationError):
    pass


@dataclass(frozen=True)
class ValidatedUpload:
    data: bytes
    content_type: str  # image/jpeg, image/png or application/pdf
    extension: str  # jpg, png, pdf
    page_count: int


def sniff_content_type(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[4:8] == b"ftyp" and head[8:12] in {b"heic", b"heix", b"mif1", b"msf1", b"heim",
                                                b"heis", b"hevc", b"hevx"}:
        return "image/heic"
    return None


def read_limited(uploaded, limit: int = MAX_UPLOAD_BYTES) -> bytes:
    if uploaded.size is not None and uploaded.size > limit:
        raise UploadRejected(_("Le fichier dépasse %(mb)s Mo.") % {"mb": limit // 1_048_576},
                             code="too_large")
    data = uploaded.read(limit + 1)
    if len(data) > limit:
        raise UploadRejected(_("Le fichier dépasse %(mb)s Mo.") % {"mb": limit // 1_048_576},
                             code="too_large")
    if not data:
        raise UploadRejected(_("Le fichier est vide."), code="empty")
    return data


def validate_upload(uploaded) -> ValidatedUpload:
    """Check one uploaded file and return what may be stored."""
    data = read_limited(uploaded)
    content_type = sniff_content_type(data[:16])
    if content_type == "application/pdf":
        return _validate_pdf(data)
    if content_type in {"image/jpeg", "image/png", "image/heic"}:
        return _validate_image(data, content_type)
    raise UploadRejected(
        _("Ce type de fichier n'est pas accepté. Envoyez une photo (JPEG, PNG, HEIC) ou un PDF."),
        code="type",
    )


def _validate_image(data: bytes, content_type: str) -> ValidatedUpload:
    if content_type == "image/heic":
        from pillow_heif import register_heif_opener

        register_heif_opener()
    unreadable = _("L'image est illisible ou incomplète. Reprenez la photo et réessayez.")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between 1x and 2x the limit: refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UploadRejected(_("L'image est trop grande (plus de 60 mégapixels)."),
                             code="bomb") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise UploadRejected(unreadable, code="unreadable") from exc
    # Re-encoding drops EXIF and anything appended after the image data (polyglots).
    buffer = io.BytesIO()
    if content_type == "image/png":
        upright.save(buffer, format="PNG", optimize=False)
        return ValidatedUpload(buffer.getvalue(), "image/png", "png", 1)
    upright.convert("RGB").save(buffer, format="JPEG", quality=90)
    return ValidatedUpload(buffer.getvalue(), "image/jpeg", "jpg", 1)


def _validate_pdf(data: bytes) -> ValidatedUpload:
    import pypdfium2
    import pypdfium2.raw

    if b"/JavaScript" in data or b"/JS" in data or b"/Launch" in data:
        raise UploadRejected(_("Ce PDF contient du code actif et ne peut pas être accepté."),
                             code="pdf_active")
    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise UploadRejected(_("Ce PDF est protégé par un mot de passe. Envoyez une version "
                                   "sans protection."), code="pdf_encrypted") from exc
        raise UploadRejected(_("Ce PDF est endommagé ou incomplet."), code="pdf_broken") from exc
    try:
        pages = len(pdf)
        # Document-level JavaScript hidden in compressed object streams escapes the byte scan.
        scripts = pypdfium2.raw.FPDFDoc_GetJavaScriptActionCount(pdf)
    finally:
        pdf.close()
    if scripts > 0:
        raise UploadRejected(_("Ce PDF contient du code actif et ne peut pas être accepté."),
                             code="pdf_active")
    if pages == 0:
        raise UploadRejected(_("Ce PDF ne contient aucune page."), code="pdf_empty")
    if pages > MAX_PDF_PAGES:
        raise UploadRejected(_("Ce PDF a plus de %(n)s pages.") % {"n": MAX_PDF_PAGES},
                             code="pdf_pages")
    return ValidatedUpload(data, "application/pdf", "pdf", pages)
