"""The rules of a deductible or model change for next year, at their deadlines."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from policies import contract_changes as rules
from policies.contract_changes import (
    FAMILY_DOCTOR,
    HMO,
    STANDARD,
    TELEMEDICINE,
    ZURICH,
    Choice,
)

ADULT = date(1980, 5, 4)
CHILD = date(2015, 3, 1)


def at(year, month, day, hour=12, minute=0, second=0):
    return datetime(year, month, day, hour, minute, second, tzinfo=ZURICH)


def test_adults_and_children_are_offered_their_deductibles():
    assert rules.allowed_deductibles(ADULT, 2027) == (300, 500, 1000, 1500, 2000, 2500)
    assert rules.allowed_deductibles(CHILD, 2027) == (0, 100, 200, 300, 400, 500, 600)


def test_a_child_turning_19_next_year_is_offered_the_adults_deductibles():
    born = date(2008, 12, 31)
    assert rules.allowed_deductibles(born, 2026) == rules.CHILD_DEDUCTIBLES  # 18 in 2026
    assert rules.allowed_deductibles(born, 2027) == rules.ADULT_DEDUCTIBLES  # 19 in 2027


def test_a_higher_deductible_is_accepted_until_31_december_at_midnight():
    change = rules.check(Choice(STANDARD, 300), Choice(STANDARD, 2500), birth_date=ADULT,
                         now=at(2026, 12, 31, 23, 59, 59))
    assert change.effective_on == date(2027, 1, 1)


def test_on_1_january_a_higher_deductible_is_for_the_year_after():
    change = rules.check(Choice(STANDARD, 300), Choice(STANDARD, 2500), birth_date=ADULT,
                         now=at(2027, 1, 1, 0, 0, 0))
    assert change.effective_on == date(2028, 1, 1)


def test_a_lower_deductible_is_accepted_on_30_november_until_23_59_zurich_time():
    change = rules.check(Choice(STANDARD, 2500), Choice(STANDARD, 300), birth_date=ADULT,
                         now=at(2026, 11, 30, 23, 59, 59))
    assert change.effective_on == date(2027, 1, 1)


def test_30_november_23_59_in_zurich_is_already_1_december_in_utc_terms_of_nothing():
    # 22:59:59 UTC on 30 November is 23:59:59 in Zurich (winter time): still in time.
    from datetime import UTC

    now = datetime(2026, 11, 30, 22, 59, 59, tzinfo=UTC)
    assert rules.check(Choice(STANDARD, 2500), Choice(STANDARD, 300), birth_date=ADULT,
                       now=now).effective_on == date(2027, 1, 1)
    late = datetime(2026, 11, 30, 23, 0, 0, tzinfo=UTC)  # midnight in Zurich
    with pytest.raises(rules.TooLateForLower):
        rules.check(Choice(STANDARD, 2500), Choice(STANDARD, 300), birth_date=ADULT, now=late)


def test_a_lower_deductible_on_1_december_is_refused_with_the_reason():
    with pytest.raises(rules.TooLateForLower) as refused:
        rules.check(Choice(STANDARD, 2500), Choice(STANDARD, 300), birth_date=ADULT,
                    now=at(2026, 12, 1, 0, 0, 0))
    assert "30 novembre 2026" in refused.value.message
    assert "1er janvier 2027" in refused.value.message


def test_a_model_change_on_1_december_is_refused_even_with_a_higher_deductible():
    with pytest.raises(rules.TooLateForLower):
        rules.check(Choice(STANDARD, 300), Choice(HMO, 2500), birth_date=ADULT,
                    now=at(2026, 12, 1, 9))


def test_a_model_change_on_30_november_is_accepted():
    change = rules.check(Choice(STANDARD, 300), Choice(TELEMEDICINE, 300), birth_date=ADULT,
                         now=at(2026, 11, 30, 23, 59))
    assert change.model_changes and not change.deductible_changes


def test_back_from_an_alternative_model_to_standard_by_30_november_only():
    assert rules.check(Choice(FAMILY_DOCTOR, 1000), Choice(STANDARD, 1000), birth_date=ADULT,
                       now=at(2026, 11, 30)).new.model == STANDARD
    with pytest.raises(rules.TooLateForLower):
        rules.check(Choice(FAMILY_DOCTOR, 1000), Choice(STANDARD, 1000), birth_date=ADULT,
                    now=at(2026, 12, 1))


def test_asking_for_what_one_already_has_is_refused():
    with pytest.raises(rules.NothingChanges):
        rules.check(Choice(STANDARD, 1500), Choice(STANDARD, 1500), birth_date=ADULT,
                    now=at(2026, 6, 1))


def test_same_day_requests_are_judged_by_the_local_day_only():
    morning = rules.check(Choice(STANDARD, 300), Choice(STANDARD, 500), birth_date=ADULT,
                          now=at(2026, 12, 31, 0, 0, 0))
    evening = rules.check(Choice(STANDARD, 300), Choice(STANDARD, 500), birth_date=ADULT,
                          now=at(2026, 12, 31, 23, 59, 59))
    assert morning == evening


def test_an_adult_deductible_for_a_child_is_refused_with_the_allowed_list():
    with pytest.raises(rules.DeductibleNotOffered) as refused:
        rules.check(Choice(STANDARD, 0), Choice(STANDARD, 1000), birth_date=CHILD,
                    now=at(2026, 6, 1))
    assert "0, 100, 200, 300, 400, 500, 600" in refused.value.message


def test_a_child_deductible_for_a_child_turning_19_is_refused():
    with pytest.raises(rules.DeductibleNotOffered):
        rules.check(Choice(STANDARD, 0), Choice(STANDARD, 600), birth_date=date(2008, 2, 1),
                    now=at(2026, 6, 1))


def test_a_child_turning_19_starts_from_the_adults_lowest_deductible():
    born = date(2008, 2, 1)
    with pytest.raises(rules.NothingChanges):
        rules.check(Choice(STANDARD, 0), Choice(STANDARD, 300), birth_date=born,
                    now=at(2026, 12, 15))
    # 500 is higher than the 300 they will have: still possible in December.
    change = rules.check(Choice(STANDARD, 0), Choice(STANDARD, 500), birth_date=born,
                         now=at(2026, 12, 15))
    assert change.unchanged == Choice(STANDARD, 300)


def test_an_unknown_model_is_refused():
    with pytest.raises(rules.ModelNotOffered):
        rules.check(Choice(STANDARD, 300), Choice("KVG-XYZ", 300), birth_date=ADULT,
                    now=at(2026, 6, 1))


def test_after_30_november_only_higher_deductibles_and_the_same_model_are_open():
    deductibles, models = rules.open_choices(Choice(HMO, 1000), birth_date=ADULT,
                                             now=at(2026, 12, 1))
    assert deductibles == (1000, 1500, 2000, 2500) and models == (HMO,)
    deductibles, models = rules.open_choices(Choice(HMO, 1000), birth_date=ADULT,
                                             now=at(2026, 11, 30))
    assert deductibles == rules.ADULT_DEDUCTIBLES and set(models) == set(rules.MODELS)


def test_the_new_premium_and_the_yearly_difference_are_in_5_centimes():
    change = rules.check(Choice(STANDARD, 300), Choice(STANDARD, 2500), birth_date=ADULT,
                         now=at(2026, 12, 10))
    assert change.unchanged_premium == Decimal("486.50")
    # 486.50 - 0.70 × 2200 / 12 = 358.17 → 358.15
    assert change.new_premium == Decimal("358.15")
    assert change.yearly_difference == Decimal("-1540.20")
    for amount in (change.new_premium, change.unchanged_premium, change.yearly_difference):
        assert amount % Decimal("0.05") == 0


def test_alternative_models_cost_less_than_standard():
    standard = rules.monthly_premium(STANDARD, 1000, birth_date=ADULT, year=2027)
    for model in (FAMILY_DOCTOR, HMO, TELEMEDICINE):
        assert rules.monthly_premium(model, 1000, birth_date=ADULT, year=2027) < standard


def test_young_adults_and_children_have_their_own_premiums():
    adult = rules.monthly_premium(STANDARD, 300, birth_date=ADULT, year=2027)
    young = rules.monthly_premium(STANDARD, 300, birth_date=date(2005, 1, 1), year=2027)
    child = rules.monthly_premium(STANDARD, 0, birth_date=CHILD, year=2027)
    assert child < young < adult
