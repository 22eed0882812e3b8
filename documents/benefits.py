"""Benefit statements as data: recording what a statement settles, reading it back.

The split of each line (deductible, co-payment, not covered, reimbursed) is decided by the
insurer's core system (or, for the demo, by ``policies.cost_sharing``); here the parts are
checked to add up to the billed amount and stored. A line counts in the year of treatment.

Rounding: the billed amount is an invoice's total, which Swiss providers round to the
5-centime coin, so it must be a multiple of CHF 0.05. The parts keep the core system's cents:
an item not covered is priced to the centime and a transfer needs no coin, so the parts only
have to add up to the billed amount exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Prefetch, Q, Sum
from django.utils.translation import gettext_lazy as _

from core.errors import PortalError
from core.money import CENT, FIVE_CENTIMES
from documents.models import BenefitLine, BenefitStatement, Document, PaidTo

if TYPE_CHECKING:
    from accounts.models import Customer

ZERO = Decimal("0.00")
BASIC = "KVG"
LINES = ("KVG", "VVG")


@dataclass(frozen=True)
class LineData:
    treatment_date: date
    provider: str
    line: str
    billed: Decimal
    deductible: Decimal = ZERO
    copay: Decimal = ZERO
    not_covered: Decimal = ZERO
    reimbursed: Decimal = ZERO


@dataclass(frozen=True)
class StatementData:
    lines: list[LineData] = field(default_factory=list)
    paid_to: str = PaidTo.INSURED
    paid_on: date | None = None
    account_hint: str = ""

    @property
    def reimbursed(self) -> Decimal:
        return sum((line.reimbursed for line in self.lines), ZERO)


class InvalidStatement(PortalError):
    message_template = _("Décompte de prestations incohérent: %(reason)s")


def check(data: StatementData) -> None:
    if not data.lines:
        raise InvalidStatement(reason=_("aucune ligne"))
    for line in data.lines:
        parts = (line.billed, line.deductible, line.copay, line.not_covered, line.reimbursed)
        if line.line not in LINES:
            raise InvalidStatement(reason=_("branche inconnue"))
        if any(part < 0 for part in parts):
            raise InvalidStatement(reason=_("montant négatif"))
        if any(part != part.quantize(CENT) for part in parts):
            raise InvalidStatement(reason=_("plus de deux décimales"))
        if line.billed % FIVE_CENTIMES:
            raise InvalidStatement(
                reason=_("montant facturé qui n'est pas arrondi à 5 centimes"))
        if line.deductible + line.copay + line.not_covered + line.reimbursed != line.billed:
            raise InvalidStatement(reason=_("les parts ne font pas le montant facturé"))
        if line.line != BASIC and (line.deductible or line.copay):
            raise InvalidStatement(
                reason=_("franchise ou quote-part sur l'assurance complémentaire"))
    if data.paid_to not in PaidTo.values:
        raise InvalidStatement(reason=_("bénéficiaire inconnu"))


@transaction.atomic
def record_statement(document: Document, data: StatementData) -> BenefitStatement:
    """Attach (or refresh) the figures of ``document``'s benefit statement. Idempotent."""
    check(data)
    statement = BenefitStatement.objects.filter(document=document).first() or BenefitStatement(
        document=document)
    statement.paid_to, statement.paid_on = data.paid_to, data.paid_on
    statement.account_hint = data.account_hint[:30]
    statement.save()
    statement.lines.all().delete()
    BenefitLine.objects.bulk_create([
        BenefitLine(statement=statement, treatment_date=line.treatment_date,
                    provider=line.provider[:120], line=line.line, billed=line.billed,
                    deductible=line.deductible, copay=line.copay,
                    not_covered=line.not_covered, reimbursed=line.reimbursed,
                    position=position)
        for position, line in enumerate(data.lines)])
    return statement


def statement_for_household(customer: Customer, document_pk: int) -> BenefitStatement | None:
    return (BenefitStatement.objects.filter(customer=customer, document_id=document_pk)
            .prefetch_related(Prefetch("lines", queryset=BenefitLine.objects.all()))
            .first())


@dataclass(frozen=True)
class StatementTotals:
    billed: Decimal
    deductible: Decimal
    copay: Decimal
    not_covered: Decimal
    reimbursed: Decimal

    @property
    def borne(self) -> Decimal:
        """What the insured person pays themselves."""
        return self.deductible + self.copay + self.not_covered


def totals(statement: BenefitStatement) -> StatementTotals:
    lines = list(statement.lines.all())
    return StatementTotals(*(sum((getattr(line, name) for line in lines), ZERO) for name in (
        "billed", "deductible", "copay", "not_covered", "reimbursed")))


def year_totals(customer: Customer, year: int) -> dict[int, tuple[Decimal, Decimal, Decimal]]:
    """{insured person id: (KVG deductible, KVG co-payment, reimbursed)} for the treatments
    of ``year``, in one query."""
    basic = Q(line=BASIC)
    rows = (BenefitLine.objects
            .filter(statement__customer=customer, treatment_date__year=year)
            .values("statement__insured_person_id")
            .annotate(deductible=Sum("deductible", filter=basic), copay=Sum("copay", filter=basic),
                      reimbursed=Sum("reimbursed"))
            .order_by())
    return {row["statement__insured_person_id"]: (_cents(row["deductible"]),
                                                  _cents(row["copay"]),
                                                  _cents(row["reimbursed"]))
            for row in rows}


def _cents(total: Decimal | None) -> Decimal:
    """A database sum back to CHF cents (SQLite adds decimals as floats)."""
    return Decimal(total or 0).quantize(CENT)
