"""Faults: Redis down, the SMS provider failing, the worker/broker stopped.

Each: the customer gets a clear page (never a 500) and nothing they sent is lost.
"""

import re
from datetime import date
from unittest import mock
from urllib.parse import parse_qs

import pytest
import requests
import responses
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from kombu.exceptions import OperationalError

from accounts.models import SecurityEvent
from accounts.ratelimit import SMS_PER_CONTRACT
from accounts.tasks import send_activity_notification
from accounts.tests.factories import TEST_PASSWORD, CustomerFactory, sms_device_for
from kptportal import outbox, sms
from kptportal.models import DeferredTask
from messaging import conversations
from messaging.models import Message, Thread
from messaging.tests.factories import ThreadFactory, pdf_upload
from tests.security_support import _document_storage  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

STEP = "portal_login_view-current_step"
TWILIO_URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"
CLOSED_REDIS = "redis://127.0.0.1:6390/0"  # nothing listens there


@pytest.fixture
def household(db):
    customer = CustomerFactory(account__username="KPT12345678",
                               account__mobile_phone="+41790000001")
    sms_device_for(customer.account)
    return customer


def log_in(client, password=TEST_PASSWORD):
    response = client.post("/login/", {STEP: "auth", "auth-username": "KPT12345678",
                                       "auth-password": password})
    assert response.status_code == 200, response.status_code
    code = re.search(r"\b(\d{6})\b", sms.outbox[-1].text).group(1)
    return client.post("/login/", {STEP: "token", "token-otp_token": code})


@pytest.fixture
def twilio(settings):
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC1", "test-token"
    settings.TWILIO_FROM = "+41440000000"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        yield mocked


# --- Redis down ------------------------------------------------------------------------

@pytest.fixture
def redis_down(settings):
    settings.CACHES = {"default": {"BACKEND": "kptportal.cache.ResilientRedisCache",
                                   "LOCATION": CLOSED_REDIS, "KEY_PREFIX": "kpt"}}
    yield
    cache.clear()


def test_login_with_sms_code_works_with_redis_down(redis_down, client, household):
    response = log_in(client)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    from django.core.cache import caches

    assert caches["default"].degraded  # it really ran without Redis


def test_rate_limits_still_count_per_process_with_redis_down(redis_down):
    assert [SMS_PER_CONTRACT.allow("KPT12345678") for _ in range(6)] == [True] * 5 + [False]


def test_login_help_rate_limit_answers_429_with_a_message_with_redis_down(redis_down, client):
    data = {"name": "Anna Muster", "birth_date": "01.02.1980", "phone": "079 123 45 67",
            "description": "Je n'ai plus mon mobile."}
    statuses = [client.post(reverse("messaging:login_help"), data).status_code
                for _ in range(6)]
    assert statuses == [302] * 5 + [429]
    assert "Trop de demandes" in client.post(reverse("messaging:login_help"), data).text


def test_customer_pages_and_sending_a_message_work_with_redis_down(redis_down, household):
    client = Client()
    log_in(client)
    for name in ("dashboard", "documents:list", "messaging:inbox", "accounts:profile",
                 "accounts:activity", "kptportal:export"):
        assert client.get(reverse(name)).status_code == 200, name
    response = client.post(reverse("messaging:new"), {"subject": "Question", "body": "Bonjour",
                                                      "attachments": [pdf_upload()]})
    assert response.status_code == 302
    assert Message.objects.get().attachments.count() == 1


def test_redis_is_tried_again_only_after_the_pause(redis_down, monkeypatch):
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    from kptportal import cache as resilient

    store = caches["default"]
    store.set("k", 1)  # Redis refuses: the value goes to process memory
    assert store.degraded and store.get("k") == 1
    tries = []
    monkeypatch.setattr(RedisCache, "get", lambda self, *a, **k: tries.append(a) or "redis")
    assert store.get("k") == 1 and tries == []  # within the pause: memory, Redis left alone
    now = resilient.time.monotonic()
    monkeypatch.setattr(resilient.time, "monotonic",
                        lambda: now + resilient.RETRY_AFTER_SECONDS + 1)
    assert store.get("k") == "redis" and len(tries) == 1  # Redis back: used again


# --- The SMS provider failing ------------------------------------------------------------

def test_login_code_provider_timeout_shows_try_again(twilio, client, household):
    twilio.add(responses.POST, TWILIO_URL, body=requests.exceptions.ConnectTimeout("slow"))
    response = client.post("/login/", {STEP: "auth", "auth-username": "KPT12345678",
                                       "auth-password": TEST_PASSWORD})
    assert response.status_code == 200
    assert "Nous n&#x27;avons pas pu envoyer le SMS" in response.text
    assert SecurityEvent.objects.filter(kind="sms_failed").count() == 1


def test_notification_sms_is_retried_until_the_provider_answers(twilio, household):
    from kptportal.celery import app

    # As a worker would: a retry is a new run, not an error for the caller (eager mode
    # replays retries inline, without the backoff countdown).
    previous, app.conf.task_eager_propagates = app.conf.task_eager_propagates, False
    twilio.add(responses.POST, TWILIO_URL, status=503, json={"code": 20503, "message": "down"})
    twilio.add(responses.POST, TWILIO_URL, status=500, json={"code": 20500, "message": "err"})
    twilio.add(responses.POST, TWILIO_URL, status=201, json={"sid": "SM1", "status": "queued"})
    try:
        result = send_activity_notification.apply(args=(household.pk, "message"))
    finally:
        app.conf.task_eager_propagates = previous
    assert result.successful() and result.result is True
    assert len(twilio.calls) == 3
    sent = parse_qs(twilio.calls[-1].request.body)
    assert sent["To"] == ["+41790000001"] and "du nouveau" in sent["Body"][0]


def test_notification_task_gives_the_slot_back_when_sms_fails(twilio, household):
    """A notification that could not be sent is not counted as sent: the retry may send."""
    from accounts.notifications import claim_notification_slot

    twilio.add(responses.POST, TWILIO_URL, status=400, json={"code": 21211, "message": "bad"})
    with pytest.raises(sms.SMSDeliveryError):
        send_activity_notification.apply(args=(household.pk, "message"), throw=True)
    assert claim_notification_slot(household.pk, "message")


# --- The worker / broker stopped ---------------------------------------------------------

def broker_down(task):
    return mock.patch.object(task, "apply_async",
                             side_effect=OperationalError("Connection refused"))


def test_advisor_reply_is_stored_and_its_notification_sent_once_the_broker_is_back(
        household, django_capture_on_commit_callbacks):
    thread = ThreadFactory(customer=household)
    with broker_down(send_activity_notification), \
            django_capture_on_commit_callbacks(execute=True):
        conversations.advisor_reply(thread=thread, advisor=household.advisor, body="Réponse")
    assert Message.objects.filter(thread=thread, from_advisor=True).count() == 1
    # After commit the broker refused: the call was kept, nothing sent yet.
    kept = DeferredTask.objects.get()
    assert kept.task_name == send_activity_notification.name
    assert sms.outbox == []
    assert outbox.flush() == 1  # beat, once the broker answers (eager here)
    assert DeferredTask.objects.count() == 0
    assert [m.to for m in sms.outbox] == ["+41790000001"]


def test_customer_message_with_broker_down_is_stored_and_the_page_is_normal(
        household, django_capture_on_commit_callbacks):
    client = Client()
    log_in(client)
    with broker_down(send_activity_notification), \
            django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("messaging:new"), {"subject": "Lunettes", "body": "?",
                                                          "attachments": [pdf_upload()]})
    assert response.status_code == 302
    assert Thread.objects.get().messages.get().attachments.count() == 1


def test_document_notification_with_broker_down_is_sent_later(
        household, django_capture_on_commit_callbacks):
    from django.core.files.base import ContentFile

    from documents.storing import store_document
    from messaging.tests.factories import pdf_bytes

    with broker_down(send_activity_notification), \
            django_capture_on_commit_callbacks(execute=True):
        store_document(insured_person=household.policy_holder, type="policy",
                       issue_date=date(2026, 1, 1), title="Police",
                       source=ContentFile(pdf_bytes()), file_name="police.pdf")
    assert DeferredTask.objects.count() == 1 and sms.outbox == []
    outbox.flush()
    assert [m.to for m in sms.outbox] == ["+41790000001"]


def test_notification_sms_through_twilio_is_kept_while_the_broker_is_down(twilio, household):
    from kptportal.tasks import deliver_sms

    twilio.add(responses.POST, TWILIO_URL, status=201, json={"sid": "SM9", "status": "queued"})
    with broker_down(deliver_sms):
        sms.send_sms("+41790000001", "KPT: du nouveau vous attend.")
    assert len(twilio.calls) == 0 and DeferredTask.objects.count() == 1
    outbox.flush()
    assert len(twilio.calls) == 1 and DeferredTask.objects.count() == 0


def test_flush_stops_at_the_first_broker_failure_and_keeps_the_rest(household):
    for _ in range(3):
        DeferredTask.objects.create(task_name=send_activity_notification.name,
                                    args=[household.pk, "message"])
    with broker_down(send_activity_notification):
        assert outbox.flush() == 0
    assert DeferredTask.objects.count() == 3


def test_flush_is_scheduled_every_minute():
    from kptportal.celery import app

    entry = app.conf.beat_schedule["kptportal.flush_deferred_tasks"]
    assert entry["task"] == "kptportal.tasks.flush_deferred_tasks" and entry["schedule"] == 60


def test_claim_upload_with_broker_down_is_stored_and_requeued_later(
        household, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from claims.models import Claim
    from claims.tasks import requeue_stuck_claims, run_intake

    client = Client()
    log_in(client)
    with mock.patch.object(run_intake, "apply_async", side_effect=OperationalError("refused")), \
            django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("claims:new"), {
            "insured_person": household.policy_holder.pk, "kind": "doctor_invoice",
            "note": "", "files": [pdf_upload("facture.pdf")]})
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert claim.status == "received" and claim.pages.count() == 1
    Claim.objects.filter(pk=claim.pk).update(created_at=timezone.now() - timedelta(hours=1),
                                             status_changed_at=timezone.now()
                                             - timedelta(hours=1))
    with mock.patch.object(run_intake, "apply_async") as queued:
        assert requeue_stuck_claims() == 1  # beat, once the broker is back
    queued.assert_called_once_with((claim.pk,), ignore_result=True)


def test_a_real_unreachable_broker_is_given_up_fast_and_the_call_kept(db):
    """Not a mock: a Celery app whose broker and result store are a closed Redis port."""
    import time

    from celery import Celery

    app = Celery("faultcheck", broker=CLOSED_REDIS, backend=CLOSED_REDIS, set_as_current=False)
    app.conf.broker_connection_retry_on_startup = False

    @app.task(name="faultcheck.noop")
    def noop(value):
        return value

    started = time.monotonic()
    assert outbox.delay_or_defer(noop, 42) is False
    assert time.monotonic() - started < 5  # a customer's request is not held for long
    assert list(DeferredTask.objects.values_list("task_name", "args")) == [
        ("faultcheck.noop", [42])]
