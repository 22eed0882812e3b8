"""The 5% online discount and the monthly premiums it produces.

The rule (design.md): 5% on each supplementary (VVG) coverage whose product is
eligible, while the account is registered on the portal and its correspondence preference
is "online only". Never on basic insurance (KVG). The discount is rounded to CHF 0.05 half
up; net = gross − discount.

Month boundaries: the discount starts on the first day of the month AFTER the switch to
paperless and ends at the end of the month the customer switches back. Equivalently, a month
is discounted when the preference in force just before its first day (the last recorded
change dated, in Swiss local time, before that day) is "online only" and the account was
registered on the portal before that day. Without any recorded change the preference counts
as postal mail: paperless is only rewarded once it is in the history
(``accounts.profile.set_correspondence`` records every switch).

A coverage counts for a month when it runs at least one day of that month; its full monthly
premium is shown (pro-rata for partial months is the core system's business).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from accounts.models import Correspondence, Customer
from core.money import round_to_5_centimes
from policies.models import Coverage, Line, Product

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import InsuredPerson

DISCOUNT_RATE = Decimal("0.05")
ZERO = Decimal("0.00")


# --- Months ----------------------------------------------------------------------------

def first_of_month(day: date) -> date:
    return day.replace(day=1)


def last_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def parse_month(text: str) -> date:
    """``2026-03`` → ``date(2026, 3, 1)``; ValueError otherwise."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m").date()
    except (ValueError, AttributeError) as exc:
        raise ValueError(f"month must look like YYYY-MM, got {text!r}") from exc


def current_month() -> date:
    return first_of_month(timezone.localdate())


def _local_date(moment: datetime | date) -> date:
    if isinstance(moment, datetime):
        return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    return moment


# --- The rule, on plain values ------------------------------------------------------------

def preference_before(day: date, changes: Iterable[tuple[datetime | date, str]]) -> str:
    """The preference in force at the start of ``day``: the last change dated before it."""
    preference = Correspondence.POST.value
    for changed_at, value in sorted(changes, key=lambda change: _sort_key(change[0])):
        if _local_date(changed_at) < day:
            preference = value
    return preference


def _sort_key(moment: datetime | date) -> datetime:
    if isinstance(moment, datetime):
        return timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return datetime(moment.year, moment.month, moment.day)


def discount_applies(
    month: date,
    *,
    registered_at: datetime | date | None,
    changes: Iterable[tuple[datetime | date, str]],
) -> bool:
    """Whether the online discount runs in ``month`` (any day of it will do)."""
    first = first_of_month(month)
    if registered_at is None or _local_date(registered_at) >= first:
        return False
    return preference_before(first, changes) == Correspondence.ONLINE


def coverage_discount(gross: Decimal, *, line: str, eligible: bool, online: bool) -> Decimal:
    """The monthly discount on one coverage: 5% rounded to CHF 0.05, or nothing."""
    if not online or not eligible or line != Line.SUPPLEMENTARY or gross <= 0:
        return ZERO
    return min(round_to_5_centimes(Decimal(gross) * DISCOUNT_RATE), Decimal(gross))


# --- Statements ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PremiumLine:
    coverage: Coverage
    gross: Decimal
    discount: Decimal

    @property
    def net(self) -> Decimal:
        return self.gross - self.discount

    @property
    def insured_person(self) -> InsuredPerson:
        return self.coverage.insured_person

    @property
    def product(self) -> Product:
        return self.coverage.product

    @property
    def discount_eligible(self) -> bool:
        return is_discount_eligible(self.coverage)


@dataclass(frozen=True)
class PremiumStatement:
    customer: Customer
    month: date
    online_discount: bool
    lines: list[PremiumLine] = field(default_factory=list)

    @property
    def monthly_gross(self) -> Decimal:
        return sum((line.gross for line in self.lines), ZERO)

    @property
    def monthly_discount(self) -> Decimal:
        return sum((line.discount for line in self.lines), ZERO)

    @property
    def monthly_total(self) -> Decimal:
        return self.monthly_gross - self.monthly_discount

    @property
    def yearly_total(self) -> Decimal:
        return self.monthly_total * 12

    @property
    def yearly_discount(self) -> Decimal:
        return self.monthly_discount * 12

    def by_person(self) -> list[tuple[InsuredPerson, list[PremiumLine]]]:
        """[(insured person, their lines)] in household order, persons without lines too."""
        groups: dict[int, list[PremiumLine]] = {}
        for line in self.lines:
            groups.setdefault(line.coverage.insured_person_id, []).append(line)
        return [(person, groups.get(person.pk, []))
                for person in self.customer.insured_persons.all()]


def is_discount_eligible(coverage: Coverage) -> bool:
    product = coverage.product
    return product.line == Line.SUPPLEMENTARY and product.online_discount_eligible


def _changes(customer: Customer) -> list[tuple[datetime, str]]:
    return [(change.changed_at, change.preference)
            for change in customer.correspondence_changes.all()]


def household_coverages(customer: Customer, month: date) -> QuerySet[Coverage]:
    """The household's coverages running in ``month``, with person and product loaded."""
    return (Coverage.objects
            .filter(insured_person__customer=customer)
            .active_in(first_of_month(month), last_of_month(month))
            .select_related("product", "insured_person")
            .order_by("insured_person__customer_id", "-insured_person__is_policy_holder",
                      "insured_person__birth_date", "insured_person_id",
                      "product__line", "product__code"))


def running_in(coverages: Iterable[Coverage], month: date) -> list[Coverage]:
    """The coverages among ``coverages`` (loaded with person and product, e.g. the year's)
    running in ``month``, in the order of ``household_coverages``: no query."""
    first_day, last_day = first_of_month(month), last_of_month(month)
    running = [coverage for coverage in coverages if coverage.start <= last_day
               and (coverage.end is None or coverage.end >= first_day)]
    return sorted(running, key=lambda coverage: (
        coverage.insured_person.customer_id, not coverage.insured_person.is_policy_holder,
        coverage.insured_person.birth_date, coverage.insured_person_id, coverage.product.line,
        coverage.product.code))


def online_discount_in(customer: Customer, month: date) -> bool:
    return discount_applies(month, registered_at=customer.portal_registered_at,
                            changes=_changes(customer))


def monthly_premiums(customer: Customer, month: date | None = None, *,
                     online: bool | None = None,
                     coverages: Iterable[Coverage] | None = None) -> PremiumStatement:
    """The household's premiums for ``month`` (default: this month).

    ``online`` forces the discount on or off (to compute "what if"); by default the
    registration and the preference history decide. ``coverages``: the household's
    coverages of a period that holds the month, already loaded (the page's year so far reads
    the year's): the month's are taken from them instead of queried.
    """
    month = first_of_month(month or current_month())
    if online is None:
        online = online_discount_in(customer, month)
    lines = [
        PremiumLine(
            coverage=coverage,
            gross=coverage.monthly_premium,
            discount=coverage_discount(coverage.monthly_premium, line=coverage.product.line,
                                       eligible=coverage.product.online_discount_eligible,
                                       online=online),
        )
        for coverage in (household_coverages(customer, month) if coverages is None
                         else running_in(coverages, month))
    ]
    return PremiumStatement(customer=customer, month=month, online_discount=online, lines=lines)


def yearly_saving_if_paperless(customer: Customer, month: date | None = None, *,
                               statement: PremiumStatement | None = None) -> Decimal:
    """What going paperless would save over twelve months of this month's coverages.

    Pass the month's ``statement`` when it is already computed (saves its queries).
    """
    statement = statement or monthly_premiums(customer, month)
    if customer.portal_registered_at is None:
        return ZERO
    possible = sum((coverage_discount(line.gross, line=line.product.line,
                                      eligible=line.product.online_discount_eligible,
                                      online=True)
                    for line in statement.lines), ZERO)
    return (possible - statement.monthly_discount) * 12


def upcoming_discount(customer: Customer,
                      statement: PremiumStatement) -> PremiumStatement | None:
    """Paperless chosen but not rewarded yet: the statement of the month the discount starts.

    Per the rule above that is the 1st of the month after the switch; None when the discount
    already runs, or when the customer receives paper mail.
    """
    if statement.online_discount or customer.correspondence != Correspondence.ONLINE:
        return None
    following = next_month(statement.month)
    if not online_discount_in(customer, following):
        return None
    return monthly_premiums(customer, following)


def discount_ends_on(customer: Customer, statement: PremiumStatement) -> date | None:
    """Back to paper mail this month: the discount's last day (the month's end), else None."""
    if not statement.online_discount or customer.correspondence == Correspondence.ONLINE:
        return None
    if online_discount_in(customer, next_month(statement.month)):
        return None
    return last_of_month(statement.month)
