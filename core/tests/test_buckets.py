from datetime import timedelta

import pytest
from django.utils import timezone

from core.buckets import Bucket
from core.models import TokenBucket

pytestmark = pytest.mark.django_db
HOUR = Bucket("test-hour", capacity=3, period_seconds=3600)


def age_rows(by: timedelta) -> None:
    TokenBucket.objects.update(updated_at=timezone.now() - by)


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
