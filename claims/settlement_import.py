"""Benefit statements from the core system, and the claims they settle (``import_settlements``).

A folder holds ``*.csv`` and ``*.json`` files (read in name order); each describes statements
line by line (README, "Import of settlements"). Per statement, in one transaction:

1. check every value, line-numbered: the household, the insured person, the dates, the
   amounts (CHF, two decimals, the billed total a multiple of 0.05, the parts adding up to
   it), the claims (of this household and person, accepted, not settled by another
   statement);
2. print its letter (``documents.statement_letters``) and archive it as the statement's PDF,
   then record its figures (``documents.benefits.record_statement``); a payout to the insured
   names their payout account in force now, masked;
3. move each claim it settles to "settled" through ``claims.lifecycle.settle`` (history,
   audit, the statement linked);
4. tell the household, without content (``notifications``): the claim's notification, or the
   new document's when no claim was settled.

A statement whose reference is already in the archive is skipped, so the command can simply
be run again after a crash; a later run may still bring its payout date. A bad statement is
reported with its file and line and the others go on; the exit status is then non-zero.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation

from accounts.models import Customer, InsuredPerson
from accounts.payout import masked_hint
from claims import lifecycle
from claims.models import Claim, ClaimStatus
from core.dates import parse_written_date
from core.errors import PortalError
from core.money import CENT, FIVE_CENTIMES
from documents import benefits, importing, statement_letters
from documents.importing import RowResult, Summary
from documents.models import BenefitStatement, DocumentType, PaidTo
from documents.record_files import (
    RecordLayout,
    SourceLine,
    SourceRecord,
    amount_written,
    delete_orphans,
    read_records,
)
from documents.storing import store_document
from notifications.activity import notify_new_activity

logger = logging.getLogger(__name__)

STATEMENTS = RecordLayout(
    noun="statement", reference_field="statement_reference",
    record_fields=("statement_reference", "contract_or_customer_number", "insured_number",
                   "issue_date", "paid_to", "paid_on"),
    line_fields=("claim", "provider", "treatment_date", "line", "billed", "deductible",
                 "copay", "not_covered", "reimbursed"))
PAID_TO = {"insured": PaidTo.INSURED, "provider": PaidTo.PROVIDER}
CLAIM_NUMBER = re.compile(r"#?\s*(\d{1,12})")
MAX_LINES = 200


class StatementError(Exception):
    """One statement cannot be imported; the message says why (and on which line)."""


@dataclass
class StatementResult(RowResult):
    source: str = ""
    reference: str = ""
    settled: list[int] = field(default_factory=list)


# --- Reading the files ----------------------------------------------------------------------


def read_statements(directory: Path) -> list[SourceRecord]:
    return read_records(directory, STATEMENTS)


# --- Checking one statement -----------------------------------------------------------------


def _date(label: str, name: str, raw: str, *, required: bool = True) -> date | None:
    if not raw and not required:
        return None
    day = parse_written_date(raw)
    if day is not None:
        return day
    raise StatementError(f"{label}: {name} {raw!r} is not a date (dd.mm.yyyy or yyyy-mm-dd)")


def _amount(label: str, name: str, raw: str, *, required: bool = False) -> Decimal:
    if not raw.replace("CHF", "").strip():
        if required:
            raise StatementError(f"{label}: {name} is empty")
        return benefits.ZERO
    amount = amount_written(raw)
    if amount is None:
        raise StatementError(f"{label}: {name} {raw!r} is not an amount")
    if amount < 0:
        raise StatementError(f"{label}: {name} {amount} is negative")
    if amount != amount.quantize(CENT):
        raise StatementError(f"{label}: {name} {raw!r} has more than two decimals")
    return amount.quantize(CENT)


@dataclass
class CheckedStatement:
    customer: Customer
    person: InsuredPerson
    reference: str
    issue_date: date
    data: benefits.StatementData
    claims: dict[int, Claim]  # line position → the claim it settles


def check_statement(statement: SourceRecord, today: date) -> CheckedStatement:
    """Every value of ``statement``, or StatementError naming the first wrong one."""
    if statement.problems:
        raise StatementError(statement.problems[0])
    label = f"line {statement.line}"
    values = statement.values
    reference = statement.reference
    if not reference:
        raise StatementError(f"{label}: statement_reference is empty")
    if len(reference) > 60:
        raise StatementError(f"{label}: statement_reference is longer than 60 characters")
    try:
        customer = importing.customer_of(values.get("contract_or_customer_number"))
        person = importing.insured_person_of(customer, values.get("insured_number"))
    except importing.RowError as exc:
        raise StatementError(f"{label}: {exc}") from None
    issue_date = _date(label, "issue_date", values["issue_date"])
    assert issue_date is not None  # noqa: S101 - required
    if issue_date > today:
        raise StatementError(f"{label}: issue_date {issue_date:%d.%m.%Y} is in the future")
    paid_to = PAID_TO.get(values["paid_to"].lower())
    if paid_to is None:
        raise StatementError(f"{label}: paid_to must be insured or provider, got "
                             f"{values['paid_to']!r}")
    paid_on = _date(label, "paid_on", values["paid_on"], required=False)
    if paid_on is not None and paid_on > today:
        raise StatementError(f"{label}: paid_on {paid_on:%d.%m.%Y} is in the future; leave it "
                             "empty until the money is paid out")
    if not statement.lines:
        raise StatementError(f"{label}: the statement has no invoice line")
    if len(statement.lines) > MAX_LINES:
        raise StatementError(f"{label}: more than {MAX_LINES} invoice lines")
    lines: list[benefits.LineData] = []
    claims: dict[int, Claim] = {}
    for position, source in enumerate(statement.lines):
        line, claim = _check_line(source, customer, person, issue_date)
        if claim is not None:
            if claim.pk in {known.pk for known in claims.values()}:
                raise StatementError(f"{source.label}: claim #{claim.pk} is settled twice in "
                                     "this statement")
            claims[position] = claim
        lines.append(line)
    data = benefits.StatementData(lines=lines, paid_to=paid_to, paid_on=paid_on)
    try:
        benefits.check(data)
    except benefits.InvalidStatement as exc:  # pragma: no cover - the checks above say it first
        raise StatementError(f"{label}: {exc}") from None
    return CheckedStatement(customer, person, reference, issue_date, data, claims)


def _check_line(source: SourceLine, customer: Customer, person: InsuredPerson,
                issue_date: date) -> tuple[benefits.LineData, Claim | None]:
    label, values = source.label, source.values
    provider = values["provider"]
    if not provider:
        raise StatementError(f"{label}: provider is empty")
    if len(provider) > 120:
        raise StatementError(f"{label}: provider is longer than 120 characters")
    treated = _date(label, "treatment_date", values["treatment_date"])
    assert treated is not None  # noqa: S101 - required
    if treated > issue_date:
        raise StatementError(f"{label}: treatment_date {treated:%d.%m.%Y} is after the "
                             f"statement's issue_date {issue_date:%d.%m.%Y}")
    kind = values["line"].upper()
    if kind not in benefits.LINES:
        raise StatementError(f"{label}: line must be KVG or VVG, got {values['line']!r}")
    billed = _amount(label, "billed", values["billed"], required=True)
    deductible = _amount(label, "deductible", values["deductible"])
    copay = _amount(label, "copay", values["copay"])
    not_covered = _amount(label, "not_covered", values["not_covered"])
    reimbursed = _amount(label, "reimbursed", values["reimbursed"], required=True)
    if billed % FIVE_CENTIMES:
        raise StatementError(f"{label}: billed {billed} is an invoice total and must be a "
                             "multiple of 0.05")
    parts = deductible + copay + not_covered + reimbursed
    if parts != billed:
        raise StatementError(
            f"{label}: deductible {deductible} + copay {copay} + not_covered {not_covered} + "
            f"reimbursed {reimbursed} = {parts}, not the billed {billed}")
    if kind != benefits.BASIC and (deductible or copay):
        raise StatementError(f"{label}: a VVG line has no deductible or copay")
    line = benefits.LineData(treatment_date=treated, provider=provider, line=kind,
                             billed=billed, deductible=deductible, copay=copay,
                             not_covered=not_covered, reimbursed=reimbursed)
    return line, _claim(label, values["claim"], customer, person)


def _claim(label: str, raw: str, customer: Customer, person: InsuredPerson) -> Claim | None:
    if not raw:
        return None
    match = CLAIM_NUMBER.fullmatch(raw)
    if match is None:
        raise StatementError(f"{label}: claim {raw!r} is not a claim number (#42 or 42)")
    claim = Claim.objects.select_for_update().filter(pk=int(match[1])).first()
    if claim is None:
        raise StatementError(f"{label}: no claim #{match[1]}")
    if claim.customer_id != customer.pk:
        raise StatementError(f"{label}: claim #{claim.pk} is not a claim of customer "
                             f"{customer.customer_number}")
    if claim.insured_person_id != person.pk:
        raise StatementError(f"{label}: claim #{claim.pk} is for another insured person than "
                             f"{person.insured_number}")
    if claim.settlement_id is not None:
        raise StatementError(f"{label}: claim #{claim.pk} is already settled by another "
                             "statement")
    if claim.status not in (ClaimStatus.ACCEPTED, ClaimStatus.SETTLED):
        raise StatementError(f"{label}: claim #{claim.pk} is {claim.status}, not accepted")
    return claim


# --- Importing one statement ----------------------------------------------------------------


def import_statement(statement: SourceRecord, *, today: date | None = None
                     ) -> StatementResult:
    """Check, archive and record one statement and settle its claims, in one transaction."""
    today = today or timezone.localdate()
    result = StatementResult(statement.line, "error", source=statement.source,
                             reference=statement.reference)
    stored: list[str] = []
    try:
        with transaction.atomic():
            outcome = _import(statement, today, stored)
        result.status, result.message, result.settled = outcome
    except StatementError as exc:
        result.message = str(exc)
    except PortalError as exc:  # a rule of the lifecycle said no after all
        result.message = f"line {statement.line}: {exc.message}"
    except Exception as exc:  # one broken statement must not stop the batch
        logger.exception("import_settlements: %s line %s failed", statement.source,
                         statement.line)
        result.message = (f"line {statement.line}: unexpected error: "
                          f"{exc.__class__.__name__}: {exc}")
    if result.status == "error":
        _delete_files(stored)  # the row was rolled back: no orphan file stays behind
    return result


def _import(statement: SourceRecord, today: date,
            stored: list[str]) -> tuple[str, str, list[int]]:
    if statement.problems:  # as read, before a run again finds it in the archive
        raise StatementError(statement.problems[0])
    existing = _existing(statement.reference)
    if existing is not None:
        return _again(statement, existing, today)
    checked = check_statement(statement, today)
    # One statement of a household at a time: a second run waits here, then finds it.
    Customer.objects.select_for_update().filter(pk=checked.customer.pk).first()
    if _existing(checked.reference) is not None:
        return "skipped", f"{checked.reference} already imported", []
    data = checked.data
    if data.paid_to == PaidTo.INSURED:
        data = benefits.StatementData(lines=data.lines, paid_to=data.paid_to,
                                      paid_on=data.paid_on,
                                      account_hint=masked_hint(checked.customer))
    customer, person = checked.customer, checked.person
    with translation.override(customer.language):
        letter = statement_letters.statement_letter(person, checked.reference, data)
        pdf = statement_letters.statement_pdf(customer, checked.issue_date, letter)
    document, created = store_document(
        insured_person=person, type=DocumentType.BENEFIT_STATEMENT,
        issue_date=checked.issue_date, title=letter.title, reference=checked.reference,
        source=ContentFile(pdf), file_name=f"{checked.reference}.pdf", notify=False)
    if created:
        stored.append(document.file.name)
    record = benefits.record_statement(document, data)
    settled = []
    for position, claim in checked.claims.items():
        lifecycle.settle(claim, statement=record, position=position)
        settled.append(claim.pk)
    if not settled:
        notify_new_activity(customer, reason="document")
    message = f"{customer.customer_number} {checked.reference}: {len(data.lines)} line(s)"
    if settled:
        message += ", settles " + ", ".join(f"#{pk}" for pk in settled)
    return "imported", message, settled


def _existing(reference: str) -> BenefitStatement | None:
    if not reference:
        return None
    return (BenefitStatement.objects.select_related("customer")
            .filter(document__type=DocumentType.BENEFIT_STATEMENT,
                    document__reference=reference).first())


def _again(statement: SourceRecord, existing: BenefitStatement,
           today: date) -> tuple[str, str, list[int]]:
    """A statement already in the archive: skipped, unless this run brings its payout date."""
    label = f"line {statement.line}"
    number = statement.values.get("contract_or_customer_number", "").strip()
    if number and number not in (existing.customer.customer_number,
                                 getattr(existing.customer.account, "username", None)):
        raise StatementError(f"{label}: statement {statement.reference} is already in the "
                             f"archive for another customer")
    paid_on = _date(label, "paid_on", statement.values.get("paid_on", ""), required=False)
    if paid_on is None or existing.paid_on == paid_on:
        return "skipped", f"{statement.reference} already imported", []
    if existing.paid_on is not None:
        raise StatementError(f"{label}: {statement.reference} was paid out on "
                             f"{existing.paid_on:%d.%m.%Y}, not {paid_on:%d.%m.%Y}")
    if paid_on > today:
        raise StatementError(f"{label}: paid_on {paid_on:%d.%m.%Y} is in the future")
    existing.paid_on = paid_on
    existing.save(update_fields=["paid_on"])
    return "imported", f"{statement.reference}: paid out on {paid_on:%d.%m.%Y}", []


def _delete_files(names: list[str]) -> None:
    delete_orphans(names, "import_settlements")


def import_statements(statements: list[SourceRecord],
                      progress: Callable[[StatementResult], object] | None = None
                      ) -> tuple[Summary, list[StatementResult]]:
    summary, results = Summary(), []
    for statement in statements:
        result = import_statement(statement)
        summary.add(result)
        results.append(result)
        if progress:
            progress(result)
    return summary, results
