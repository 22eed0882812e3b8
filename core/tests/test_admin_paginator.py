import pytest
from django.db import connection

from core import admin_paginator
from core.admin_paginator import EstimatedCountPaginator
from core.models import DeferredTask as Row

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_events():
    for _ in range(3):
        Row.objects.create(task_name="core.tasks.database_roundtrip")


def test_a_small_table_is_counted_exactly(three_events):
    assert EstimatedCountPaginator(Row.objects.all(), 2).count == 3


def test_an_unfiltered_big_table_takes_the_planner_estimate(three_events, monkeypatch):
    monkeypatch.setattr(admin_paginator, "estimated_rows", lambda alias, table: 8_400_000)
    paginator = EstimatedCountPaginator(Row.objects.all(), 100)
    assert paginator.count == 8_400_000
    assert paginator.num_pages == 84_000


def test_a_filtered_list_is_counted_exactly_even_on_a_big_table(three_events, monkeypatch):
    monkeypatch.setattr(admin_paginator, "estimated_rows", lambda alias, table: 8_400_000)
    sms_tasks = Row.objects.filter(task_name="core.tasks.deliver_sms")
    paginator = EstimatedCountPaginator(sms_tasks, 100)
    assert paginator.count == 0


def test_an_estimate_below_the_threshold_is_not_used(three_events, monkeypatch):
    monkeypatch.setattr(admin_paginator, "estimated_rows", lambda alias, table: 50_000)
    assert EstimatedCountPaginator(Row.objects.all(), 100).count == 3


@pytest.mark.skipif(connection.vendor == "postgresql", reason="checks the non-PostgreSQL path")
def test_other_databases_give_no_estimate(db):
    assert admin_paginator.estimated_rows("default", "kptportal_deferredtask") is None
