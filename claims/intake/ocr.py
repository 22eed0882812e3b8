"""OCR with Tesseract (French and German models; Italian too for a second reading), keeping
words with positions and confidences."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytesseract
from PIL import Image

from .errors import IntakeError, TransientIntakeError
from .orientation import erase_rules

# Tesseract's OpenMP threads fight over the 2 cores; one thread per process is faster.
os.environ["OMP_THREAD_LIMIT"] = "1"

# Tesseract tries every word again with each further language when the first model does not
# know it (a name, a number, an amount: most of an invoice), so a third language costs about a
# fifth more CPU on every page. The first reading uses French and German, whose letters cover
# Italian's but for ì and ò; the second reading of a few rows (rescue) has all three.
LANGS = "fra+deu"
ALL_LANGS = "fra+deu+ita"
OCR_TIMEOUT_S = 60

__all__ = [
    "Word", "Line", "OcrResult", "ocr_image", "lines_from_text", "lines_from_runs",
    "line_as_json", "line_from_json",
]


@dataclass(frozen=True)
class Word:
    text: str
    conf: float  # 0..100
    left: int
    top: int
    width: int
    height: int


@dataclass(frozen=True)
class Line:
    text: str
    conf: float  # mean word confidence 0..1
    words: tuple[Word, ...] = ()
    page: int = 0
    source: str = "ocr"  # "ocr" or "text-layer"

    @property
    def top(self) -> int:
        return min((w.top for w in self.words), default=0)

    @property
    def left(self) -> int:
        return min((w.left for w in self.words), default=0)


@dataclass
class OcrResult:
    words: list[Word]
    lines: list[Line]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def mean_conf(self) -> float:
        if not self.words:
            return 0.0
        return sum(w.conf for w in self.words) / len(self.words) / 100


@contextmanager
def _image_file(image: Image.Image) -> Iterator[str]:
    """The image in an uncompressed file for Tesseract: left to pytesseract, a page would be
    written as a PNG, whose compression costs more CPU than the file saves."""
    with tempfile.TemporaryDirectory(prefix="kpt-ocr-") as folder:
        path = os.path.join(folder, "page.pgm")
        (image if image.mode == "L" else image.convert("L")).save(path)
        yield path


def ocr_image(image: Image.Image, *, page: int = 0, psm: int = 3,
              langs: str = LANGS) -> OcrResult:
    """Run Tesseract on one normalised page image, its ruled lines erased first."""
    gray = np.asarray(image if image.mode == "L" else image.convert("L"))
    image = Image.fromarray(erase_rules(gray))
    with _image_file(image) as path:
        data = _tesseract_data(path, psm, langs)
    return _result(data, page)


def _tesseract_data(path: str, psm: int, langs: str) -> dict[str, list[Any]]:
    try:
        data: dict[str, list[Any]] = pytesseract.image_to_data(
            path,
            lang=langs,
            config=f"--oem 1 --psm {psm} -c preserve_interword_spaces=1 -c tessedit_do_invert=0",
            output_type=pytesseract.Output.DICT,
            timeout=OCR_TIMEOUT_S,
        )
    except pytesseract.TesseractNotFoundError as exc:
        raise TransientIntakeError("Tesseract OCR is not installed or not on PATH.") from exc
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            raise TransientIntakeError("OCR timed out.") from exc
        raise IntakeError(f"OCR failed: {exc}") from exc
    except pytesseract.TesseractError as exc:
        raise IntakeError(f"OCR failed: {exc.message}") from exc
    return data


def _result(data: dict[str, list[Any]], page: int) -> OcrResult:
    words: list[Word] = []
    groups: dict[tuple[int, int, int], list[Word]] = {}
    for i, raw in enumerate(data["text"]):
        text = (raw or "").strip()
        conf = float(data["conf"][i])
        if not text or conf < 0:
            continue
        w = Word(text, conf, data["left"][i], data["top"][i], data["width"][i], data["height"][i])
        words.append(w)
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        groups.setdefault(key, []).append(w)
    lines = []
    for ws in groups.values():
        ws.sort(key=lambda w: w.left)
        lines.append(
            Line(
                text=" ".join(w.text for w in ws),
                conf=sum(w.conf for w in ws) / len(ws) / 100,
                words=tuple(ws),
                page=page,
            )
        )
    lines = merge_rows(lines)
    return OcrResult(words=words, lines=lines)


def merge_rows(lines: list[Line]) -> list[Line]:
    """Join Tesseract lines that sit on the same visual row (label and value in columns)."""
    if not lines:
        return lines
    lines = sorted(lines, key=lambda ln: (ln.top, ln.left))
    rows: list[list[Line]] = []
    for ln in lines:
        h = max((w.height for w in ln.words), default=10)
        mid = ln.top + h / 2
        for row in rows:
            r0 = row[0]
            rh = max((w.height for w in r0.words), default=10)
            if abs((r0.top + rh / 2) - mid) < 0.5 * max(h, rh):
                row.append(ln)
                break
        else:
            rows.append([ln])
    merged = []
    for row in rows:
        row = _join_double_readings(row)
        row.sort(key=lambda ln: ln.left)
        words = tuple(w for ln in row for w in ln.words)
        merged.append(
            Line(
                text="  ".join(ln.text for ln in row),
                conf=sum(w.conf for w in words) / len(words) / 100 if words else 0.0,
                words=words,
                page=row[0].page,
                source=row[0].source,
            )
        )
    return merged


MIN_SHARED = 3  # characters two readings of one word must share to be joined


def _joined(left: str, right: str) -> str | None:
    """One word read twice, by two Tesseract lines over each other: the longer text when one
    holds the other, else the two glued where the end of the left one is the start of the
    right one ("2025-" and "025-84499": "2025-84499"); None when they share too little."""
    if right in left:
        return left
    if left in right and len(left) >= MIN_SHARED:
        return right
    for k in range(min(len(left), len(right)) - 1, MIN_SHARED - 1, -1):
        if left.endswith(right[:k]):
            return left + right[k:]
    return None


def _join_double_readings(row: list[Line]) -> list[Line]:
    """The row's lines with a word that two of them read over the same place (more than half
    of the narrower box) kept once, in the line of the leftmost reading."""
    if len(row) < 2:
        return row
    words = [list(ln.words) for ln in row]
    changed = False
    for i in range(len(row)):
        for j in range(len(row)):
            if i == j:
                continue
            for a in list(words[i]):
                for b in list(words[j]):
                    if a not in words[i] or b not in words[j] or a.left > b.left:
                        continue
                    shared = min(a.left + a.width, b.left + b.width) - b.left
                    if shared <= 0.5 * min(a.width, b.width):
                        continue
                    text = _joined(a.text, b.text)
                    if text is None:
                        continue
                    right = max(a.left + a.width, b.left + b.width)
                    top = min(a.top, b.top)
                    bottom = max(a.top + a.height, b.top + b.height)
                    words[i][words[i].index(a)] = Word(text, min(a.conf, b.conf), a.left, top,
                                                       right - a.left, bottom - top)
                    words[j].remove(b)
                    changed = True
    if not changed:
        return row
    return [Line(" ".join(w.text for w in ws),
                 sum(w.conf for w in ws) / len(ws) / 100, tuple(ws), page=ln.page,
                 source=ln.source)
            for ln, ws in zip(row, words, strict=True) if ws]


def lines_from_runs(
    runs: list[tuple[str, float, float, float, float]], *, page: int = 0
) -> list[Line]:
    """Rows of a PDF text layer from its positioned runs, in the same shape as OCR lines."""
    lines = [
        Line(
            text=text,
            conf=1.0,
            words=(Word(text, 100.0, round(x), round(y), round(w), round(h)),),
            page=page,
            source="text-layer",
        )
        for text, x, y, w, h in runs
    ]
    return merge_rows(lines)


def lines_from_text(text: str, *, conf: float = 1.0, page: int = 0) -> list[Line]:
    """Lines of a PDF text layer, in the same shape as OCR lines."""
    out = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        t = " ".join(raw.split())
        if t:
            out.append(Line(text=t, conf=conf, page=page, source="text-layer"))
    return out


def line_as_json(line: Line) -> list[Any]:
    """A compact JSON form of a line, its words with their boxes (to store and read again)."""
    return [line.text, round(line.conf, 3), line.page, line.source,
            [[w.text, round(w.conf, 1), w.left, w.top, w.width, w.height] for w in line.words]]


def line_from_json(data: list[Any]) -> Line:
    text, conf, page, source, words = data
    return Line(text=str(text), conf=float(conf), page=int(page), source=str(source),
                words=tuple(Word(str(t), float(c), int(x), int(y), int(w), int(h))
                            for t, c, x, y, w, h in words))
