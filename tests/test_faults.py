"""Faults: Redis down, the SMS provider failing, the worker/broker stopped.

Each: the customer gets a clear page (never a 500) and nothing they sent is lost.
"""

import io
import re
import time
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

from accounts.ratelimit import LOGIN_CODES_PER_CONTRACT
from accounts.tests.factories import TEST_PASSWORD
from audit.models import AuditEvent
from core import outbox, sms
from core.models import DeferredTask
from messaging import conversations
from messaging.models import Message, Thread
from messaging.tests.factories import ThreadFactory, pdf_upload
from notifications.tasks import send_activity_notification
from tests.security_support import _document_storage  # noqa: F401 - fixture
from tests.services import skip_or_fail

pytestmark = pytest.mark.django_db

STEP = "portal_login_view-current_step"
TWILIO_URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"
CLOSED_REDIS = "redis://127.0.0.1:6390/0"  # nothing listens there


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
    settings.CACHES = {"default": {"BACKEND": "core.cache.ResilientRedisCache",
                                   "LOCATION": CLOSED_REDIS, "KEY_PREFIX": "kpt"}}
    yield
    cache.clear()


def test_login_with_sms_code_works_with_redis_down(redis_down, client, login_household):
    response = log_in(client)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    from django.core.cache import caches

    assert caches["default"].degraded  # it really ran without Redis


def test_rate_limits_hold_with_redis_down(redis_down, db):
    # In the database: every process sees the same budget, with or without the cache.
    assert [LOGIN_CODES_PER_CONTRACT.allow("KPT12345678") for _ in range(6)] == [True] * 5 + [
        False]


def test_login_help_rate_limit_answers_429_with_a_message_with_redis_down(redis_down, client):
    data = {"name": "Anna Muster", "birth_date": "01.02.1980", "phone": "079 123 45 67",
            "description": "Je n'ai plus mon mobile."}
    statuses = [client.post(reverse("messaging:login_help"), data).status_code
                for _ in range(6)]
    assert statuses == [302] * 5 + [429]
    assert "Trop de demandes" in client.post(reverse("messaging:login_help"), data).text


def test_customer_pages_and_sending_a_message_work_with_redis_down(redis_down, login_household):
    client = Client()
    log_in(client)
    for name in ("dashboard", "documents:list", "messaging:inbox", "accounts:profile",
                 "accounts:activity", "exports:export"):
        assert client.get(reverse(name)).status_code == 200, name
    response = client.post(reverse("messaging:new"), {"subject": "Question", "body": "Bonjour",
                                                      "attachments": [pdf_upload()]})
    assert response.status_code == 302
    assert Message.objects.get().attachments.count() == 1


def test_redis_is_tried_again_only_after_the_pause(redis_down, monkeypatch):
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    from core import cache as resilient

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

def test_login_code_provider_timeout_shows_try_again(twilio, client, login_household):
    twilio.add(responses.POST, TWILIO_URL, body=requests.exceptions.ConnectTimeout("slow"))
    response = client.post("/login/", {STEP: "auth", "auth-username": "KPT12345678",
                                       "auth-password": TEST_PASSWORD})
    assert response.status_code == 200
    assert "Nous n&#x27;avons pas pu envoyer le SMS" in response.text
    assert AuditEvent.objects.filter(kind="accounts.sms_failed").count() == 1


def test_notification_sms_is_retried_until_the_provider_answers(twilio, login_household):
    from core.celery import app

    # As a worker would: a retry is a new run, not an error for the caller (eager mode
    # replays retries inline, without the backoff countdown).
    previous, app.conf.task_eager_propagates = app.conf.task_eager_propagates, False
    twilio.add(responses.POST, TWILIO_URL, status=503, json={"code": 20503, "message": "down"})
    twilio.add(responses.POST, TWILIO_URL, status=500, json={"code": 20500, "message": "err"})
    twilio.add(responses.POST, TWILIO_URL, status=201, json={"sid": "SM1", "status": "queued"})
    try:
        result = send_activity_notification.apply(args=(login_household.pk, "message"))
    finally:
        app.conf.task_eager_propagates = previous
    assert result.successful() and result.result is True
    assert len(twilio.calls) == 3
    sent = parse_qs(twilio.calls[-1].request.body)
    assert sent["To"] == ["+41790000001"] and "du nouveau" in sent["Body"][0]


def test_notification_task_gives_the_slot_back_when_sms_fails(twilio, login_household):
    """A notification that could not be sent is not counted as sent: the retry may send."""
    from notifications.throttle import claim_notification_slot

    twilio.add(responses.POST, TWILIO_URL, status=400, json={"code": 21211, "message": "bad"})
    with pytest.raises(sms.SMSDeliveryError):
        send_activity_notification.apply(args=(login_household.pk, "message"), throw=True)
    assert claim_notification_slot(login_household.pk, "message")


# --- The worker / broker stopped ---------------------------------------------------------

def broker_down(task):
    return mock.patch.object(task, "apply_async",
                             side_effect=OperationalError("Connection refused"))


def test_advisor_reply_is_stored_and_its_notification_sent_once_the_broker_is_back(
        login_household, django_capture_on_commit_callbacks):
    thread = ThreadFactory(customer=login_household)
    with broker_down(send_activity_notification), \
            django_capture_on_commit_callbacks(execute=True):
        conversations.advisor_reply(thread=thread, advisor=login_household.advisor, body="Réponse")
    assert Message.objects.filter(thread=thread, from_advisor=True).count() == 1
    # After commit the broker refused: the call was kept, nothing sent yet.
    kept = DeferredTask.objects.get()
    assert kept.task_name == send_activity_notification.name
    assert sms.outbox == []
    assert outbox.flush() == 1  # beat, once the broker answers (eager here)
    assert DeferredTask.objects.count() == 0
    assert [m.to for m in sms.outbox] == ["+41790000001"]


def test_customer_message_with_broker_down_is_stored_and_the_page_is_normal(
        login_household, django_capture_on_commit_callbacks):
    client = Client()
    log_in(client)
    with broker_down(send_activity_notification), \
            django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("messaging:new"), {"subject": "Lunettes", "body": "?",
                                                          "attachments": [pdf_upload()]})
    assert response.status_code == 302
    assert Thread.objects.get().messages.get().attachments.count() == 1


def test_document_notification_with_broker_down_is_sent_later(
        login_household, django_capture_on_commit_callbacks):
    from django.core.files.base import ContentFile

    from core.tests.samples import pdf_bytes
    from documents.storing import store_document

    with broker_down(send_activity_notification), \
            django_capture_on_commit_callbacks(execute=True):
        store_document(insured_person=login_household.policy_holder, type="policy",
                       issue_date=date(2026, 1, 1), title="Police",
                       source=ContentFile(pdf_bytes()), file_name="police.pdf")
    assert DeferredTask.objects.count() == 1 and sms.outbox == []
    outbox.flush()
    assert [m.to for m in sms.outbox] == ["+41790000001"]


def test_notification_sms_through_twilio_is_kept_while_the_broker_is_down(twilio, login_household):
    from core.tasks import deliver_sms

    twilio.add(responses.POST, TWILIO_URL, status=201, json={"sid": "SM9", "status": "queued"})
    with broker_down(deliver_sms):
        sms.send_sms("+41790000001", "KPT: du nouveau vous attend.")
    assert len(twilio.calls) == 0 and DeferredTask.objects.count() == 1
    outbox.flush()
    assert len(twilio.calls) == 1 and DeferredTask.objects.count() == 0


def test_flush_stops_at_the_first_broker_failure_and_keeps_the_rest(login_household):
    for _ in range(3):
        DeferredTask.objects.create(task_name=send_activity_notification.name,
                                    args=[login_household.pk, "message"])
    with broker_down(send_activity_notification):
        assert outbox.flush() == 0
    assert DeferredTask.objects.count() == 3


def test_flush_is_scheduled_every_minute():
    from core.celery import app

    app.loader.import_default_modules()  # as beat starts: every app's tasks module
    entry = app.conf.beat_schedule["core.flush_deferred_tasks"]
    assert entry["task"] == "core.tasks.flush_deferred_tasks" and entry["schedule"] == 60


def test_claim_upload_with_broker_down_is_stored_and_requeued_later(
        login_household, django_capture_on_commit_callbacks, settings):
    from claims.models import Claim
    from claims.tasks import requeue_stuck_claims, run_intake

    client = Client()
    log_in(client)
    with mock.patch.object(run_intake, "apply_async", side_effect=OperationalError("refused")):
        response = client.post(reverse("claims:new"), {
            "insured_person": login_household.policy_holder.pk, "kind": "doctor_invoice",
            "note": "", "files": [pdf_upload("facture.pdf")]})
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert claim.status == "received" and claim.pages.count() == 1
    kept = DeferredTask.objects.get(task_name=run_intake.name)
    assert kept.args == [claim.pk] and kept.published_at is None
    assert requeue_stuck_claims() == 0  # already waits in the outbox: no second row
    with mock.patch.object(run_intake, "apply_async") as queued:
        assert outbox.relay() == 1  # beat, once the broker is back
    assert queued.call_args.kwargs["args"] == (claim.pk,)
    assert queued.call_args.kwargs["task_id"] == f"outbox-{kept.pk}"


# --- A real Redis of the test's own: frozen (SIGSTOP), killed, restarted empty ---------------

@pytest.mark.parametrize(("required", "outcome"), [("1", pytest.fail.Exception),
                                                    ("", pytest.skip.Exception)])
def test_a_missing_redis_server_fails_the_services_pass_and_skips_elsewhere(
        monkeypatch, tmp_path, required, outcome):
    from tests import services

    monkeypatch.setattr(services.shutil, "which", lambda name: None)
    monkeypatch.setenv("PORTAL_REQUIRE_SERVICES", required)
    # Caught whatever it is: a skip where a failure is expected must fail this test.
    with pytest.raises(BaseException, match="redis-server is not installed") as stopped:
        services.RedisServer(tmp_path)
    assert stopped.type is outcome


@pytest.fixture
def own_redis(tmp_path):
    from tests.services import redis_server

    with redis_server(tmp_path) as server:
        yield server


@pytest.fixture
def portal_on(own_redis, settings):
    """The portal's Celery app publishing to ``own_redis`` with the production options."""
    from core.celery import app
    from tests.services import app_publishing_to

    with app_publishing_to(app, own_redis.url):
        yield app


def timed(action):
    started = time.monotonic()
    result = action()
    return result, time.monotonic() - started


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_frozen_redis_holds_a_claim_upload_under_two_seconds_and_the_answer_is_normal(
        own_redis, portal_on, login_household, settings):
    """Before: ~62 s until gunicorn killed the worker, an empty 500, yet the claim stored."""
    from claims.models import Claim
    from claims.tasks import run_intake

    # The cache on the same Redis, as in production (REDIS_CACHE_URL=…/1).
    settings.CACHES = {"default": {"BACKEND": "core.cache.ResilientRedisCache",
                                   "LOCATION": own_redis.url[:-1] + "1", "KEY_PREFIX": "kpt"}}
    client = Client()
    log_in(client)
    own_redis.freeze()
    response, seconds = timed(lambda: client.post(reverse("claims:new"), {
        "insured_person": login_household.policy_holder.pk, "kind": "doctor_invoice",
        "note": "", "files": [pdf_upload("facture.pdf")]}))
    own_redis.thaw()
    cache.clear()
    print(f"claim upload with a frozen Redis: {seconds:.2f} s")
    assert seconds < 2.5, seconds
    assert response.status_code == 302  # the normal answer: to the claim's page
    claim = Claim.objects.get()
    assert claim.pages.count() == 1
    row = DeferredTask.objects.get(task_name=run_intake.name)
    assert row.args == [claim.pk] and row.published_at is None  # kept for the relay
    # Redis answers again: the relay publishes it, exactly once.
    assert outbox.relay() == 1 and outbox.relay() == 0
    assert own_redis.queue_length("ocr") == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_frozen_redis_keeps_the_advisors_reply_notification(own_redis, portal_on,
                                                               login_household):
    """Before: the reply hung ~62 s and its notification was lost."""
    thread = ThreadFactory(customer=login_household)
    own_redis.freeze()
    _reply, seconds = timed(lambda: conversations.advisor_reply(
        thread=thread, advisor=login_household.advisor, body="Voici la réponse."))
    own_redis.thaw()
    assert seconds < 2.5, seconds
    assert list(DeferredTask.objects.values_list("task_name", "args")) == [
        (send_activity_notification.name, [login_household.pk, "message"])]
    assert outbox.relay() == 1
    assert own_redis.queue_length("default") == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_killed_redis_is_given_up_fast_and_the_task_kept(own_redis, portal_on):
    own_redis.kill()
    row, seconds = timed(lambda: outbox.enqueue(send_activity_notification, 1, "message"))
    assert seconds < 2.5, seconds
    assert DeferredTask.objects.get(pk=row.pk).published_at is None


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_tasks_lost_by_a_redis_restarted_empty_are_sent_again(own_redis, portal_on):
    """Before: notifications, SMS and import chunks handed to Redis vanished with its data."""
    from datetime import timedelta

    from django.utils import timezone

    outbox.enqueue(send_activity_notification, 1, "message")
    outbox.enqueue(sms.deliver_sms, "+41790000001", "Bonjour")
    assert own_redis.queue_length("default") == 1 and own_redis.queue_length("sms") == 1
    own_redis.restart_empty()  # no worker ran them; Redis comes back without its data
    assert own_redis.queue_length("default") == 0
    assert outbox.relay() == 0  # published recently: not yet presumed lost
    for row in DeferredTask.objects.all():  # never started in their queue's longest wait
        DeferredTask.objects.filter(pk=row.pk).update(
            published_at=timezone.now() - outbox.never_started_after(row.task_name)
            - timedelta(seconds=1))
    assert outbox.relay() == 2
    assert own_redis.queue_length("default") == 1 and own_redis.queue_length("sms") == 1


# --- The outbox: written with the change, relayed once however many relays run ----------------

@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_outbox_row_is_rolled_back_with_the_change_and_published_after_commit(portal_on,
                                                                                 own_redis):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue(send_activity_notification, 1, "message")
        raise RuntimeError("the change failed")
    assert DeferredTask.objects.count() == 0 and own_redis.queue_length("default") == 0
    with transaction.atomic():
        outbox.enqueue(send_activity_notification, 1, "message")
        assert own_redis.queue_length("default") == 0  # nothing before the commit
    assert own_redis.queue_length("default") == 1
    assert DeferredTask.objects.get().published_at is not None  # kept until the task ran


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_relays_send_each_kept_task_once(portal_on, own_redis):
    """Two beats (or a beat and a slow one) relaying at the same moment: no SMS twice."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        skip_or_fail("row locks (select_for_update skip_locked) need PostgreSQL")
    for n in range(20):  # kept while the broker was away
        DeferredTask.objects.create(task_name=sms.deliver_sms.name,
                                    args=["+41790000001", f"code {n}"])
    published: list[str] = []
    real = sms.deliver_sms.apply_async

    def slow_publish(*args, **kwargs):
        time.sleep(0.02)  # both relays are inside their loop at the same time
        published.append(kwargs["task_id"])
        return real(*args, **kwargs)

    barrier = threading.Barrier(2)
    counts = []

    def run_relay():
        barrier.wait()
        try:
            counts.append(outbox.relay())
        finally:
            connections.close_all()

    with mock.patch.object(sms.deliver_sms, "apply_async", side_effect=slow_publish):
        threads = [threading.Thread(target=run_relay) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sum(counts) == 20
    assert len(published) == len(set(published)) == 20
    assert own_redis.queue_length("sms") == 20


# --- A real worker killed with SIGKILL in the middle of an intake ----------------------------

def test_the_sweep_outlasts_the_intake_time_limit_and_retries_within_ten_minutes(settings):
    from claims.tasks import REQUEUE_EVERY_SECONDS, STUCK_PROCESSING_MINUTES
    from core.celery import app

    assert STUCK_PROCESSING_MINUTES * 60 > settings.INTAKE_TIME_LIMIT  # never a live run
    assert STUCK_PROCESSING_MINUTES * 60 + REQUEUE_EVERY_SECONDS <= 10 * 60
    assert app.conf.beat_schedule["claims-requeue-stuck"]["schedule"] == REQUEUE_EVERY_SECONDS
    assert app.conf.task_annotations["claims.tasks.run_intake"]["time_limit"] == 300
    assert app.conf.task_time_limit and app.conf.task_soft_time_limit
    assert app.conf.worker_max_memory_per_child


def wait_for(condition, timeout, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_claim_whose_worker_was_killed_is_read_again_by_the_sweep(own_redis, portal_on,
                                                                    settings, tmp_path):
    """Before: "En lecture" for 60–90 minutes after a worker crash."""
    from datetime import timedelta

    from django.utils import timezone

    from claims.models import Claim, ClaimStatus
    from claims.tasks import STUCK_PROCESSING_MINUTES, queue_intake, requeue_stuck_claims
    from claims.tests.factories import ClaimFactory, jpeg_bytes
    from tests.services import Worker, postgres_url

    database = postgres_url()
    if database is None:
        skip_or_fail("a worker process needs the PostgreSQL test database")
    env = {"STORAGE_LOCAL_ROOT": settings.STORAGES["private"]["OPTIONS"]["options"]["location"],
           "FILE_ENCRYPTION_KEYS": ",".join(settings.FILE_ENCRYPTION_KEYS)}
    claim = ClaimFactory(page=jpeg_bytes(size=(1700, 2400)))  # a photographed A4 page: OCR
    first = Worker(own_redis.url, database, tmp_path / "w1.log", queues="ocr", extra_env=env)
    first.wait_ready(portal_on)
    queue_intake(claim.pk)
    assert wait_for(lambda: Claim.objects.get(pk=claim.pk).status == ClaimStatus.PROCESSING, 60)
    first.kill()  # SIGKILL, main process and child, in the middle of the OCR
    killed_at = time.monotonic()
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.PROCESSING  # stuck
    # The sweep's threshold passes (simulated: the claim's status is made that old).
    Claim.objects.filter(pk=claim.pk).update(
        status_changed_at=timezone.now() - timedelta(minutes=STUCK_PROCESSING_MINUTES, seconds=1))
    assert requeue_stuck_claims() == 1
    second = Worker(own_redis.url, database, tmp_path / "w2.log", queues="ocr", extra_env=env)
    try:
        second.wait_ready(portal_on)
        started_at = time.monotonic()
        assert wait_for(lambda: Claim.objects.get(pk=claim.pk).status == ClaimStatus.TO_REVIEW,
                        120, step=0.1), (tmp_path / "w2.log").read_text()[-3000:]
    finally:
        second.stop()
    done_at = time.monotonic()
    print(f"worker killed: new worker ready in {started_at - killed_at:.1f} s, claim read "
          f"{done_at - started_at:.1f} s later; with the sweep: at most "
          f"{STUCK_PROCESSING_MINUTES} min + 2 min + these")
    # The task ran to its end: its outbox row is gone (the first run's row is superseded).
    assert not DeferredTask.objects.filter(published_at__isnull=True).exists()


# --- Two beats: the second waits as a standby ------------------------------------------------

@pytest.mark.services
def test_a_second_beat_waits_and_takes_over_when_the_first_dies(own_redis, tmp_path):
    """Before: two beats sent every periodic job twice."""
    from tests.services import Beat

    first = Beat(own_redis.url, tmp_path, "first")
    second = None
    try:
        assert wait_for(lambda: first.says("beat lock taken"), 60, step=0.2), first.log.read_text()
        second = Beat(own_redis.url, tmp_path, "second")
        assert wait_for(lambda: second.says("waiting as a standby"), 60, step=0.2)
        time.sleep(4)  # longer than the lock's life: the first renews it, the second waits
        assert not second.says("beat lock taken")
        first.kill()
        killed = time.monotonic()
        assert wait_for(lambda: second.says("beat lock taken"), 30, step=0.1)
        print(f"standby beat took over {time.monotonic() - killed:.1f} s after the leader died")
    finally:
        first.kill()
        if second is not None:
            second.kill()


# --- Backup and restore drill: into an empty database and folder, every file opens -----------

@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_drill(settings, tmp_path):
    import os
    import subprocess
    import sys
    import uuid
    from pathlib import Path

    from claims.tests.factories import ClaimFactory
    from documents.tests.factories import make_document
    from tests.services import postgres_url

    source_url = postgres_url()
    if source_url is None:
        skip_or_fail("the drill dumps and restores a PostgreSQL database")
    for _ in range(3):
        make_document()
    ClaimFactory()
    ClaimFactory()
    root = Path(__file__).resolve().parents[1]
    script = [sys.executable, str(root / "scripts" / "backup.py")]
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    base["FILE_ENCRYPTION_KEYS"] = ",".join(settings.FILE_ENCRYPTION_KEYS)
    source = {**base, "DATABASE_URL": source_url, "STORAGE_LOCAL_ROOT":
              settings.STORAGES["private"]["OPTIONS"]["options"]["location"]}
    backup = subprocess.run([*script, "backup", str(tmp_path / "backup")], env=source,
                            capture_output=True, text=True, timeout=120)
    assert backup.returncode == 0, backup.stderr
    assert "5 file(s) copied" in backup.stdout
    # An empty database and an empty folder, as after losing the server.
    name = f"kpt_restore_{uuid.uuid4().hex[:8]}"
    admin = source_url.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'], check=True)
    target = {**base, "DATABASE_URL": source_url.rsplit("/", 1)[0] + f"/{name}",
              "STORAGE_LOCAL_ROOT": str(tmp_path / "restored-files")}
    try:
        without_key = subprocess.run([*script, "restore", str(tmp_path / "backup")],
                                     env={**target, "FILE_ENCRYPTION_KEYS":
                                          "bmV3LWtleS1uZXZlci11c2VkLWJlZm9yZS0wMDAwMDA="},
                                     capture_output=True, text=True, timeout=120)
        assert without_key.returncode != 0 and "lacks key(s)" in without_key.stderr
        started = time.monotonic()
        restored = subprocess.run([*script, "restore", str(tmp_path / "backup")], env=target,
                                  capture_output=True, text=True, timeout=300)
        assert restored.returncode == 0, restored.stderr
        verified = subprocess.run([*script, "verify"], env=target, capture_output=True,
                                  text=True, timeout=120)
        print(f"restore + verify of the drill set: {time.monotonic() - started:.1f} s")
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert "5 file(s) open with their checksum, 0 failed" in verified.stdout
    finally:
        subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}"'], check=False)


# --- A chunked import with no worker running ---------------------------------------------------

@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_chunked_import_without_a_worker_says_so_instead_of_hanging(own_redis, portal_on,
                                                                       tmp_path):
    """Before: ``import_documents`` waited forever for chunks no worker would run."""
    from django.core.management import CommandError, call_command

    from documents.importing import COLUMNS

    (tmp_path / "manifest.csv").write_text(",".join(COLUMNS) + "\n" + "".join(
        ",".join(f"x{n}" for _ in COLUMNS) + "\n" for n in range(3)))
    started = time.monotonic()
    with pytest.raises(CommandError, match="No Celery worker answers") as error:
        call_command("import_documents", str(tmp_path), "--chunk-size", "1",
                     stdout=io.StringIO())
    assert time.monotonic() - started < 10
    assert "running the import again is harmless" in str(error.value)
    assert own_redis.queue_length("default") == 3  # queued, imported once a worker starts
    # Through the outbox: a chunk the broker loses is sent again by the relay.
    assert DeferredTask.objects.filter(task_name="documents.tasks.import_chunk").count() == 3
