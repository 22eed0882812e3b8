from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.management.base import BaseCommand, CommandError

from claims.intake import IntakeError, read_invoice, reading_as_json

if TYPE_CHECKING:
    from django.core.management.base import CommandParser


class Command(BaseCommand):
    help = ("Run the invoice intake pipeline on files without creating claims; with --json "
            "print one JSON object per line per file. Exits with status 1 when a file could "
            "not be read (after printing every file).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--json", action="store_true", help="one JSON object per line")

    def handle(self, *args: Any, files: list[str], json: bool = False,  # noqa: A002
               **options: Any) -> None:
        failed = 0
        for name in files:
            line = extract_one(name)
            failed += "error" in line
            if json:
                self.stdout.write(_dumps(line))
            else:
                self.stdout.write(_human(line))
        if failed:
            raise CommandError(f"{failed} of {len(files)} file(s) could not be read.")


def extract_one(name: str) -> dict[str, Any]:
    """The JSON line for one file; a file that cannot be read carries an "error"."""
    try:
        data = Path(name).read_bytes()
    except OSError as exc:
        return {"file": name, "error": f"cannot read file: {exc.strerror or exc}"}
    try:
        reading = read_invoice(data, filename=Path(name).name)
    except IntakeError as exc:
        return {"file": name, "error": exc.message}
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the batch
        return {"file": name, "error": f"{type(exc).__name__}: {exc}"}
    line = reading_as_json(reading, name)
    line["timings_ms"] = reading.timings_ms
    if reading.warnings:
        line["warnings"] = reading.warnings
    return line


def _dumps(line: dict[str, Any]) -> str:
    return json.dumps(line, ensure_ascii=False, default=str)


def _human(line: dict[str, Any]) -> str:
    if "error" in line:
        return f"{line['file']}: ERROR {line['error']}"
    parts = [f"{k}={v['value'] if isinstance(v, dict) else v}" for k, v in line.items()
             if k not in {"file", "timings_ms", "warnings"} and v is not None]
    return f"{line['file']}: " + ", ".join(parts)
