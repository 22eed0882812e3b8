from datetime import date
from decimal import Decimal

from policies.models import Line
from policies.tests.factories import CoverageFactory, ProductFactory


def basic_coverage(person, *, code="KVG-STD", franchise=300, premium="412.30"):
    """``person``'s basic insurance under the model ``code``, running since 2020."""
    product = ProductFactory(code=code, line=Line.BASIC, online_discount_eligible=False)
    return CoverageFactory(insured_person=person, product=product, franchise=franchise,
                           monthly_premium=Decimal(premium), start=date(2020, 1, 1))
