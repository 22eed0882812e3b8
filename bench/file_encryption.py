"""How fast customer files are encrypted and read back, and what a first-page preview costs.

``python -m bench.file_encryption [--megabytes 20] [--rounds 3]``: a throwaway folder, a
fictitious development key. Writes a random file of the given size in Tink's format and reads
it back (median seconds and MB/s each way); reads the same file in the old format (KPTE, what
``rotate_file_keys`` rewrites); renders the first page of a PDF of about the same size (40
pages of incompressible images) from the streamed, seekable file, where each backward seek of
PDFium restarts Tink's decryption, and from the file read whole into memory.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, cast

ROOT = Path(__file__).resolve().parent.parent


def _median_seconds(action: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="kpt-file-encryption-")
    os.environ.update({"PORTAL_VAR_DIR": folder, "DJANGO_SETTINGS_MODULE": "kptportal.settings"})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import pikepdf
    from django.conf import settings
    from django.core.files.base import File

    from core.encrypted_storage import EncryptedStorage
    from core.tests.legacy_files import save_legacy
    from documents.previews import render_first_page

    settings.FILE_ENCRYPTION_KEYS = [base64.b64encode(b"bench-only-key-0123456789abcdef!").decode()]
    storage = EncryptedStorage(options={"location": f"{folder}/files"})
    size = args.megabytes * 1024 * 1024
    plain = Path(folder) / "plain.bin"
    with plain.open("wb") as out:
        for _ in range(args.megabytes):
            out.write(os.urandom(1024 * 1024))

    def write() -> str:
        with plain.open("rb") as source:
            return storage.save("bench/file.bin", File(source))

    def read(name: str) -> str:
        digest = hashlib.sha256()
        with storage.open(name) as handle:
            while chunk := handle.read(64 * 1024):
                digest.update(chunk)
        return digest.hexdigest()

    name = write()
    with plain.open("rb") as source:
        legacy = save_legacy(storage, "bench/old.bin", source)
    rows = [("write (Tink)", _median_seconds(write, args.rounds)),
            ("read (Tink)", _median_seconds(lambda: read(name), args.rounds)),
            ("read (old format)", _median_seconds(lambda: read(legacy), args.rounds))]
    for label, seconds in rows:
        print(f"{label:<22} {seconds:6.2f} s  {size / seconds / 1e6:7.1f} MB/s")

    pdf = pikepdf.new()
    for _ in range(max(1, args.megabytes * 2)):
        pdf.add_blank_page(page_size=(595, 842))
        image = pikepdf.Stream(pdf, os.urandom(500_000))
        image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        image.Width, image.Height, image.BitsPerComponent = 500, 333, 8
        image.ColorSpace = pikepdf.Name.DeviceRGB
        pdf.pages[-1].Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
        pdf.pages[-1].Contents = pikepdf.Stream(pdf, b"q 500 0 0 333 50 400 cm /Im0 Do Q")
    buffer = io.BytesIO()
    pdf.save(buffer)
    buffer.seek(0)
    document = storage.save("bench/document.pdf", File(buffer))

    def preview_streamed() -> bytes:
        with storage.open(document) as handle:
            return render_first_page(cast(IO[bytes], handle.file))  # as documents.previews

    def preview_in_memory() -> bytes:
        with storage.open(document) as handle:
            return render_first_page(io.BytesIO(handle.read()))

    print(f"preview of a {len(buffer.getvalue()) / 1e6:.1f} MB PDF: streamed "
          f"{_median_seconds(preview_streamed, args.rounds):.2f} s, read whole "
          f"{_median_seconds(preview_in_memory, args.rounds):.2f} s")


if __name__ == "__main__":
    main()
