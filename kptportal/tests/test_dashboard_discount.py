"""The dashboard's premium card tells the online discount as it really stands."""

import html
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.models import Correspondence, CorrespondenceChange
from accounts.profile import set_correspondence
from policies import discounts
from policies.tests.factories import BasicProductFactory, CoverageFactory, ProductFactory

ZURICH = ZoneInfo("Europe/Zurich")
OFFER = "Renoncez au courrier postal"


def dashboard(client) -> str:
    return html.unescape(client.get(reverse("dashboard")).content.decode())


@pytest.fixture
def insured(customer):
    customer.portal_registered_at = datetime(2024, 1, 1, tzinfo=ZURICH)
    customer.correspondence = Correspondence.POST
    customer.save()
    holder = customer.policy_holder
    CoverageFactory(insured_person=holder, product=BasicProductFactory(),
                    monthly_premium=Decimal("400.00"))
    CoverageFactory(insured_person=holder, product=ProductFactory(),
                    monthly_premium=Decimal("100.00"))  # 5.00 discount a month
    return customer


def paperless_since_march_2025(customer):
    CorrespondenceChange.objects.create(customer=customer, preference=Correspondence.ONLINE,
                                        changed_at=datetime(2025, 3, 14, tzinfo=ZURICH))
    customer.correspondence = Correspondence.ONLINE
    customer.save()


def test_on_paper_the_card_offers_the_discount_with_its_yearly_saving(customer_client,
                                                                      insured):
    page = dashboard(customer_client)
    assert f"{OFFER} et économisez CHF 60.00 par an" in page
    assert reverse("policies:go_paperless") in page


def test_just_after_going_paperless_the_card_says_when_the_discount_starts(customer_client,
                                                                           insured):
    set_correspondence(insured, Correspondence.ONLINE)
    page = dashboard(customer_client)
    assert OFFER not in page
    starts = discounts.next_month(discounts.current_month())  # the 1st of next month
    assert ("Vous avez choisi le tout en ligne: votre rabais online de CHF 5.00 par mois "
            f"s'applique dès le {starts:%d.%m.%Y}.") in page


def test_paperless_since_earlier_months_the_card_shows_this_months_discount(customer_client,
                                                                            insured):
    paperless_since_march_2025(insured)
    page = dashboard(customer_client)
    assert "Dont CHF 5.00 de rabais online" in page
    assert OFFER not in page and "dès le" not in page


def test_back_to_paper_this_month_the_discount_runs_to_the_months_end(customer_client,
                                                                      insured):
    paperless_since_march_2025(insured)
    set_correspondence(insured, Correspondence.POST)
    page = dashboard(customer_client)
    assert "Dont CHF 5.00 de rabais online" in page
    last_day = discounts.last_of_month(discounts.current_month())
    assert f"le rabais online s'arrête après le {last_day:%d.%m.%Y}" in page


def test_without_an_eligible_coverage_nothing_is_advertised(customer_client, customer):
    customer.correspondence = Correspondence.POST
    customer.save()
    CoverageFactory(insured_person=customer.policy_holder, product=BasicProductFactory(),
                    monthly_premium=Decimal("400.00"))
    page = dashboard(customer_client)
    assert OFFER not in page and "rabais online" not in page
