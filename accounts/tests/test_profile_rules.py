"""accounts.profile: the rules behind the profile page, without HTTP."""

from datetime import date, timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore

from accounts import profile
from accounts.models import Correspondence, PortalSession, SMSDevice
from accounts.tests.factories import UserFactory, sms_device_for
from audit.models import AuditEvent
from core import sms


def test_switching_correspondence_records_history_and_audit(customer):
    change = profile.set_correspondence(customer, Correspondence.ONLINE)
    assert change.preference == "online"
    customer.refresh_from_db()
    assert customer.correspondence == "online"
    event = AuditEvent.objects.get(kind="accounts.profile_changed", customer=customer)
    assert event.detail["correspondence"] == ["post", "online"]


def test_choosing_the_same_correspondence_again_records_nothing(customer):
    assert profile.set_correspondence(customer, Correspondence.POST) is None
    assert not customer.correspondence_changes.exists()


def test_address_change_for_today_applies_at_once(customer):
    profile.request_address_change(customer, street="Rue Neuve 3", postcode="1003",
                                   locality="Lausanne", effective_on=date.today(),
                                   today=date.today())
    customer.refresh_from_db()
    assert (customer.street, customer.postcode, customer.locality) == (
        "Rue Neuve 3", "1003", "Lausanne")


def test_future_address_change_waits_until_its_date(customer):
    later = date.today() + timedelta(days=10)
    profile.request_address_change(customer, street="Rue Neuve 3", postcode="1003",
                                   locality="Lausanne", effective_on=later)
    customer.refresh_from_db()
    assert customer.street == "Teststrasse 1"
    assert profile.pending_address_change(customer).effective_on == later
    assert profile.apply_due_address_changes(today=later - timedelta(days=1)) == 0
    assert profile.apply_due_address_changes(today=later) == 1
    customer.refresh_from_db()
    assert customer.street == "Rue Neuve 3"
    assert profile.apply_due_address_changes(today=later) == 0


def test_a_new_address_request_replaces_the_waiting_one(customer):
    later = date.today() + timedelta(days=10)
    profile.request_address_change(customer, street="Rue A 1", postcode="1003",
                                   locality="Lausanne", effective_on=later)
    profile.request_address_change(customer, street="Rue B 2", postcode="1004",
                                   locality="Lausanne", effective_on=later)
    profile.apply_due_address_changes(today=later)
    customer.refresh_from_db()
    assert customer.street == "Rue B 2"


def test_confirmed_mobile_updates_login_device_and_warns_the_old_number(
        customer, django_capture_on_commit_callbacks):
    user = customer.account
    old = user.mobile_phone
    sms_device_for(user)
    session = SessionStore()
    profile.start_mobile_change(session, user, "+41791112233")
    code = sms.outbox[-1].text.split(": ")[1][:6]
    with django_capture_on_commit_callbacks(execute=True):
        outcome = profile.confirm_mobile_change(session, user, code)
    assert outcome.result is profile.MobileCodeResult.CONFIRMED
    user.refresh_from_db()
    assert user.mobile_phone == "+41791112233"
    assert SMSDevice.objects.get(user=user, name="default").number == "+41791112233"
    assert sms.outbox[-1].to == old
    assert "remplacé" in sms.outbox[-1].text
    assert AuditEvent.objects.filter(kind="accounts.phone_changed", user=user).exists()


def test_wrong_mobile_code_changes_nothing(customer):
    user = customer.account
    old = user.mobile_phone
    session = SessionStore()
    profile.start_mobile_change(session, user, "+41791112233")
    code = sms.outbox[-1].text.split(": ")[1][:6]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert profile.confirm_mobile_change(session, user, wrong).result is \
        profile.MobileCodeResult.WRONG
    user.refresh_from_db()
    assert user.mobile_phone == old


def test_mobile_code_is_dropped_after_five_wrong_attempts(customer):
    user = customer.account
    session = SessionStore()
    profile.start_mobile_change(session, user, "+41791112233")
    code = sms.outbox[-1].text.split(": ")[1][:6]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    results = [profile.confirm_mobile_change(session, user, wrong).result for _ in range(5)]
    assert results[-1] is profile.MobileCodeResult.TOO_MANY_ATTEMPTS
    assert profile.confirm_mobile_change(session, user, code).result is \
        profile.MobileCodeResult.NOTHING_PENDING


def test_expired_mobile_code_is_refused(customer, monkeypatch):
    user = customer.account
    session = SessionStore()
    profile.start_mobile_change(session, user, "+41791112233")
    code = sms.outbox[-1].text.split(": ")[1][:6]
    now = profile.time.time()
    monkeypatch.setattr(profile.time, "time", lambda: now + profile.MOBILE_CODE_TTL + 1)
    assert profile.confirm_mobile_change(session, user, code).result is \
        profile.MobileCodeResult.EXPIRED


def test_codes_per_hour_are_limited(customer):
    session = SessionStore()
    for _ in range(int(profile.MOBILE_CODES_PER_HOUR)):
        profile.start_mobile_change(session, customer.account, "+41791112233")
    with pytest.raises(profile.TooManyCodes):
        profile.start_mobile_change(session, customer.account, "+41791112233")


def test_log_out_other_sessions_ends_them_and_keeps_this_one(customer):
    user = customer.account
    keys = []
    for _ in range(3):
        store = SessionStore()
        store["_auth_user_id"] = str(user.pk)
        store.create()
        PortalSession.objects.create(session_key=store.session_key, user=user)
        keys.append(store.session_key)
    stranger = UserFactory()
    other = SessionStore()
    other.create()
    PortalSession.objects.create(session_key=other.session_key, user=stranger)
    assert profile.log_out_other_sessions(user, keep=keys[0]) == 2
    assert SessionStore().exists(keys[0])
    assert not SessionStore().exists(keys[1])
    assert SessionStore().exists(other.session_key)
    assert list(PortalSession.objects.filter(user=user).values_list("session_key", flat=True)) \
        == [keys[0]]




def test_opted_out_customer_gets_no_activity_sms(customer, django_capture_on_commit_callbacks):
    from notifications.activity import notify_new_activity

    customer.notify_channel = "none"
    customer.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify_new_activity(customer, reason="document")
    assert sms.outbox == []


def test_daily_task_applies_due_address_changes(customer):
    from accounts.models import PendingAddressChange
    from accounts.tasks import apply_due_address_changes

    PendingAddressChange.objects.create(customer=customer, street="Rue Due 1", postcode="2000",
                                        locality="Neuchâtel", effective_on=date.today())
    assert apply_due_address_changes.delay().get() == 1
    customer.refresh_from_db()
    assert customer.locality == "Neuchâtel"
