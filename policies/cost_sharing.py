"""Cost sharing under basic insurance (KVG/LAMal): the deductible, the 10 % co-payment, caps.

The rules, per insured person and calendar year:

- Only basic insurance (KVG) counts. Supplementary (VVG) benefits follow their own product
  conditions and never touch the deductible or the co-payment.
- An invoice first fills what is left of the year's deductible (the franchise chosen for that
  year: CHF 300 to 2'500 for adults, 0 to 600 for children);
- of the rest, the insured person pays 10 % co-payment (rounded to CHF 0.05) until the year's
  co-payment reaches its cap: CHF 700 for adults, CHF 350 for children;
- the insurer reimburses the remainder.
- The year is the year of treatment: on 1 January deductible and co-payment start again from
  zero, with the franchise chosen for the new year (a change takes effect on 1 January).
- A child is insured as a child up to the end of the year in which they turn 18.

Everything here works on plain values; the archive's figures reach the pages through
``usage_for`` (the apps that hold them register a source, see kptportal/wiring.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from core.money import round_to_5_centimes
from policies.models import Coverage, Line

if TYPE_CHECKING:
    from accounts.models import Customer, InsuredPerson

ZERO = Decimal("0.00")
COPAY_RATE = Decimal("0.10")
COPAY_CAP_ADULT = Decimal("700.00")
COPAY_CAP_CHILD = Decimal("350.00")
ADULT_DEDUCTIBLES = (300, 500, 1000, 1500, 2000, 2500)
CHILD_DEDUCTIBLES = (0, 100, 200, 300, 400, 500, 600)
CHILD_UNTIL_AGE = 18  # inclusive: the year of the 18th birthday is still a child's year


def is_child(birth_date: date, year: int) -> bool:
    return year - birth_date.year <= CHILD_UNTIL_AGE


def copay_cap(birth_date: date, year: int) -> Decimal:
    return COPAY_CAP_CHILD if is_child(birth_date, year) else COPAY_CAP_ADULT


@dataclass(frozen=True)
class YearState:
    """What an insured person has borne so far in one year under basic insurance."""

    year: int
    deductible: Decimal  # chosen for that year
    copay_cap: Decimal
    deductible_used: Decimal = ZERO
    copay_used: Decimal = ZERO
    reimbursed: Decimal = ZERO

    @property
    def deductible_left(self) -> Decimal:
        return max(self.deductible - self.deductible_used, ZERO)

    @property
    def copay_left(self) -> Decimal:
        return max(self.copay_cap - self.copay_used, ZERO)


@dataclass(frozen=True)
class Split:
    """How one billed amount is shared: the four parts add up to ``billed``."""

    billed: Decimal
    deductible: Decimal = ZERO
    copay: Decimal = ZERO
    not_covered: Decimal = ZERO
    reimbursed: Decimal = ZERO

    @property
    def borne_by_insured(self) -> Decimal:
        return self.deductible + self.copay + self.not_covered


def settle_basic(state: YearState, billed: Decimal, *,
                 not_covered: Decimal = ZERO) -> tuple[Split, YearState]:
    """Share a KVG invoice of ``billed`` CHF (of which ``not_covered`` is outside KVG)."""
    billed = Decimal(billed)
    not_covered = min(max(Decimal(not_covered), ZERO), max(billed, ZERO))
    covered = max(billed - not_covered, ZERO)
    deductible = min(covered, state.deductible_left)
    rest = covered - deductible
    copay = min(round_to_5_centimes(rest * COPAY_RATE), state.copay_left, rest)
    reimbursed = rest - copay
    split = Split(billed=billed, deductible=deductible, copay=copay, not_covered=not_covered,
                  reimbursed=reimbursed)
    return split, replace(state, deductible_used=state.deductible_used + deductible,
                          copay_used=state.copay_used + copay,
                          reimbursed=state.reimbursed + reimbursed)


def settle_supplementary(billed: Decimal, *, rate: Decimal) -> Split:
    """A VVG benefit: ``rate`` of the bill reimbursed (to CHF 0.05), the rest not covered."""
    billed = max(Decimal(billed), ZERO)
    reimbursed = min(round_to_5_centimes(billed * rate), billed)
    return Split(billed=billed, not_covered=billed - reimbursed, reimbursed=reimbursed)


# --- The deductible chosen for a year ------------------------------------------------------

def chosen_deductible(coverages: Iterable[Coverage], year: int) -> Decimal | None:
    """The franchise of the basic coverage running on the year's first day it is insured
    (a change of franchise starts a new coverage on 1 January); None without KVG that year."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    running = [c for c in coverages if c.product.line == Line.BASIC and c.start <= last
               and (c.end is None or c.end >= first) and c.franchise is not None]
    if not running:
        return None
    return Decimal(min(running, key=lambda c: c.start).franchise or 0).quantize(Decimal("0.01"))


# --- The year so far, per insured person ---------------------------------------------------

@dataclass(frozen=True)
class Usage:
    """Sums of one person's settled lines in one year: KVG parts and everything reimbursed."""

    deductible: Decimal = ZERO
    copay: Decimal = ZERO
    reimbursed: Decimal = ZERO


@dataclass(frozen=True)
class YearSoFar:
    person: InsuredPerson
    year: int
    deductible: Decimal | None  # chosen; None when the person has no basic insurance
    deductible_used: Decimal
    copay_cap: Decimal
    copay_used: Decimal
    reimbursed: Decimal

    @property
    def deductible_percent(self) -> int:
        return _percent(self.deductible_used, self.deductible)

    @property
    def copay_percent(self) -> int:
        return _percent(self.copay_used, self.copay_cap)

    @property
    def deductible_met(self) -> bool:
        return self.deductible is not None and self.deductible_used >= self.deductible


def _percent(part: Decimal, whole: Decimal | None) -> int:
    if whole is None or whole <= 0:
        return 100 if whole is not None else 0
    return int(min(max(part / whole, Decimal(0)), Decimal(1)) * 100)


def year_so_far(person: InsuredPerson, year: int, *, deductible: Decimal | None,
                usage: Usage) -> YearSoFar:
    """The bars' figures, clipped to what the rules allow (never negative, never over)."""
    cap = copay_cap(person.birth_date, year)
    used = max(usage.deductible, ZERO)
    return YearSoFar(
        person=person, year=year, deductible=deductible,
        deductible_used=min(used, deductible) if deductible is not None else used,
        copay_cap=cap, copay_used=min(max(usage.copay, ZERO), cap),
        reimbursed=max(usage.reimbursed, ZERO))


UsageSource = Callable[["Customer", int], dict[int, Usage]]
_sources: list[UsageSource] = []


def register_usage_source(source: UsageSource) -> None:
    """The archive's settled figures: ``source(customer, year)`` → {person id: Usage}."""
    if source not in _sources:
        _sources.append(source)


def usage_for(customer: Customer, year: int) -> dict[int, Usage]:
    totals: dict[int, Usage] = {}
    for source in _sources:
        for person_id, usage in source(customer, year).items():
            seen = totals.get(person_id, Usage())
            totals[person_id] = Usage(seen.deductible + usage.deductible,
                                      seen.copay + usage.copay,
                                      seen.reimbursed + usage.reimbursed)
    return totals


def year_coverages(customer: Customer, year: int) -> list[Coverage]:
    """The household's coverages running in ``year``, with person and product, in household
    order."""
    return list(Coverage.objects.filter(insured_person__customer=customer)
                .active_in(date(year, 1, 1), date(year, 12, 31))
                .select_related("product", "insured_person")
                .order_by("-insured_person__is_policy_holder", "insured_person__birth_date",
                          "insured_person_id", "start"))


def household_year(customer: Customer, year: int, *,
                   coverages: list[Coverage] | None = None) -> list[YearSoFar]:
    """The year so far of each person insured with us that year, in household order, in two
    queries: the year's coverages (with their persons; none when ``coverages`` gives
    ``year_coverages`` already read) and the settled sums."""
    if coverages is None:
        coverages = year_coverages(customer, year)
    usage = usage_for(customer, year)
    persons: dict[int, tuple[InsuredPerson, list[Coverage]]] = {}
    for coverage in coverages:
        persons.setdefault(coverage.insured_person_id,
                           (coverage.insured_person, []))[1].append(coverage)
    return [year_so_far(person, year, deductible=chosen_deductible(own, year),
                        usage=usage.get(person.pk, Usage()))
            for person, own in persons.values()]
