"""Import from the core system: a folder with ``manifest.csv`` and the files it names.

Each row is imported in its own transaction: a bad row is reported with its line number and
reason and the batch goes on; a file the household already has (same SHA-256) is skipped, so
running the import again after a crash finishes the job without duplicates.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Customer, InsuredPerson
from accounts.validators import normalise_contract_number
from documents.models import DocumentType
from documents.storing import checksum_and_size, store_document

logger = logging.getLogger(__name__)

MANIFEST = "manifest.csv"
COLUMNS = ["contract_or_customer_number", "insured_number", "type", "issue_date", "title",
           "reference", "file_name"]
# A manifest row as csv.DictReader reads it: surplus fields under the key None.
Row = dict[str | None, Any]
_TYPES = {
    **{choice.value: choice.value for choice in DocumentType},
    **{str(choice.label).casefold(): choice.value for choice in DocumentType},
}


class ManifestError(Exception):
    """The manifest as a whole cannot be read (missing, wrong columns)."""


class RowError(Exception):
    """One row cannot be imported; the message says why."""


@dataclass
class RowResult:
    line: int
    status: str  # imported | skipped | error
    message: str = ""
    document_id: int | None = None


@dataclass
class Summary:
    imported: int = 0
    skipped: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    def add(self, result: RowResult) -> None:
        if result.status == "imported":
            self.imported += 1
        elif result.status == "skipped":
            self.skipped += 1
        else:
            self.errors.append((result.line, result.message))

    def merge(self, other: dict[str, Any]) -> None:
        self.imported += other["imported"]
        self.skipped += other["skipped"]
        self.errors.extend(tuple(error) for error in other["errors"])

    def as_dict(self) -> dict[str, Any]:
        return {"imported": self.imported, "skipped": self.skipped,
                "errors": [list(error) for error in self.errors]}


def read_manifest(directory: Path) -> list[tuple[int, Row]]:
    """``(line number, row)`` for each data row; line 1 is the header."""
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise ManifestError(f"{path} not found.")
    try:
        return _read_rows(path)
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{MANIFEST} is not UTF-8 (line bytes at {exc.start}); export it "
                            "as UTF-8 and run again.") from exc


def _read_rows(path: Path) -> list[tuple[int, Row]]:
    return read_csv(path, COLUMNS)


def read_csv(path: Path, columns: list[str]) -> list[tuple[int, Row]]:
    """``(line number, row)`` of a UTF-8 CSV, comma or semicolon separated, whose header has
    ``columns``; ManifestError (naming the file) otherwise."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        sample = handle.read(4096)
        handle.seek(0)
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
                sample, delimiters=",;")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(handle, dialect=dialect)
        missing = [column for column in columns if column not in (reader.fieldnames or [])]
        if missing:
            raise ManifestError(f"{path.name} lacks the column(s): {', '.join(missing)}.")
        return [(reader.line_num, row) for row in reader]


def json_values(text: str) -> Iterator[tuple[int, object]]:
    """``(line, value)`` of each element of a top-level JSON array, or of each value of a JSON
    Lines file, with the line where it starts; numbers with a point are Decimals (never
    floats: 0.1 stays 0.1). ManifestError (with the line) on a file that is not JSON."""
    decoder = json.JSONDecoder(parse_float=Decimal)
    index = _skip_blanks(text, 0)
    in_array = text.startswith("[", index)
    if in_array:
        index = _skip_blanks(text, index + 1)
        if text.startswith("]", index):
            return
    while index < len(text):
        line = text.count("\n", 0, index) + 1
        try:
            value, index = decoder.raw_decode(text, index)
        except json.JSONDecodeError as exc:
            raise ManifestError(f"line {exc.lineno}: not valid JSON ({exc.msg})") from exc
        yield line, value
        index = _skip_blanks(text, index)
        if in_array:
            if text.startswith("]", index):
                return
            if not text.startswith(",", index):
                line = text.count("\n", 0, index) + 1
                raise ManifestError(f"line {line}: expected ',' or ']' in the array")
            index = _skip_blanks(text, index + 1)
    if in_array:
        raise ManifestError("the array is not closed with ']'")


def _skip_blanks(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def parse_date(raw: str | None) -> date:
    raw = (raw or "").strip()
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise RowError(f"issue_date {raw!r} is not a date (dd.mm.yyyy or yyyy-mm-dd)")


def customer_of(number: str | None) -> Customer:
    number = (number or "").strip()
    if not number:
        raise RowError("contract_or_customer_number is empty")
    if number.upper().startswith("KPT"):
        try:
            lookup = {"account__username": normalise_contract_number(number)}
        except ValidationError as exc:
            raise RowError(f"{number!r} is not an online contract number") from exc
    else:
        lookup = {"customer_number": number}
    customer = Customer.objects.filter(**lookup).first()
    if customer is None:
        raise RowError(f"no customer with contract or customer number {number!r}")
    return customer


def insured_person_of(customer: Customer, number: str | None) -> InsuredPerson:
    number = (number or "").strip()
    person = InsuredPerson.objects.filter(insured_number=number).first() if number else None
    if person is None:
        raise RowError(f"no insured person {number!r}")
    if person.customer_id != customer.pk:
        raise RowError(f"insured person {number!r} does not belong to customer "
                       f"{customer.customer_number}")
    return person


def file_in(directory: Path, name: str | None) -> Path:
    """The file ``name`` of ``directory``: a plain name, a real file (no link); RowError."""
    name = (name or "").strip()
    if not name or "/" in name or "\\" in name or name in {".", ".."}:
        raise RowError(f"file_name {name!r} must be a plain file name inside the folder")
    path = Path(directory) / name
    # A link could point anywhere on the server (/etc/passwd): only real files in the folder.
    if path.is_symlink():
        raise RowError(f"file {name!r} is a symbolic link; links are not imported")
    if not path.is_file():
        raise RowError(f"file {name!r} not found")
    return path


def _period(kind: str, issue_date: date) -> date | None:
    if kind == DocumentType.PREMIUM_INVOICE:
        return issue_date.replace(day=1)
    return None


def import_row(directory: Path, line: int, row: Row) -> RowResult:
    try:
        if row.get(None):  # csv.DictReader puts surplus fields under the key None
            raise RowError(f"{len(COLUMNS) + len(row[None])} fields, expected {len(COLUMNS)}")
        customer = customer_of(row.get("contract_or_customer_number"))
        person = insured_person_of(customer, row.get("insured_number"))
        kind = _TYPES.get((row.get("type") or "").strip().casefold())
        if kind is None:
            raise RowError(f"unknown type {row.get('type')!r} (expected one of "
                           f"{', '.join(choice.value for choice in DocumentType)})")
        issue_date = parse_date(row.get("issue_date"))
        title = (row.get("title") or "").strip()
        if not title:
            raise RowError("title is empty")
        if len(title) > 200:
            raise RowError("title is longer than 200 characters")
        reference = (row.get("reference") or "").strip()
        if len(reference) > 60:
            raise RowError("reference is longer than 60 characters")
        path = file_in(directory, row.get("file_name"))
        with path.open("rb") as source:
            checksum, size = checksum_and_size(source)
            with transaction.atomic():
                document, created = store_document(
                    insured_person=person, type=kind, issue_date=issue_date, title=title,
                    reference=reference, period=_period(kind, issue_date), source=source,
                    file_name=path.name, checksum=checksum, size=size,
                )
    except RowError as exc:
        return RowResult(line, "error", str(exc))
    except Exception as exc:  # one broken row must not stop the batch
        logger.exception("import_documents: line %s failed", line)
        return RowResult(line, "error", f"unexpected error: {exc.__class__.__name__}: {exc}")
    if not created:
        return RowResult(line, "skipped", "already imported", document.pk)
    return RowResult(line, "imported", f"{customer.customer_number} {title}", document.pk)


def import_rows(directory: Path, rows: list[tuple[int, Row]],
                progress: Callable[[RowResult], object] | None = None) -> Summary:
    """Import ``rows``; ``progress(result)`` is called after each."""
    summary = Summary()
    for line, row in rows:
        result = import_row(directory, line, row)
        summary.add(result)
        if progress:
            progress(result)
    return summary
