import time

import pytest
from django.core import mail

from accounts.models import NotifyChannel
from core import sms
from notifications.activity import notify_new_activity
from notifications.tasks import send_activity_notification
from notifications.throttle import DOCUMENT_THROTTLE_SECONDS, THROTTLE_SECONDS


def test_a_burst_of_activity_becomes_one_sms(customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify_new_activity(customer, reason="document")
        notify_new_activity(customer, reason="claim")
    assert [m.to for m in sms.outbox] == [customer.account.mobile_phone]


def test_the_notification_never_carries_content(customer, django_capture_on_commit_callbacks):
    customer.language = "de"
    customer.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify_new_activity(customer, reason="message")
    (message,) = sms.outbox
    # In the customer's language, and the same words whatever happened: nothing of it.
    assert message.text == "KPT: Neues in Ihrem Portal. Melden Sie sich an, um es anzusehen."


# --- Channels, opt-out and throttling ---------------------------------------------------

@pytest.fixture
def clock(monkeypatch, local_memory_cache):
    """Move the cache's clock forward: ``clock(seconds)``."""
    offset = [0.0]
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + offset[0])

    def advance(seconds):
        offset[0] += seconds

    return advance


def test_a_second_notification_within_the_hour_is_not_sent(customer):
    assert send_activity_notification(customer.pk, "message") is True
    assert send_activity_notification(customer.pk, "message") is False
    assert len(sms.outbox) == 1


def test_after_the_hour_a_new_message_is_notified_again(customer, clock):
    send_activity_notification(customer.pk, "message")
    clock(THROTTLE_SECONDS + 1)
    assert send_activity_notification(customer.pk, "message") is True
    assert len(sms.outbox) == 2


def test_new_documents_are_notified_at_most_once_a_day(customer, clock):
    send_activity_notification(customer.pk, "document")
    clock(THROTTLE_SECONDS + 1)
    assert send_activity_notification(customer.pk, "document") is False
    clock(DOCUMENT_THROTTLE_SECONDS)
    assert send_activity_notification(customer.pk, "document") is True
    assert len(sms.outbox) == 2


def test_a_message_after_the_hour_is_notified_even_if_documents_wait_a_day(customer, clock):
    send_activity_notification(customer.pk, "document")
    clock(THROTTLE_SECONDS + 1)
    assert send_activity_notification(customer.pk, "message") is True


def test_throttling_is_per_customer(customer, other_customer):
    send_activity_notification(customer.pk, "message")
    send_activity_notification(other_customer.pk, "message")
    assert len(sms.outbox) == 2


def test_a_customer_who_prefers_email_gets_an_email_in_their_language(customer):
    customer.notify_channel = NotifyChannel.EMAIL
    customer.language = "fr"
    customer.save()
    send_activity_notification(customer.pk, "message")
    (message,) = mail.outbox
    assert message.to == [customer.email]
    assert "portail" in message.body and sms.outbox == []


def test_email_preference_without_an_address_falls_back_to_sms(customer):
    customer.notify_channel = NotifyChannel.EMAIL
    customer.email = ""
    customer.save()
    send_activity_notification(customer.pk, "message")
    assert len(sms.outbox) == 1 and mail.outbox == []


def test_a_customer_who_opted_out_gets_nothing(customer):
    customer.notify_channel = NotifyChannel.NONE
    customer.save()
    assert send_activity_notification(customer.pk, "message") is False
    assert sms.outbox == [] and mail.outbox == []


def test_a_failed_send_does_not_use_up_the_hour(customer, monkeypatch):
    import notifications.delivery

    def down(*args):
        raise ConnectionError("provider away")

    monkeypatch.setattr(notifications.delivery, "send_sms", down)
    with pytest.raises(ConnectionError):
        send_activity_notification.run(customer.pk, "message")
    monkeypatch.undo()
    assert send_activity_notification(customer.pk, "message") is True


# --- Batching: one follow-up at the end of a throttled hour ------------------------------

class Planned(list):
    """The follow-ups planned in the outbox: (args, seconds from now until they are due)."""

    def _rows(self):
        from django.utils import timezone

        from core.models import DeferredTask

        now = timezone.now()
        return [(tuple(row.args), (row.not_before - now).total_seconds())
                for row in DeferredTask.objects.filter(not_before__isnull=False)]

    def __iter__(self):
        return iter(self._rows())

    def __len__(self):
        return len(self._rows())

    def __eq__(self, other):
        return self._rows() == other


@pytest.fixture
def planned():
    """Follow-ups are planned in the outbox (due later), not run at once."""
    return Planned()


def test_activity_in_the_same_burst_plans_no_follow_up(customer, planned, clock):
    send_activity_notification(customer.pk, "document")
    clock(60)
    send_activity_notification(customer.pk, "message")
    assert planned == [] and len(sms.outbox) == 1


def test_a_reply_later_in_the_hour_is_announced_once_when_the_hour_is_over(
        customer, planned, clock):
    send_activity_notification(customer.pk, "message")
    clock(20 * 60)
    send_activity_notification(customer.pk, "message")
    send_activity_notification(customer.pk, "claim")
    ((args, countdown),) = planned
    assert args == (customer.pk, "message", True)
    assert 40 * 60 - 5 <= countdown <= 40 * 60 + 5
    clock(countdown)
    assert send_activity_notification(*args) is True
    assert len(sms.outbox) == 2


def test_documents_held_back_for_the_day_plan_no_follow_up(customer, planned, clock):
    send_activity_notification(customer.pk, "document")
    clock(THROTTLE_SECONDS + 1)
    send_activity_notification(customer.pk, "document")
    assert planned == []


def test_a_follow_up_that_finds_the_hour_taken_sends_nothing_and_plans_nothing(
        customer, planned, clock):
    send_activity_notification(customer.pk, "message")
    clock(20 * 60)
    assert send_activity_notification(customer.pk, "message", True) is False
    assert planned == [] and len(sms.outbox) == 1
