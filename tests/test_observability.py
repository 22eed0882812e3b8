"""Knowing what happens: request ids into the logs and the tasks, JSON lines, metrics."""

import io
import json
import logging
import logging.config
import re

import pytest
from django.test import Client

from core import outbox, request_id
from core.models import DeferredTask
from notifications.tasks import send_activity_notification
from tests.test_faults import own_redis, portal_on  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def test_each_response_carries_a_request_id_and_keeps_a_sane_offered_one(client):
    first = client.get("/healthz/live")["X-Request-ID"]
    second = client.get("/healthz/live")["X-Request-ID"]
    assert len(first) == 32 and first != second
    kept = client.get("/healthz/live", HTTP_X_REQUEST_ID="lb-1234abcd")["X-Request-ID"]
    assert kept == "lb-1234abcd"
    forged = client.get("/healthz/live", HTTP_X_REQUEST_ID="x\nFAKE LOG LINE")["X-Request-ID"]
    assert "\n" not in forged and forged != "x\nFAKE LOG LINE"


def test_the_request_id_travels_with_the_task_it_queues(settings):
    from core.celery import app

    app.conf.task_always_eager = False  # keep the row: look at it before any publish
    try:
        token = request_id.bind("req-0123456789")
        try:
            outbox.enqueue(send_activity_notification, 1, "message")
        finally:
            request_id.reset(token)
    finally:
        app.conf.task_always_eager = True
    assert DeferredTask.objects.get().request_id == "req-0123456789"


def test_production_logs_are_json_lines_with_the_request_id():
    from kptportal.settings import logging_config

    config = logging_config([], "INFO", json_lines=True)
    stream = io.StringIO()
    config["handlers"]["console"]["stream"] = stream
    logging.config.dictConfig(config)
    try:
        token = request_id.bind("req-abcdef123")
        logging.getLogger("core.test").warning("broker unavailable", extra={"task": "x.y"})
        request_id.reset(token)
    finally:
        from django.conf import settings

        logging.config.dictConfig(settings.LOGGING)
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["message"] == "broker unavailable" and line["level"] == "WARNING"
    assert line["request_id"] == "req-abcdef123" and line["task"] == "x.y"


def test_metrics_answer_the_scraper_only_and_show_claims_outbox_sms_logins(settings):
    from claims.tests.factories import ClaimFactory

    settings.DEBUG = False
    settings.METRICS_TOKEN = "scrape-token-for-tests"
    ClaimFactory(status="processing")
    DeferredTask.objects.create(task_name="core.tasks.deliver_sms", args=["+41", "x"])
    client = Client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    client.post("/login/", {"portal_login_view-current_step": "auth",
                            "auth-username": "KPT00000000", "auth-password": "wrong-one"})
    body = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-for-tests").text
    assert 'portal_claims{status="processing"} 1.0' in body
    assert 'portal_outbox_tasks{state="waiting"} 1.0' in body
    assert "portal_claim_oldest_seconds" in body and "portal_outbox_oldest_seconds" in body
    assert 'portal_logins_total{outcome="failure"}' in body
    assert "portal_sms_total" in body and "portal_http_requests_total" in body


def test_error_reports_leave_personal_data_out():
    from core.observability import _drop_personal_data

    event = {"request": {"data": {"message": "diagnostic"}, "cookies": {"sessionid": "s"},
                         "query_string": "q=1", "headers": {"Cookie": "s", "Accept": "x"}},
             "user": {"id": 7, "email": "anna@example.ch"}}
    cleaned = _drop_personal_data(event, {})
    assert cleaned["request"] == {"headers": {"Accept": "x"}}
    assert cleaned["user"] == {"id": 7}


# --- A real worker: what it counts reaches a scrape, the request id reaches its logs ----------

@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_serves_its_sms_count_and_logs_the_request_that_queued_the_sms(
        own_redis, portal_on, tmp_path):  # noqa: F811 - the fixtures imported above
    """Before: portal_sms_total was counted in the worker's processes and never reached any
    scrape; and no test followed a request id into a real worker's logs."""
    import secrets
    import time
    import urllib.error
    import urllib.request

    from core.sms import deliver_sms
    from tests.services import Worker, database_url, free_port

    token, port, closed = secrets.token_urlsafe(16), free_port(), free_port()
    worker = Worker(own_redis.url, database_url(), tmp_path / "worker.log", queues="sms",
                    extra_env={
                        "SMS_BACKEND": "twilio", "TWILIO_ACCOUNT_SID": "AC1",
                        "TWILIO_AUTH_TOKEN": "test-token", "TWILIO_FROM": "+41440000000",
                        # Twilio unreachable without leaving the machine: a proxy nobody runs.
                        "HTTPS_PROXY": f"http://127.0.0.1:{closed}", "NO_PROXY": "",
                        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
                        "PORTAL_WORKER_METRICS_PORT": str(port), "METRICS_TOKEN": token,
                        "LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1"})

    def failed_count() -> float:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics",
                                         headers={"Authorization": f"Bearer {token}"})
        try:
            body = urllib.request.urlopen(request, timeout=5).read().decode()
        except (urllib.error.URLError, OSError):
            return 0.0
        found = re.search(r'^portal_sms_total\{outcome="failed"\} (\S+)$', body, re.M)
        return float(found[1]) if found else 0.0

    def lines_of_the_task() -> list[dict]:
        lines = [json.loads(line) for line in worker.log.read_text().splitlines()
                 if line.startswith("{")]
        return [line for line in lines if line.get("task_id") == f"outbox-{row.pk}"]

    try:
        worker.wait_ready(portal_on)
        assert failed_count() == 0.0
        bound = request_id.bind("req-worker-0001")
        try:
            row = outbox.enqueue(deliver_sms, "+41790000001", "KPT: du nouveau")
        finally:
            request_id.reset(bound)
        deadline = time.monotonic() + 60
        while not (failed_count() >= 1 and lines_of_the_task()) and \
                time.monotonic() < deadline:
            time.sleep(0.2)
        assert failed_count() >= 1, worker.log.read_text()[-3000:]
    finally:
        worker.stop()
    of_the_task = lines_of_the_task()
    assert of_the_task, worker.log.read_text()[-3000:]
    assert {line["request_id"] for line in of_the_task} == {"req-worker-0001"}
