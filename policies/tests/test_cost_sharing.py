"""The KVG cost-sharing rules, as properties: never negative, caps held, parts add up."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies import cost_sharing as cs
from policies.models import Line

amounts = st.decimals(min_value=0, max_value=20000, places=2, allow_nan=False)
adult_deductibles = st.sampled_from(cs.ADULT_DEDUCTIBLES).map(lambda n: Decimal(n))
child_deductibles = st.sampled_from(cs.CHILD_DEDUCTIBLES).map(lambda n: Decimal(n))


def settle_all(state, bills):
    splits = []
    for billed, not_covered in bills:
        split, state = cs.settle_basic(state, billed, not_covered=not_covered)
        splits.append(split)
    return splits, state


bills = st.lists(st.tuples(amounts, amounts), max_size=25)


@given(deductible=adult_deductibles, bills=bills)
def test_an_adults_year_never_goes_negative_nor_over_its_caps(deductible, bills):
    state = cs.YearState(year=2026, deductible=deductible, copay_cap=cs.COPAY_CAP_ADULT)
    splits, end = settle_all(state, bills)
    for split in splits:
        parts = (split.deductible, split.copay, split.not_covered, split.reimbursed)
        assert all(part >= 0 for part in parts)
        assert sum(parts) == split.billed
    assert end.deductible_used == sum(s.deductible for s in splits) <= deductible
    assert end.copay_used == sum(s.copay for s in splits) <= Decimal("700")
    assert end.reimbursed == sum(s.reimbursed for s in splits)


@given(deductible=child_deductibles, bills=bills)
def test_a_childs_co_payment_stops_at_350(deductible, bills):
    state = cs.YearState(year=2026, deductible=deductible, copay_cap=cs.COPAY_CAP_CHILD)
    _splits, end = settle_all(state, bills)
    assert end.copay_used <= Decimal("350") and end.deductible_used <= deductible


@given(deductible=adult_deductibles, billed=amounts)
def test_the_deductible_is_filled_before_any_co_payment(deductible, billed):
    state = cs.YearState(year=2026, deductible=deductible, copay_cap=cs.COPAY_CAP_ADULT)
    split, _ = cs.settle_basic(state, billed)
    if split.copay:
        assert split.deductible == deductible
    assert split.deductible == min(billed, deductible)


@given(billed=amounts)
def test_the_co_payment_is_ten_percent_rounded_to_five_centimes(billed):
    state = cs.YearState(year=2026, deductible=Decimal(0), copay_cap=Decimal("1e9"))
    split, _ = cs.settle_basic(state, billed)
    assert split.copay % Decimal("0.05") == 0
    assert abs(split.copay - billed / 10) <= Decimal("0.025")


def test_a_big_invoice_fills_the_deductible_then_the_cap():
    state = cs.YearState(year=2026, deductible=Decimal(300), copay_cap=cs.COPAY_CAP_ADULT)
    split, state = cs.settle_basic(state, Decimal("10300.00"))
    assert (split.deductible, split.copay, split.reimbursed) == (
        Decimal(300), Decimal(700), Decimal("9300.00"))
    split, state = cs.settle_basic(state, Decimal("50.00"))
    assert (split.deductible, split.copay, split.reimbursed) == (0, 0, Decimal("50.00"))


@given(billed=amounts, rate=st.sampled_from([Decimal("0.5"), Decimal("0.75"), Decimal(1)]))
def test_supplementary_benefits_never_use_deductible_or_co_payment(billed, rate):
    split = cs.settle_supplementary(billed, rate=rate)
    assert split.deductible == split.copay == 0
    assert split.reimbursed + split.not_covered == split.billed and split.reimbursed >= 0


@given(birth=st.dates(min_value=date(1930, 1, 1), max_value=date(2026, 12, 31)),
       year=st.integers(min_value=2000, max_value=2040))
def test_children_are_children_until_the_end_of_the_year_they_turn_18(birth, year):
    expected = cs.COPAY_CAP_CHILD if year - birth.year <= 18 else cs.COPAY_CAP_ADULT
    assert cs.copay_cap(birth, year) == expected


def _coverage(franchise, start, end=None, line=Line.BASIC):
    return SimpleNamespace(product=SimpleNamespace(line=line), franchise=franchise,
                           start=start, end=end)


def test_a_deductible_change_takes_effect_with_the_new_year():
    coverages = [_coverage(300, date(2020, 1, 1), date(2025, 12, 31)),
                 _coverage(2500, date(2026, 1, 1)),
                 _coverage(None, date(2020, 1, 1), line=Line.SUPPLEMENTARY)]
    assert cs.chosen_deductible(coverages, 2025) == Decimal(300)
    assert cs.chosen_deductible(coverages, 2026) == Decimal(2500)
    assert cs.chosen_deductible(coverages, 2019) is None


@given(used=st.decimals(min_value=-100, max_value=5000, places=2),
       copay=st.decimals(min_value=-100, max_value=5000, places=2),
       deductible=adult_deductibles)
def test_the_bars_stay_between_zero_and_full(used, copay, deductible):
    person = SimpleNamespace(birth_date=date(1980, 1, 1))
    year = cs.year_so_far(person, 2026, deductible=deductible,
                          usage=cs.Usage(deductible=used, copay=copay))
    assert 0 <= year.deductible_used <= deductible and 0 <= year.copay_used <= 700
    assert 0 <= year.deductible_percent <= 100 and 0 <= year.copay_percent <= 100


@pytest.mark.parametrize("deductible, used, percent", [(300, 150, 50), (0, 0, 100),
                                                       (2500, 2500, 100)])
def test_percent_of_the_deductible(deductible, used, percent):
    person = SimpleNamespace(birth_date=date(2015, 1, 1))
    year = cs.year_so_far(person, 2026, deductible=Decimal(deductible),
                          usage=cs.Usage(deductible=Decimal(used)))
    assert year.deductible_percent == percent and year.copay_cap == 350
