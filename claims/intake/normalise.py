"""Turn the bytes of one upload into normalised page images (+ PDF text layer)."""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from dataclasses import dataclass, field

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytesseract
from PIL import Image, ImageOps
from pillow_heif import register_heif_opener

from .errors import (
    CorruptFileError,
    EncryptedPdfError,
    ImageTooLargeError,
    IntakeError,
    TooManyPagesError,
    TransientIntakeError,
    UnsupportedFormatError,
)
from .orientation import is_bilevel, noise_level, quick_orientation

register_heif_opener()

MAX_PIXELS = 60_000_000
MAX_PAGES = 20
MAX_BYTES = 40 * 1024 * 1024
PDF_DPI = 300
OSD_TIMEOUT_S = 30
MIN_SIDE = 200
MAX_OCR_SIDE = 3600  # ~300 dpi on A4
BACKGROUND_SHRINK = 4  # the lighting's background is estimated on a page this many times smaller
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

__all__ = [
    "Page",
    "sniff_format",
    "load_pages",
    "normalise_image",
    "detect_orientation",
    "deskew_angle",
    "find_page_quad",
]


@dataclass
class Page:
    index: int
    original: Image.Image  # as decoded (EXIF-transposed), RGB or L; once normalised: image
    image: Image.Image  # normalised grayscale for OCR
    text_layer: str = ""  # PDF text layer ("" when none)
    # the text layer's runs with their boxes in page pixels: (text, left, top, width, height)
    text_runs: list[tuple[str, float, float, float, float]] = field(default_factory=list)
    rotation: int = 0  # clockwise degrees applied to fix orientation
    skew: float = 0.0
    perspective_fixed: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def has_text_layer(self) -> bool:
        return len(re.findall(r"[A-Za-z0-9]", self.text_layer)) >= 40


def sniff_format(data: bytes) -> str:
    if not data:
        raise CorruptFileError("The file is empty (0 bytes).")
    if len(data) > MAX_BYTES:
        raise ImageTooLargeError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    head = data[:32]
    if head.startswith(b"PK\x03\x04"):
        raise UnsupportedFormatError("The file is a ZIP archive, not a PDF or image.")
    if head.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[4:8] == b"ftyp" and head[8:12] in (
        b"heic",
        b"heix",
        b"hevc",
        b"hevx",
        b"heim",
        b"heis",
        b"mif1",
        b"msf1",
        b"avif",
    ):
        return "heif"
    raise UnsupportedFormatError("Unsupported file type: expected PDF, JPEG, PNG or HEIC.")


def _open_image(data: bytes, fmt: str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img: Image.Image = Image.open(io.BytesIO(data))
            if img.width * img.height > MAX_PIXELS:
                raise ImageTooLargeError(
                    f"Image is {img.width}x{img.height} pixels, above the "
                    f"{MAX_PIXELS // 1_000_000} MP limit."
                )
            img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLargeError(f"Image exceeds the pixel limit: {exc}") from exc
    except IntakeError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptFileError(f"The {fmt.upper()} image is damaged or truncated: {exc}") from exc
    with contextlib.suppress(Exception):  # broken EXIF must not lose the picture
        img = ImageOps.exif_transpose(img)
    if img.mode not in ("L", "RGB"):
        img = (
            img.convert("RGB") if "A" in img.mode or img.mode in ("P", "CMYK") else img.convert("L")
        )
    if min(img.size) < MIN_SIDE:
        raise CorruptFileError(
            f"The image is only {img.width}x{img.height} pixels, too small to hold an invoice."
        )
    return img


Run = tuple[str, float, float, float, float]


def _text_runs(textpage: pdfium.PdfTextPage, height: float, scale: float) -> list[Run]:
    """The text layer as runs of characters with their boxes (top-left origin, page pixels)."""
    runs: list[Run] = []
    for k in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(k)
        text = textpage.get_text_bounded(left, bottom, right, top).strip()
        if text:
            runs.append(
                (text, left * scale, (height - top) * scale, (right - left) * scale,
                 (top - bottom) * scale)
            )
    return runs


def _pdf_pages(data: bytes, first: int = MAX_PAGES) -> list[tuple[Image.Image, str, list[Run]]]:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc).lower()
        if "password" in msg:
            raise EncryptedPdfError("The PDF is password protected.") from exc
        raise CorruptFileError(f"The PDF cannot be opened: {exc}") from exc
    try:
        n = len(pdf)
        if n == 0:
            raise CorruptFileError("The PDF has no pages.")
        if n > MAX_PAGES:
            raise TooManyPagesError(f"The PDF has {n} pages; at most {MAX_PAGES} are accepted.")
        out = []
        for i in range(min(n, first)):
            page = pdf[i]
            w, h = page.get_size()
            scale = PDF_DPI / 72
            if w * h * scale * scale > MAX_PIXELS:
                scale = (MAX_PIXELS / (w * h)) ** 0.5
            if w * h * scale * scale < 100 or scale < 0.05:
                raise ImageTooLargeError("A PDF page has an absurd size.")
            try:
                bitmap = page.render(scale=scale, grayscale=True)
                img = bitmap.to_pil()
                textpage = page.get_textpage()
                text = textpage.get_text_range()
                runs = _text_runs(textpage, h, scale) if text.strip() else []
                # a page keeps its decoded pictures (a scan: the whole page in colour) until
                # it is closed: closed now, not when the document is, or a PDF of many pages
                # holds all of them at once
                textpage.close()
                page.close()
            except pdfium.PdfiumError as exc:
                raise CorruptFileError(f"PDF page {i + 1} cannot be rendered: {exc}") from exc
            out.append((img.convert("L") if img.mode != "L" else img, text or "", runs))
        return out
    finally:
        pdf.close()


# ---------------------------------------------------------------- geometry helpers


def _gray(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("L") if img.mode != "L" else img)


def _order_quad(pts: np.ndarray) -> np.ndarray:
    pts = pts.reshape(4, 2).astype(np.float32)
    s = pts.sum(axis=1)
    d = np.diff(pts, axis=1).ravel()
    return np.array(
        [pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]],
        dtype=np.float32,
    )


def find_page_quad(gray: np.ndarray) -> np.ndarray | None:
    """Return the 4 corners (tl, tr, br, bl) of a bright page on a darker background."""
    h, w = gray.shape
    scale = 800 / max(h, w)
    small = cv2.resize(gray, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (5, 5), 0)
    # the page is the large bright region; threshold with Otsu and close holes (text)
    _, mask = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    c = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(c)
    total = small.shape[0] * small.shape[1]
    if not (0.2 * total < area < 0.97 * total):
        return None
    hull = cv2.convexHull(c)
    peri = cv2.arcLength(hull, True)
    approx = None
    for eps in (0.01, 0.02, 0.03, 0.05):
        cand = cv2.approxPolyDP(hull, eps * peri, True)
        if len(cand) == 4:
            approx = cand
            break
    if approx is None or not cv2.isContourConvex(approx):
        return None
    quad = _order_quad(approx) / scale
    # reject "quads" that are just the image border
    margin = 0.015 * max(h, w)
    on_border = (
        (quad[:, 0] < margin)
        | (quad[:, 0] > w - margin)
        | (quad[:, 1] < margin)
        | (quad[:, 1] > h - margin)
    )
    if on_border.sum() >= 3:
        return None
    # contrast check: page must be clearly brighter than its surroundings
    inside = np.zeros_like(small)
    cv2.fillConvexPoly(inside, (quad * scale).astype(np.int32), 255)
    if (inside == 0).sum() < 0.03 * total:
        return None
    if float(small[inside > 0].mean()) - float(small[inside == 0].mean()) < 30:
        return None
    return quad


def _warp(gray: np.ndarray, quad: np.ndarray) -> np.ndarray:
    tl, tr, br, bl = quad
    width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    dst = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float32)
    m = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    return cv2.warpPerspective(
        gray, m, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )


def flatten_illumination(gray: np.ndarray) -> np.ndarray:
    """Divide by an estimate of the background to remove shadows and gradients. The
    background is smooth: it is estimated on a copy a quarter the size, a sixteenth of the
    work of the wide blur on the full page."""
    h, w = gray.shape
    k = max(15, (min(h, w) // 60) | 1)
    small = cv2.resize(gray, (max(1, w // BACKGROUND_SHRINK), max(1, h // BACKGROUND_SHRINK)),
                       interpolation=cv2.INTER_AREA)
    ks = max(3, (k // BACKGROUND_SHRINK) | 1)
    bg = cv2.morphologyEx(small, cv2.MORPH_CLOSE,
                          cv2.getStructuringElement(cv2.MORPH_RECT, (ks, ks)))
    bg = cv2.GaussianBlur(bg, (0, 0), k / 2 / BACKGROUND_SHRINK)
    bg = cv2.resize(bg, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(gray, bg, scale=255)


def detect_orientation(gray: np.ndarray) -> int:
    """Clockwise rotation (0/90/180/270) that makes the text upright, via Tesseract OSD."""
    h, w = gray.shape
    scale = min(1.0, 2200 / max(h, w))
    img = Image.fromarray(gray)
    if scale < 1.0:
        img = img.resize((int(w * scale), int(h * scale)), Image.Resampling.LANCZOS)
    try:
        osd = pytesseract.image_to_osd(
            img,
            config="--psm 0 -c min_characters_to_try=20",
            output_type=pytesseract.Output.DICT,
            timeout=OSD_TIMEOUT_S,
        )
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            raise TransientIntakeError("Orientation detection timed out.") from exc
        return 0
    except pytesseract.TesseractNotFoundError as exc:
        raise TransientIntakeError("Tesseract is not available.") from exc
    except pytesseract.TesseractError:
        return 0
    if float(osd.get("orientation_conf", 0)) < 1.0:
        return 0
    return int(osd.get("rotate", 0)) % 360


def _rotate(gray: np.ndarray, clockwise: int) -> np.ndarray:
    if clockwise == 90:
        return cv2.rotate(gray, cv2.ROTATE_90_CLOCKWISE)
    if clockwise == 180:
        return cv2.rotate(gray, cv2.ROTATE_180)
    if clockwise == 270:
        return cv2.rotate(gray, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return gray


def deskew_angle(gray: np.ndarray, max_angle: float = 6.0) -> float:
    """Small skew angle (degrees, counter-clockwise positive) by projection-profile search."""
    h, w = gray.shape
    scale = min(1.0, 1000 / max(h, w))
    small = cv2.resize(gray, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    _, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    if ink.mean() < 1:  # blank
        return 0.0
    sh, sw = ink.shape
    ys, xs = np.nonzero(ink)
    ys, xs = ys - sh / 2, xs - sw / 2

    def score(angle: float) -> float:
        # the row each ink pixel lands on once the page is turned by ``angle``: the profile
        # of the turned page without turning the whole image (two dozen angles are tried)
        a = np.deg2rad(angle)
        rows = np.rint(ys * np.cos(a) - xs * np.sin(a) + sh / 2).astype(np.intp)
        prof = np.bincount(rows[(rows >= 0) & (rows < sh)], minlength=sh).astype(np.float64)
        return float(np.sum(np.diff(prof) ** 2))

    best = max(np.arange(-max_angle, max_angle + 0.01, 0.5), key=score)
    fine = max(np.arange(best - 0.5, best + 0.51, 0.1), key=score)
    return round(float(fine), 2)


def _rotate_small(gray: np.ndarray, angle: float) -> np.ndarray:
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(gray, m, (nw, nh), flags=cv2.INTER_CUBIC, borderValue=255)


NOISY = 3.0  # orientation.noise_level above this: the page is smoothed before the OCR


def _to_ocr_scale_factor(shape: tuple[int, ...]) -> float:
    """Bring text to roughly 200-300 dpi for Tesseract: upscale small scans, shrink huge
    photos."""
    long_side = max(shape)
    if long_side < 2000:
        return 2400 / long_side
    if long_side > MAX_OCR_SIDE:
        return MAX_OCR_SIDE / long_side
    return 1.0


def _to_ocr_scale(gray: np.ndarray) -> np.ndarray:
    f = _to_ocr_scale_factor(gray.shape)
    if f == 1.0:
        return gray
    method = cv2.INTER_CUBIC if f > 1 else cv2.INTER_AREA
    return cv2.resize(gray, None, fx=f, fy=f, interpolation=method)


def _smooth(gray: np.ndarray, bilevel: bool, info: dict) -> np.ndarray:
    """A black-and-white page (a fax) gets its stair-stepped edges softened (3x3 Gaussian); a
    grainy one its grain removed (3x3 median, which keeps the strokes). On a small image the
    JPEG's blocks look like grain and its strokes are thin: the bar rises with the upscaling
    the OCR will need. A clean page is left alone."""
    if bilevel:
        info["denoised"] = "fax"
        return cv2.GaussianBlur(gray, (3, 3), 0)
    if noise_level(gray) > NOISY * max(1.0, _to_ocr_scale_factor(gray.shape)):
        info["denoised"] = "grain"
        return cv2.medianBlur(gray, 3)
    return gray


def _deskew(gray: np.ndarray, info: dict) -> np.ndarray:
    angle = deskew_angle(gray)
    if abs(angle) >= 0.2:
        info["skew"] = angle
        return _rotate_small(gray, angle)
    return gray


def _orient(gray: np.ndarray, info: dict, known: int | None) -> np.ndarray:
    """Turn the page upright: ``known`` (from the QR-bill), else the ink's own signals
    (``orientation``), else Tesseract's OSD."""
    rot = known
    if rot is not None:
        info["orientation_by"] = "qr"
    else:
        rot = quick_orientation(gray)
        info["orientation_by"] = "ink" if rot is not None else "osd"
    if rot is None:
        rot = detect_orientation(gray)
    if not rot:
        return gray
    info["rotation"] = rot
    gray = _rotate(gray, rot)
    return _deskew(gray, info) if rot in (90, 270) else gray


def normalise_image(img: Image.Image, *, detect_rotation: bool = True,
                    rotation: int | None = None) -> tuple[Image.Image, dict]:
    """Grayscale, perspective-correct, even out lighting, smooth a noisy page, deskew, orient.
    ``rotation``: the clockwise turn that makes the page upright when it is already known
    (from the QR-bill); ``detect_rotation=False``: leave the orientation as it is."""
    info: dict = {"rotation": 0, "skew": 0.0, "perspective_fixed": False, "denoised": False}
    gray = _gray(img)
    bilevel = is_bilevel(gray)
    quad = find_page_quad(gray)
    if quad is not None:
        gray = _warp(gray, quad)
        info["perspective_fixed"] = True
    gray = _smooth(flatten_illumination(gray), bilevel, info)
    gray = _deskew(_to_ocr_scale(gray), info)
    if rotation is not None or detect_rotation:
        gray = _orient(gray, info, rotation)
    return Image.fromarray(gray), info


def load_pages(data: bytes, *, normalise: bool = True, first: int = MAX_PAGES) -> list[Page]:
    """Decode an upload into pages (of a PDF, the ``first`` ones only). Raises IntakeError
    subclasses for unreadable input."""
    fmt = sniff_format(data)
    pages: list[Page] = []
    raw = _pdf_pages(data, first) if fmt == "pdf" else [(_open_image(data, fmt), "", [])]
    for i, (img, text, runs) in enumerate(raw):
        page = Page(index=i, original=img, image=img, text_layer=text, text_runs=runs)
        if normalise and not page.has_text_layer:
            norm, info = normalise_image(img)
            page.image = norm
            page.rotation = info["rotation"]
            page.skew = info["skew"]
            page.perspective_fixed = info["perspective_fixed"]
        elif normalise:
            page.image = img.convert("L") if img.mode != "L" else img
        pages.append(page)
    return pages
