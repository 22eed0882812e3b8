"""Folders of records with lines, as the core system exports them (premium invoices, benefit
statements): ``*.csv`` and ``*.json`` files read in name order.

- CSV: one row per line; the rows of a record follow one another and repeat the record's own
  columns, which must then agree.
- JSON: an array of records (or one per line, JSON Lines), each with its ``lines``.

Reading never stops at a bad record: what is wrong is kept on the record (``problems``,
line-numbered) for the import to report; only a file that cannot be read at all raises
``RecordFileError``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from documents import importing
from documents.importing import ManifestError

logger = logging.getLogger(__name__)

SUFFIXES = (".csv", ".json")


class RecordFileError(Exception):
    """The folder or one of its files cannot be read at all."""


@dataclass(frozen=True)
class RecordLayout:
    noun: str  # "invoice", "statement": how the messages name a record
    reference_field: str  # what tells one record from the next
    record_fields: tuple[str, ...]
    line_fields: tuple[str, ...]
    optional_columns: frozenset[str] = frozenset()  # a CSV may leave these out

    @property
    def csv_columns(self) -> tuple[str, ...]:
        return self.record_fields + self.line_fields


@dataclass
class SourceLine:
    line: int  # where it starts in its file
    values: dict[str, str]
    label: str  # "line 7" (CSV) or "line 3, invoice line 2" (JSON)


@dataclass
class SourceRecord:
    layout: RecordLayout
    source: str  # the file's name
    line: int
    values: dict[str, str]
    lines: list[SourceLine] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # found while reading

    @property
    def reference(self) -> str:
        return self.values.get(self.layout.reference_field, "").strip()


def files_in(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise RecordFileError(f"{directory} is not a folder.")
    # A symbolic link could make the import read a file outside the folder it was given.
    files = sorted(path for path in directory.iterdir()
                   if path.suffix.lower() in SUFFIXES and path.is_file()
                   and not path.is_symlink())
    if not files:
        raise RecordFileError(f"{directory} holds no .csv or .json file.")
    return files


def read_records(directory: Path, layout: RecordLayout) -> list[SourceRecord]:
    records: list[SourceRecord] = []
    for path in files_in(directory):
        try:
            if path.suffix.lower() == ".csv":
                records += read_csv(path, layout)
            else:
                records += read_json(path, layout)
        except UnicodeDecodeError as exc:
            raise RecordFileError(f"{path.name} is not UTF-8; export it as UTF-8 and run "
                                  "again.") from exc
    return records


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def read_csv(path: Path, layout: RecordLayout) -> list[SourceRecord]:
    columns = layout.csv_columns
    required = [name for name in columns if name not in layout.optional_columns]
    try:
        rows = importing.read_csv(path, required)
    except ManifestError as exc:
        raise RecordFileError(str(exc)) from exc
    if rows:
        unknown = sorted(str(name) for name in rows[0][1] if name is not None
                         and name not in columns)
        if unknown:
            raise RecordFileError(f"{path.name} has unknown column(s): {', '.join(unknown)}.")
    records: list[SourceRecord] = []
    began: dict[str, int] = {}  # reference → the line its rows began
    current: SourceRecord | None = None
    for number, row in rows:
        values = {name: _text(row.get(name)) for name in columns}
        head = {name: values[name] for name in layout.record_fields}
        if row.get(None):
            record = SourceRecord(layout, path.name, number, head)
            record.problems.append(f"line {number}: more fields than columns (a separator "
                                   "inside a value?)")
            records.append(record)
            current = None
            continue
        reference = head[layout.reference_field]
        if current is None or not reference or reference != current.reference:
            current = SourceRecord(layout, path.name, number, head)
            records.append(current)
            if reference in began:
                current.problems.append(
                    f"line {number}: {layout.noun} {reference} began at line "
                    f"{began[reference]}; the rows of one {layout.noun} must follow one "
                    "another")
            elif reference:
                began[reference] = number
        else:
            for name in layout.record_fields:
                if head[name] != current.values[name]:
                    current.problems.append(
                        f"line {number}: {name} {head[name]!r} differs from line "
                        f"{current.line} ({current.values[name]!r}) of the same {layout.noun}")
        current.lines.append(SourceLine(
            number, {name: values[name] for name in layout.line_fields}, f"line {number}"))
    return records


def read_json(path: Path, layout: RecordLayout) -> list[SourceRecord]:
    text = path.read_text(encoding="utf-8-sig")
    try:
        return [_record_from_json(path.name, number, value, layout)
                for number, value in importing.json_values(text)]
    except ManifestError as exc:
        raise RecordFileError(f"{path.name}: {exc}") from exc


def _record_from_json(source: str, number: int, value: object,
                      layout: RecordLayout) -> SourceRecord:
    if not isinstance(value, dict):
        record = SourceRecord(layout, source, number, {})
        record.problems.append(f"line {number}: a {layout.noun} must be an object")
        return record
    record = SourceRecord(layout, source, number,
                          {name: _text(value.get(name)) for name in layout.record_fields})
    unknown = sorted(set(value) - set(layout.record_fields) - {"lines"})
    if unknown:
        record.problems.append(f"line {number}: unknown field(s) {', '.join(unknown)}")
    lines = value.get("lines")
    if not isinstance(lines, list):
        record.problems.append(f"line {number}: 'lines' must be a list of invoice lines")
        return record
    for position, item in enumerate(lines, start=1):
        label = f"line {number}, invoice line {position}"
        if not isinstance(item, dict):
            record.problems.append(f"{label}: an invoice line must be an object")
            continue
        unknown = sorted(set(item) - set(layout.line_fields))
        if unknown:
            record.problems.append(f"{label}: unknown field(s) {', '.join(unknown)}")
        record.lines.append(SourceLine(number, {name: _text(item.get(name))
                                                for name in layout.line_fields}, label))
    return record


def amount_written(raw: str) -> Decimal | None:
    """The number as written (``1'234.50``, ``CHF 12.35``); None if it is not a finite one.
    An empty value is the caller's to judge (``raw`` stripped first)."""
    text = raw.replace("'", "").replace("’", "").replace("CHF", "").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def delete_orphans(names: list[str], command: str) -> None:
    """Remove the files an import stored before its transaction failed."""
    from core.storage import private_storage

    for name in names:
        try:
            private_storage().delete(name)
        except Exception:  # noqa: BLE001 - cleanup must not hide the original error
            logger.exception("%s: could not delete an orphan file", command)
