import html
from decimal import Decimal

import pytest

from core.money import format_chf, round_to_5_centimes


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("6.175", "6.20"), ("6.124", "6.10"), ("6.125", "6.15"), ("0.024", "0.00"),
     ("0.025", "0.05"), ("100", "100.00")],
)
def test_rounds_half_up_to_five_centimes(amount, expected):
    assert round_to_5_centimes(Decimal(amount)) == Decimal(expected)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("1234.5", "CHF 1'234.50"), ("0", "CHF 0.00"), ("999.999", "CHF 1'000.00"),
     ("1234567.1", "CHF 1'234'567.10"), ("-12.3", "CHF -12.30")],
)
def test_formats_swiss_amounts(amount, expected):
    assert format_chf(Decimal(amount)) == expected


def test_chf_filter_renders_in_templates():
    from django.template import Context, Template

    rendered = Template("{% load portal %}{{ x|chf }}").render(Context({"x": Decimal("1234.5")}))
    assert html.unescape(rendered) == "CHF 1'234.50"
