"""Debug CLI: ``python -m claims.intake FILE [FILE...]`` prints the JSON reading of each file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import IntakeError, read_invoice, reading_as_json


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m claims.intake", description=__doc__)
    ap.add_argument("files", nargs="+")
    ap.add_argument("--verbose", action="store_true", help="also print warnings and timings")
    args = ap.parse_args(argv)
    status = 0
    for name in args.files:
        try:
            reading = read_invoice(Path(name).read_bytes(), filename=name)
        except (IntakeError, OSError) as exc:
            print(json.dumps({"file": name, "error": str(exc)}, ensure_ascii=False))
            status = 1
            continue
        out = reading_as_json(reading, name)
        if args.verbose:
            out["_warnings"] = reading.warnings
            out["_timings_ms"] = reading.timings_ms
            out["_cpu_ms"] = reading.cpu_ms
            out["_pages"] = reading.pages
        print(json.dumps(out, ensure_ascii=False, indent=2))
    return status


if __name__ == "__main__":
    sys.exit(main())
