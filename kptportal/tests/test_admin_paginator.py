import pytest
from django.db import connection

from accounts.audit import record
from accounts.models import SecurityEvent
from kptportal import admin_paginator
from kptportal.admin_paginator import EstimatedCountPaginator


@pytest.fixture
def three_events(customer):
    for _ in range(3):
        record("login", user=customer.account, customer=customer)


def test_a_small_table_is_counted_exactly(three_events):
    assert EstimatedCountPaginator(SecurityEvent.objects.all(), 2).count == 3


def test_an_unfiltered_big_table_takes_the_planner_estimate(three_events, monkeypatch):
    monkeypatch.setattr(admin_paginator, "estimated_rows", lambda alias, table: 8_400_000)
    paginator = EstimatedCountPaginator(SecurityEvent.objects.all(), 100)
    assert paginator.count == 8_400_000
    assert paginator.num_pages == 84_000


def test_a_filtered_list_is_counted_exactly_even_on_a_big_table(three_events, monkeypatch):
    monkeypatch.setattr(admin_paginator, "estimated_rows", lambda alias, table: 8_400_000)
    paginator = EstimatedCountPaginator(SecurityEvent.objects.filter(kind="logout"), 100)
    assert paginator.count == 0


def test_an_estimate_below_the_threshold_is_not_used(three_events, monkeypatch):
    monkeypatch.setattr(admin_paginator, "estimated_rows", lambda alias, table: 50_000)
    assert EstimatedCountPaginator(SecurityEvent.objects.all(), 100).count == 3


@pytest.mark.skipif(connection.vendor == "postgresql", reason="checks the non-PostgreSQL path")
def test_other_databases_give_no_estimate(db):
    assert admin_paginator.estimated_rows("default", "accounts_securityevent") is None
