"""The dashboard's premium card: the next invoice to pay, and whether the last ones are paid."""

import html
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from documents.tests.factories import make_premium_invoice
from tests.security_support import _document_storage  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def dashboard(client) -> str:
    return html.unescape(client.get(reverse("dashboard")).content.decode())


def months_ago(count: int) -> date:
    month = timezone.localdate().replace(day=1)
    for _ in range(count):
        month = (month - timedelta(days=1)).replace(day=1)
    return month


def test_the_oldest_unpaid_invoice_is_the_next_to_pay(customer, customer_client):
    holder = customer.policy_holder
    make_premium_invoice(holder, months_ago(2), paid_on=months_ago(2) + timedelta(days=20))
    late = make_premium_invoice(holder, months_ago(1), amounts=(("KVG", "123.45", "0"),))
    make_premium_invoice(holder, months_ago(0), amounts=(("KVG", "200.00", "0"),))
    page = dashboard(customer_client)
    card = page.split('id="dash-premium"')[1].split("</section>")[0]
    assert "CHF 123.45" in card.split('class="premium-list"')[0]  # the next due, first
    assert late.due_date.strftime("%d.%m.%Y") in card
    assert "En retard" in card and "Payée" in card and "À payer" in card
    assert reverse("documents:detail", args=[late.document_id]) in card


def test_all_paid_says_so(customer, customer_client):
    make_premium_invoice(customer.policy_holder, months_ago(1),
                         paid_on=months_ago(1) + timedelta(days=3))
    card = dashboard(customer_client).split('id="dash-premium"')[1].split("</section>")[0]
    assert "Toutes vos factures de prime sont payées." in card
    assert "En retard" not in card and "À payer jusqu" not in card


def test_another_households_invoices_never_show(customer, customer_client, other_customer):
    make_premium_invoice(other_customer.policy_holder, months_ago(1),
                         amounts=(("KVG", "987.65", "0"),))
    assert "987.65" not in dashboard(customer_client)
