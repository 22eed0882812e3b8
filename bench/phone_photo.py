"""How far may the phone shrink an invoice photo before the OCR reads less?

    python -m bench.phone_photo --count 4 --edges 1200,1600,2000,2400,4000

Each sample is a synthetic invoice photographed at 12 megapixels (4000 x 3000, JPEG 90 like
a phone camera). It is shrunk the way ``static/js/camera-pages.js`` does it (long edge to N
pixels, JPEG 0.85) and read with ``claims.intake.read_invoice``; the table gives the fields
read correctly, the bytes sent, their upload time on a weak uplink and the OCR (wall) time
per size.
"""

from __future__ import annotations

import argparse
import io
import random
import time

import cv2
import numpy as np
from PIL import Image, ImageFilter, ImageOps

from bench.intake_accuracy import norm
from claims.intake import FIELD_NAMES, read_invoice
from claims.tests.corpus.generate import _noise, make_invoice, rasterise, render_pdf

TWELVE_MP_EDGE = 4000
PHONE_QUALITY = 90  # a phone camera's own JPEG
SHRINK_QUALITY = 85  # camera-pages.js: canvas.toBlob("image/jpeg", 0.85)
SLOW_UPLINK_BITS_PER_SECOND = 1_600_000  # a weak mobile uplink


def _photograph(page: Image.Image, rng: random.Random, nrng: np.random.Generator,
                long_edge: int) -> Image.Image:
    """The corpus' phone-photo look (table, perspective, shadow, noise) at any size."""
    arr = np.asarray(page)
    h, w = arr.shape
    pad_x, pad_y = int(w * 0.18), int(h * 0.14)
    cw, ch = w + 2 * pad_x, h + 2 * pad_y
    base = rng.randint(60, 120)
    table = np.full((ch, cw, 3), (base + 20, base + 5, base - 15), np.float32)
    table += nrng.normal(0, 6, (ch, cw, 1))
    jit = lambda s: rng.uniform(-s, s)  # noqa: E731
    dst = np.array([[pad_x + jit(0.05 * w), pad_y + jit(0.04 * h)],
                    [pad_x + w + jit(0.05 * w), pad_y + jit(0.04 * h)],
                    [pad_x + w + jit(0.05 * w), pad_y + h + jit(0.04 * h)],
                    [pad_x + jit(0.05 * w), pad_y + h + jit(0.04 * h)]], np.float32)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    rgb = np.stack([arr] * 3, axis=-1).astype(np.float32) * np.array([1.0, 0.98, 0.93])
    warped = cv2.warpPerspective(rgb, matrix, (cw, ch), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones((h, w), np.float32), matrix, (cw, ch))[..., None]
    out = warped * mask + table * (1 - mask)
    yy, xx = np.mgrid[0:ch, 0:cw].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    g = np.cos(angle) * xx / cw + np.sin(angle) * yy / ch
    g = (g - g.min()) / (g.max() - g.min())
    out = out * (1.0 - rng.uniform(0.25, 0.45) * np.clip(g * 1.5 - 0.5, 0, 1))[..., None]
    out = _noise(out, nrng, 4)
    img = Image.fromarray(out.astype(np.uint8), "RGB").filter(ImageFilter.GaussianBlur(1.2))
    scale = long_edge / max(img.size)
    img = img.resize((round(img.width * scale), round(img.height * scale)),
                     Image.Resampling.LANCZOS)
    # Sensor noise at full resolution: what makes a real 12-MP JPEG weigh 3-5 MB.
    return Image.fromarray(_noise(np.asarray(img).astype(np.float32), nrng, 7).astype(np.uint8))


def twelve_megapixel_invoice(seed: int) -> tuple[bytes, dict]:
    """A 12-MP phone photo (JPEG bytes) of a fresh synthetic invoice, and its true fields."""
    rng = random.Random(f"phone-photo-{seed}")
    nrng = np.random.default_rng(seed)
    invoice = make_invoice(rng, has_qr=seed % 2 == 0)
    page = rasterise(render_pdf(invoice, rng), 360)[0]
    image = _photograph(page, rng, nrng, TWELVE_MP_EDGE)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=PHONE_QUALITY)
    return out.getvalue(), invoice.truth()


def shrink(data: bytes, long_edge: int, quality: int = SHRINK_QUALITY) -> bytes:
    """What the phone sends after camera-pages.js: upright, long edge at most N, JPEG."""
    with Image.open(io.BytesIO(data)) as original:
        image = ImageOps.exif_transpose(original).convert("RGB")
        if max(image.size) > long_edge:
            scale = long_edge / max(image.size)
            image = image.resize((round(image.width * scale), round(image.height * scale)),
                                 Image.Resampling.BILINEAR)
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=quality)
        return out.getvalue()


def fields_read(data: bytes) -> dict[str, str]:
    reading = read_invoice(data)
    return {name: norm(name, reading.value(name)) for name in FIELD_NAMES}


def correct(read: dict[str, str], truth: dict) -> int:
    return sum(1 for name in FIELD_NAMES
               if name in truth and read.get(name) == norm(name, truth[name]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=4)
    parser.add_argument("--edges", default="1200,1600,2000,2400,4000")
    args = parser.parse_args(argv)
    edges = [int(e) for e in args.edges.split(",")]
    totals = {e: [0, 0, 0, 0.0] for e in edges}  # correct, possible, bytes, seconds
    for seed in range(args.count):
        original, truth = twelve_megapixel_invoice(seed)
        for edge in edges:
            data = original if edge >= TWELVE_MP_EDGE else shrink(original, edge)
            started = time.perf_counter()
            read = fields_read(data)
            totals[edge][3] += time.perf_counter() - started
            totals[edge][0] += correct(read, truth)
            totals[edge][1] += sum(1 for name in FIELD_NAMES if name in truth)
            totals[edge][2] += len(data)
            print(f"seed {seed} edge {edge}: {correct(read, truth)} fields, {len(data)} bytes",
                  flush=True)
    print("\nlong edge | fields right | avg bytes | upload s at 1.6 Mbit/s | OCR wall s/photo")
    for edge, (right, possible, size, seconds) in totals.items():
        label = f"{edge} (original 12 MP)" if edge >= TWELVE_MP_EDGE else str(edge)
        upload = size / args.count * 8 / SLOW_UPLINK_BITS_PER_SECOND
        print(f"{label:>9} | {right:>4}/{possible:<7} | {size // args.count:>9} | "
              f"{upload:>22.1f} | {seconds / args.count:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
