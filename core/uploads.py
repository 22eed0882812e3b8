"""Validating what customers upload (claim pages, message attachments): by content, not name.

``validate_upload`` sniffs the bytes, opens images with Pillow (decompression-bomb limit) and
PDFs with pypdfium2 (pages) and qpdf (active content, ``core.pdf_content``), and re-encodes
images so EXIF (location, device) is stripped after the orientation has been applied.
Anything refused raises ``UploadRejected`` with a message the customer can act on.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

if TYPE_CHECKING:
    from django.core.files.base import File

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


def read_limited(uploaded: File[bytes], limit: int = MAX_UPLOAD_BYTES) -> bytes:
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


def validate_upload(uploaded: File[bytes]) -> ValidatedUpload:
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


ACTIVE_CONTENT_LABELS = {
    "script": _("un script"),
    "launch": _("une commande qui lance un programme"),
    "form_submit": _("un formulaire qui envoie des données"),
    "import": _("une importation de données"),
    "remote_file": _("un lien vers un autre fichier"),
    "embedded_file": _("un fichier joint"),
    "media": _("un contenu multimédia"),
    "link": _("un lien qui n'est pas une adresse web"),
    "xfa": _("un formulaire XFA"),
    "structure": _("une structure anormale"),
}


def _validate_pdf(data: bytes) -> ValidatedUpload:
    import pypdfium2

    from core.pdf_content import UnreadablePDF, active_content

    broken = _("Ce PDF est endommagé ou incomplet.")
    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise UploadRejected(_("Ce PDF est protégé par un mot de passe. Envoyez une version "
                                   "sans protection."), code="pdf_encrypted") from exc
        raise UploadRejected(broken, code="pdf_broken") from exc
    try:
        pages = len(pdf)
    finally:
        pdf.close()
    try:
        found = active_content(data)
    except UnreadablePDF as exc:
        raise UploadRejected(broken, code="pdf_broken") from exc
    if found:
        # Refused rather than cleaned: a copy without its scripts may no longer show what
        # the sender saw (forms, attachments), and an invoice must stay the invoice sent.
        what = ", ".join(sorted(str(ACTIVE_CONTENT_LABELS[kind]) for kind in found))
        raise UploadRejected(
            _("Ce PDF contient du contenu actif (%(what)s) et ne peut pas être accepté. "
              "Enregistrez-le à nouveau avec « Imprimer › Enregistrer en PDF », ou envoyez une "
              "photo de la facture.") % {"what": what}, code="pdf_active")
    if pages == 0:
        raise UploadRejected(_("Ce PDF ne contient aucune page."), code="pdf_empty")
    if pages > MAX_PDF_PAGES:
        raise UploadRejected(_("Ce PDF a plus de %(n)s pages.") % {"n": MAX_PDF_PAGES},
                             code="pdf_pages")
    return ValidatedUpload(data, "application/pdf", "pdf", pages)
