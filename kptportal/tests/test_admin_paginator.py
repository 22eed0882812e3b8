from django.db import connection

from accounts.models import SecurityEvent
from accounts.tests.factories import CustomerFactory
from kptportal import admin_paginator
from kptportal.admin_paginator import EstimatedCountPaginator


def test_a_small_or_unestimated_table_is_counted_exactly(db):
    for _ in range(3):
        CustomerFactory()
    paginator = EstimatedCountPaginator(SecurityEvent.objects.none().model.objects.all(), 2)
    assert paginator.count == SecurityEvent.objects.count()


def test_an_unfiltered_big_table_takes_the_planner_estimate(db, monkeypatch):
    monkeypatch.setattr(admin_paginator, "estimated_rows", lambda alias, table: 8_400_000)
    paginator = EstimatedCountPaginator(SecurityEvent.objects.all(), 100)
    assert paginator.count == 8_400_000
    assert paginator.num_pages == 84_000


def test_a_filtered_list_is_counted_exactly_even_on_a_big_table(db, monkeypatch):
    monkeypatch.setattr(admin_paginator, "estimated_rows", lambda alias, table: 8_400_000)
    paginator = EstimatedCountPaginator(SecurityEvent.objects.filter(kind="login"), 100)
    assert paginator.count == 0


def test_estimates_come_only_from_postgresql(db):
    if connection.vendor == "postgresql":
        assert admin_paginator.estimated_rows("default", "accounts_securityevent") is None \
            or admin_paginator.estimated_rows("default", "accounts_securityevent") >= 0
    else:
        assert admin_paginator.estimated_rows("default", "accounts_securityevent") is None
