"""The online discount rule: amounts, who gets it, and from which month to which."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import Correspondence
from accounts.profile import set_correspondence
from policies import cost_sharing, discounts
from policies.discounts import coverage_discount, discount_applies
from policies.models import Line
from policies.tests.factories import BasicProductFactory, CoverageFactory, ProductFactory

ZURICH = ZoneInfo("Europe/Zurich")
ONLINE, POST = Correspondence.ONLINE.value, Correspondence.POST.value
REGISTERED = datetime(2020, 1, 1, tzinfo=ZURICH)
premiums = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("5000.00"), places=2)


def at(year, month, day, hour=12):
    return datetime(year, month, day, hour, tzinfo=ZURICH)


# --- Amounts -------------------------------------------------------------------------------

def test_five_percent_of_an_eligible_supplementary_premium_rounded_to_5_centimes():
    assert coverage_discount(Decimal("38.60"), line=Line.SUPPLEMENTARY, eligible=True,
                             online=True) == Decimal("1.95")


def test_half_of_5_centimes_rounds_up():
    # 5% of 12.50 is 0.625 → 0.65 (0.625 / 0.05 = 12.5 → 13)
    assert coverage_discount(Decimal("12.50"), line=Line.SUPPLEMENTARY, eligible=True,
                             online=True) == Decimal("0.65")


@given(premiums)
def test_discount_is_a_multiple_of_5_centimes(gross):
    discount = coverage_discount(gross, line=Line.SUPPLEMENTARY, eligible=True, online=True)
    assert discount % Decimal("0.05") == 0


@given(premiums)
def test_discount_is_never_negative_and_net_never_above_gross(gross):
    discount = coverage_discount(gross, line=Line.SUPPLEMENTARY, eligible=True, online=True)
    assert discount >= 0
    assert Decimal("0") <= gross - discount <= gross


@given(premiums)
def test_discount_is_5_percent_within_2_and_a_half_centimes(gross):
    discount = coverage_discount(gross, line=Line.SUPPLEMENTARY, eligible=True, online=True)
    assert abs(discount - gross * Decimal("0.05")) <= Decimal("0.025")


@given(premiums, st.booleans(), st.booleans())
def test_basic_insurance_is_never_discounted(gross, eligible, online):
    assert coverage_discount(gross, line=Line.BASIC, eligible=eligible, online=online) == 0


@given(premiums, st.booleans())
def test_excluded_products_are_never_discounted(gross, online):
    assert coverage_discount(gross, line=Line.SUPPLEMENTARY, eligible=False,
                             online=online) == 0


@given(premiums)
def test_no_discount_on_paper(gross):
    assert coverage_discount(gross, line=Line.SUPPLEMENTARY, eligible=True, online=False) == 0


# --- Months ----------------------------------------------------------------------------------

def test_switch_on_the_first_counts_from_the_next_month():
    changes = [(at(2026, 3, 1, 0), ONLINE)]
    assert not discount_applies(date(2026, 3, 1), registered_at=REGISTERED, changes=changes)
    assert discount_applies(date(2026, 4, 1), registered_at=REGISTERED, changes=changes)


def test_switch_on_the_31st_counts_from_the_first_of_the_next_month():
    changes = [(at(2026, 1, 31, 23), ONLINE)]
    assert not discount_applies(date(2026, 1, 1), registered_at=REGISTERED, changes=changes)
    assert discount_applies(date(2026, 2, 1), registered_at=REGISTERED, changes=changes)


def test_late_evening_switch_counts_by_the_swiss_date_not_utc():
    # 31.01. 23:30 in Zurich is still January; in UTC it is 22:30 the same day anyway, but
    # 01.02. 00:30 Zurich is 31.01. 23:30 UTC: it belongs to February.
    changes = [(at(2026, 2, 1, 0).replace(minute=30), ONLINE)]
    assert not discount_applies(date(2026, 2, 1), registered_at=REGISTERED, changes=changes)


def test_switch_back_keeps_the_discount_until_the_end_of_that_month():
    changes = [(at(2025, 12, 10), ONLINE), (at(2026, 3, 20), POST)]
    assert discount_applies(date(2026, 3, 1), registered_at=REGISTERED, changes=changes)
    assert not discount_applies(date(2026, 4, 1), registered_at=REGISTERED, changes=changes)


def test_switching_on_and_back_within_one_month_earns_nothing():
    changes = [(at(2026, 3, 5), ONLINE), (at(2026, 3, 25), POST)]
    for month in (date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)):
        assert not discount_applies(month, registered_at=REGISTERED, changes=changes)


def test_switching_back_and_online_again_in_one_month_keeps_the_discount_running():
    changes = [(at(2026, 1, 5), ONLINE), (at(2026, 3, 5), POST), (at(2026, 3, 25), ONLINE)]
    assert discount_applies(date(2026, 3, 1), registered_at=REGISTERED, changes=changes)
    assert discount_applies(date(2026, 4, 1), registered_at=REGISTERED, changes=changes)


def test_switch_on_29_february_of_a_leap_year_counts_from_march():
    changes = [(at(2028, 2, 29), ONLINE)]
    assert not discount_applies(date(2028, 2, 1), registered_at=REGISTERED, changes=changes)
    assert discount_applies(date(2028, 3, 1), registered_at=REGISTERED, changes=changes)
    assert discounts.last_of_month(date(2028, 2, 1)) == date(2028, 2, 29)


def test_switch_back_on_31_december_ends_with_the_year():
    changes = [(at(2025, 6, 1), ONLINE), (at(2025, 12, 31), POST)]
    assert discount_applies(date(2025, 12, 1), registered_at=REGISTERED, changes=changes)
    assert not discount_applies(date(2026, 1, 1), registered_at=REGISTERED, changes=changes)


def test_no_recorded_change_means_postal_mail():
    assert not discount_applies(date(2026, 3, 1), registered_at=REGISTERED, changes=[])


def test_no_discount_without_portal_registration():
    changes = [(at(2025, 1, 5), ONLINE)]
    assert not discount_applies(date(2026, 3, 1), registered_at=None, changes=changes)


def test_no_discount_in_the_month_of_registration():
    changes = [(at(2026, 3, 2), ONLINE)]
    assert not discount_applies(date(2026, 3, 1), registered_at=at(2026, 3, 2),
                                changes=changes)
    assert discount_applies(date(2026, 4, 1), registered_at=at(2026, 3, 2), changes=changes)


def test_changes_given_out_of_order_are_read_in_time_order():
    changes = [(at(2026, 3, 20), POST), (at(2025, 12, 10), ONLINE)]
    assert not discount_applies(date(2026, 4, 1), registered_at=REGISTERED, changes=changes)


switch_days = st.dates(min_value=date(2021, 1, 1), max_value=date(2035, 12, 31))


@given(switch_days)
def test_the_discount_starts_exactly_on_the_first_of_the_month_after_the_switch(day):
    changes = [(datetime(day.year, day.month, day.day, 9, tzinfo=ZURICH), ONLINE)]
    first = discounts.first_of_month(day)
    assert not discount_applies(first, registered_at=REGISTERED, changes=changes)
    assert discount_applies(discounts.next_month(day), registered_at=REGISTERED,
                            changes=changes)


@given(switch_days, st.integers(min_value=0, max_value=400))
def test_the_discount_ends_exactly_with_the_month_of_the_switch_back(start, days_later):
    back = start + timedelta(days=days_later)
    changes = [(datetime(start.year, start.month, start.day, 9, tzinfo=ZURICH), ONLINE),
               (datetime(back.year, back.month, back.day, 9, tzinfo=ZURICH), POST)]
    after = discounts.next_month(back)
    assert not discount_applies(after, registered_at=REGISTERED, changes=changes)
    month_of_back = discounts.first_of_month(back)
    expected = month_of_back > discounts.first_of_month(start)
    assert discount_applies(month_of_back, registered_at=REGISTERED,
                            changes=changes) == expected


def test_parse_month_rejects_other_formats():
    assert discounts.parse_month("2026-03") == date(2026, 3, 1)
    with pytest.raises(ValueError):
        discounts.parse_month("03.2026")


def test_next_month_wraps_the_year():
    assert discounts.next_month(date(2025, 12, 31)) == date(2026, 1, 1)


# --- Statements on the database ----------------------------------------------------------------

@pytest.fixture
def household(customer):
    customer.portal_registered_at = REGISTERED
    customer.save()
    holder, kid = customer.insured_persons.order_by("-is_policy_holder")
    CoverageFactory(insured_person=holder, product=BasicProductFactory(code="KVG"),
                    monthly_premium=Decimal("400.00"), franchise=300)
    CoverageFactory(insured_person=holder, product=ProductFactory(code="VVG-AMB"),
                    monthly_premium=Decimal("38.60"))
    CoverageFactory(insured_person=kid, product=ProductFactory(
        code="VVG-FLEX", online_discount_eligible=False), monthly_premium=Decimal("24.50"))
    CoverageFactory(insured_person=kid, product=ProductFactory(code="VVG-DENT"),
                    monthly_premium=Decimal("18.20"))
    return customer


def test_paperless_household_gets_the_discount_on_eligible_supplementary_only(household):
    set_correspondence(household, ONLINE, now=at(2026, 1, 15))
    statement = discounts.monthly_premiums(household, date(2026, 2, 1))
    assert statement.online_discount
    by_code = {line.product.code: line.discount for line in statement.lines}
    assert by_code == {"KVG": 0, "VVG-AMB": Decimal("1.95"), "VVG-FLEX": 0,
                       "VVG-DENT": Decimal("0.90")}
    assert statement.monthly_total == Decimal("481.30") - Decimal("2.85")
    assert statement.yearly_total == statement.monthly_total * 12


@pytest.mark.parametrize("month", [date(2026, 1, 1), date(2026, 6, 1), date(2026, 12, 1)])
def test_a_month_taken_from_the_years_coverages_is_the_month_read_alone(household, month):
    holder, kid = household.insured_persons.order_by("-is_policy_holder")
    CoverageFactory(insured_person=kid, product=ProductFactory(code="VVG-HOSP"),
                    start=date(2020, 1, 1), end=date(2026, 5, 31))
    CoverageFactory(insured_person=holder, product=ProductFactory(code="VVG-ALT"),
                    start=date(2026, 6, 15))
    CoverageFactory(insured_person=holder, product=ProductFactory(code="VVG-OLD"),
                    start=date(2020, 1, 1), end=date(2025, 12, 31))
    alone = discounts.monthly_premiums(household, month)
    year = cost_sharing.year_coverages(household, 2026)
    taken = discounts.monthly_premiums(household, month, coverages=year)
    assert [line.coverage.pk for line in taken.lines] == [line.coverage.pk for line in alone.lines]
    assert taken.monthly_total == alone.monthly_total


def test_a_past_month_is_recomputed_from_the_history(household):
    set_correspondence(household, ONLINE, now=at(2026, 1, 15))
    set_correspondence(household, POST, now=at(2026, 5, 3))
    assert not discounts.monthly_premiums(household, date(2026, 1, 1)).online_discount
    assert discounts.monthly_premiums(household, date(2026, 5, 1)).online_discount
    assert not discounts.monthly_premiums(household, date(2026, 6, 1)).online_discount


def test_ended_and_future_coverages_are_left_out_of_the_month(household):
    holder = household.policy_holder
    CoverageFactory(insured_person=holder, start=date(2019, 1, 1), end=date(2026, 1, 31))
    CoverageFactory(insured_person=holder, start=date(2026, 3, 1))
    assert len(discounts.monthly_premiums(household, date(2026, 2, 1)).lines) == 4


def test_yearly_saving_if_paperless_is_twelve_months_of_the_possible_discount(household):
    assert discounts.yearly_saving_if_paperless(household, date(2026, 2, 1)) == \
        (Decimal("1.95") + Decimal("0.90")) * 12


def test_already_paperless_household_saves_nothing_more(household):
    set_correspondence(household, ONLINE, now=at(2025, 1, 15))
    assert discounts.yearly_saving_if_paperless(household, date(2026, 2, 1)) == 0


def test_product_name_follows_the_language():
    product = ProductFactory.build(name_fr="Dentaire", name_de="Zahn", name_it="Denti",
                                   name_en="")
    assert product.localized_name("de") == "Zahn"
    assert product.localized_name("en") == "Dentaire"


coverage_rows = st.lists(
    st.tuples(premiums, st.sampled_from([Line.BASIC, Line.SUPPLEMENTARY]), st.booleans()),
    max_size=12)


@given(coverage_rows, st.booleans())
def test_statement_totals_add_up_and_only_eligible_vvg_lines_are_discounted(rows, online):
    from accounts.models import Customer
    from policies.models import Coverage, Product

    lines = []
    for gross, line, eligible in rows:
        coverage = Coverage(product=Product(line=line, online_discount_eligible=eligible),
                            monthly_premium=gross)
        discount = coverage_discount(gross, line=line, eligible=eligible, online=online)
        lines.append(discounts.PremiumLine(coverage=coverage, gross=gross, discount=discount))
        if line == Line.BASIC or not eligible or not online:
            assert discount == 0
    statement = discounts.PremiumStatement(customer=Customer(), month=date(2026, 1, 1),
                                           online_discount=online, lines=lines)
    assert statement.monthly_total == sum((line.net for line in lines), Decimal("0"))
    assert 0 <= statement.monthly_total <= statement.monthly_gross
    assert statement.yearly_total == statement.monthly_total * 12
    assert statement.monthly_discount % Decimal("0.05") == 0
