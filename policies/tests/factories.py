from datetime import date
from decimal import Decimal

import factory

from accounts.tests.factories import InsuredPersonFactory
from policies.card import make_ahv_number, make_card_number
from policies.models import Coverage, InsuranceCard, Line, Product


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"VVG-T{n}")
    line = Line.SUPPLEMENTARY
    name_fr = factory.Sequence(lambda n: f"Complémentaire {n}")
    name_de = factory.Sequence(lambda n: f"Zusatz {n}")
    name_it = factory.Sequence(lambda n: f"Complementare {n}")
    name_en = factory.Sequence(lambda n: f"Supplement {n}")
    online_discount_eligible = True


class BasicProductFactory(ProductFactory):
    code = factory.Sequence(lambda n: f"KVG-T{n}")
    line = Line.BASIC
    online_discount_eligible = False


class CoverageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coverage

    insured_person = factory.SubFactory(InsuredPersonFactory)
    product = factory.SubFactory(ProductFactory)
    start = date(2020, 1, 1)
    monthly_premium = Decimal("100.00")


class InsuranceCardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InsuranceCard

    insured_person = factory.SubFactory(InsuredPersonFactory)
    card_number = factory.Sequence(lambda n: make_card_number("00376", 500_000 + n))
    ahv_number = factory.Sequence(lambda n: make_ahv_number(600_000_000 + n))
    sex = "F"
    valid_from = date(2025, 1, 1)
    valid_until = date(2029, 12, 31)
