from accounts.notifications import notify_new_activity
from kptportal import sms


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
    assert "portail" in message.text or "Portal" in message.text
