"""The year so far per insured person, on the dashboard and on /insurance/: the figures of
the benefit statements, capped by the rules, with the franchise chosen for the year."""

import html
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from documents import benefits
from documents.models import DocumentType
from documents.tests.factories import make_document
from policies.tests.factories import BasicProductFactory, CoverageFactory
from tests.security_support import _document_storage  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db
D = Decimal


def settle(person, day, billed, deductible, copay):
    document = make_document(insured_person=person, type=DocumentType.BENEFIT_STATEMENT)
    benefits.record_statement(document, benefits.StatementData(lines=[benefits.LineData(
        treatment_date=day, provider="Cabinet", line="KVG", billed=D(billed),
        deductible=D(deductible), copay=D(copay),
        reimbursed=D(billed) - D(deductible) - D(copay))]))


@pytest.fixture
def household(customer):
    year = timezone.localdate().year
    holder = customer.policy_holder
    kid = customer.insured_persons.exclude(pk=holder.pk).get()
    kid.birth_date = date(year - 8, 5, 1)
    kid.save()
    basic = BasicProductFactory()
    CoverageFactory(insured_person=holder, product=basic, franchise=300,
                    start=date(year - 3, 1, 1), end=date(year - 1, 12, 31))
    CoverageFactory(insured_person=holder, product=basic, franchise=1500,
                    start=date(year, 1, 1))
    CoverageFactory(insured_person=kid, product=basic, franchise=0, start=date(year - 3, 1, 1))
    settle(holder, date(year, 1, 5), "900.00", "900.00", "0")
    settle(holder, date(year - 1, 12, 31), "5000.00", "300.00", "470.00")  # last year
    settle(kid, date(year, 2, 1), "4000.00", "0", "350.00")
    return customer, holder, kid


@pytest.mark.parametrize("page", ["dashboard", "policies:overview"])
def test_both_pages_show_each_persons_year(page, household, customer_client):
    _customer, holder, kid = household
    text = html.unescape(customer_client.get(reverse(page)).content.decode())
    section = text.split('class="card year-so-far"')[1].split("</section>")[0]
    assert "CHF 900.00 sur CHF 1'500.00" in section  # this year's franchise, not last year's
    assert "CHF 0.00 sur CHF 700.00 au maximum" in section  # last year's co-payment is gone
    assert "CHF 350.00 sur CHF 350.00 au maximum" in section  # the child's cap
    assert 'value="60"' in section and 'value="100"' in section
    assert "CHF 3'650.00" in section  # the child's reimbursed total
    assert holder.first_name in section and kid.first_name in section
    assert "aucune (franchise CHF 0)" in section  # no empty bar for the child's zero franchise


def test_another_households_statements_do_not_count(household, other_customer, other_client):
    text = html.unescape(other_client.get(reverse("dashboard")).content.decode())
    assert "CHF 900.00 sur" not in text and "3'650.00" not in text
