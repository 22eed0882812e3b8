import json
from datetime import datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Correspondence
from accounts.profile import set_correspondence
from policies.tests.factories import BasicProductFactory, CoverageFactory, ProductFactory


def preview(*args):
    out = StringIO()
    call_command("premium_preview", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def household(customer):
    customer.portal_registered_at = datetime(2024, 1, 1, tzinfo=ZoneInfo("Europe/Zurich"))
    customer.save()
    holder = customer.policy_holder
    CoverageFactory(insured_person=holder, product=BasicProductFactory(name_fr="Base"),
                    monthly_premium=Decimal("123.40"))
    CoverageFactory(insured_person=holder, product=ProductFactory(name_fr="Dentaire"),
                    monthly_premium=Decimal("123.40"))
    return customer


def test_json_has_exactly_the_ops_contract(household):
    set_correspondence(household, Correspondence.ONLINE,
                       now=datetime(2025, 5, 5, tzinfo=ZoneInfo("Europe/Zurich")))
    body = json.loads(preview(household.account.username, "--json"))
    assert set(body) == {"contract", "online_discount", "coverages", "monthly_total"}
    assert body["contract"] == household.account.username
    assert body["online_discount"] is True
    assert body["coverages"][1] == {
        "insured": str(household.policy_holder), "product": "Dentaire", "line": "VVG",
        "discount_eligible": True, "monthly_premium": "123.40", "discount": "6.15",
        "net": "117.25"}
    assert body["coverages"][0]["line"] == "KVG"
    assert body["coverages"][0]["discount"] == "0.00"
    assert body["monthly_total"] == "240.65"


def test_month_option_recomputes_a_past_month(household):
    set_correspondence(household, Correspondence.ONLINE,
                       now=datetime(2025, 5, 5, tzinfo=ZoneInfo("Europe/Zurich")))
    body = json.loads(preview(household.account.username, "--json", "--month", "2025-05"))
    assert body["online_discount"] is False
    assert body["monthly_total"] == "246.80"


def test_unknown_contract_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No customer with online contract KPT99999999"):
        preview("KPT99999999", "--json")


def test_bad_month_is_a_clear_error(household):
    with pytest.raises(CommandError, match="YYYY-MM"):
        preview(household.account.username, "--month", "May")


def test_demo_customers_paperless_gets_discount_and_paper_gets_none(seeded_demo):
    paperless = json.loads(preview("KPT12345678", "--json"))
    assert paperless["online_discount"] is True
    for row in paperless["coverages"]:
        assert (Decimal(row["discount"]) > 0) == (row["line"] == "VVG"
                                                  and row["discount_eligible"])
    assert {row["product"] for row in paperless["coverages"]
            if row["discount_eligible"] is False and row["line"] == "VVG"} == {
        "Pulse ambulatoire", "Hospitalisation flex"}
    paper = json.loads(preview("KPT87654321", "--json"))
    assert paper["online_discount"] is False
    assert all(row["discount"] == "0.00" for row in paper["coverages"])
