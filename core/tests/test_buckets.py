from datetime import timedelta

import pytest
from django.db.models import F

from core.buckets import Bucket
from core.models import TokenBucket

pytestmark = pytest.mark.django_db
HOUR = Bucket("test-hour", capacity=3, period_seconds=3600)


def age_rows(by: timedelta) -> None:
    TokenBucket.objects.update(refilled_at=F("refilled_at") - by.total_seconds())


def test_a_bucket_allows_its_capacity_then_refuses():
    assert [HOUR.take("a") for _ in range(4)] == [True, True, True, False]
    assert HOUR.take("b")  # another subject has its own budget


def test_it_refills_in_proportion_to_the_time_passed():
    for _ in range(3):
        HOUR.take("a")
    age_rows(timedelta(minutes=20))  # a third of the period: one token back
    assert HOUR.take("a") and not HOUR.take("a")
    age_rows(timedelta(days=3))
    assert HOUR.left("a") == 3  # never more than the capacity


def test_a_cost_takes_that_many_tokens_and_a_refusal_spends_nothing():
    megabytes = Bucket("test-bytes", capacity=10, period_seconds=3600)
    assert megabytes.take("a", cost=7)
    assert not megabytes.take("a", cost=4)
    assert megabytes.take("a", cost=3)
    assert not megabytes.take("z", cost=11)  # more than a full bucket, even when new


def test_reset_gives_a_full_budget_and_no_subject_is_stored_in_clear():
    for _ in range(3):
        HOUR.take("KPT12345678")
    assert HOUR.empty("KPT12345678")
    assert not TokenBucket.objects.filter(key__contains="KPT").exists()
    HOUR.reset("KPT12345678")
    assert HOUR.left("KPT12345678") == 3


def test_spending_from_a_known_bucket_is_one_statement(django_assert_num_queries):
    HOUR.take("a")
    with django_assert_num_queries(1):
        assert HOUR.take("a")


def test_a_clock_set_back_takes_no_tokens_away():
    HOUR.take("a")
    TokenBucket.objects.update(refilled_at=F("refilled_at") + 600)  # "refilled" in the future
    assert HOUR.left("a") == 2
    assert HOUR.take("a") and HOUR.take("a") and not HOUR.take("a")


@pytest.mark.django_db(transaction=True)
def test_workers_taking_at_once_never_spend_more_than_the_budget():
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write: the race needs PostgreSQL")
    budget = Bucket("test-race", capacity=5, period_seconds=3600)
    start = Barrier(12)

    def take() -> bool:
        try:
            start.wait()
            return budget.take("KPT12345678")
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=12) as pool:
        taken = list(pool.map(lambda _n: take(), range(12)))
    assert taken.count(True) == 5
    assert budget.left("KPT12345678") < 1
