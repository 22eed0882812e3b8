"""The outbox as the one way to queue work that matters, tasks that act once per row, and a
relay that does not send again what is still queued or still retrying."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import responses
from django.db import transaction
from django.utils import timezone

from accounts.tests.factories import CustomerFactory, InsuredPersonFactory
from claims.tasks import run_intake
from core import outbox
from core.models import DeferredTask
from core.sms import deliver_sms
from messaging import conversations
from messaging.tasks import tell_advisor_of_customer_message
from notifications.tasks import send_activity_notification

pytestmark = pytest.mark.django_db
TWILIO_URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def twilio(settings):
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC1", "test-token"
    settings.TWILIO_FROM = "+41440000000"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mocked.add(responses.POST, TWILIO_URL, status=201, json={"sid": "SM1"})
        yield mocked


@pytest.fixture
def broker_later():
    """Rows are written and left for after the commit (which never comes in a test): what
    the change queued can be looked at."""
    from core.celery import app

    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True


def queued(task):
    return list(DeferredTask.objects.filter(task_name=task.name).values_list("args", flat=True))


# --- Once per row -------------------------------------------------------------------------------

def test_an_sms_row_delivered_twice_sends_one_sms(twilio):
    """Before: the relay's second message of a row (or the broker's redelivery) sent a
    second SMS."""
    row = DeferredTask.objects.create(task_name=deliver_sms.name,
                                      args=["+41790000001", "KPT: du nouveau"])
    first = deliver_sms.apply(args=row.args, task_id=outbox.task_id_for(row.pk), throw=True)
    second = deliver_sms.apply(args=row.args, task_id=outbox.task_id_for(row.pk), throw=True)
    assert first.result == "SM1" and second.result == ""
    assert len(twilio.calls) == 1
    assert not DeferredTask.objects.filter(pk=row.pk).exists()


def test_an_sms_sent_outside_the_outbox_is_sent(twilio):
    assert deliver_sms.apply(args=["+41790000001", "x"], throw=True).result == "SM1"


def test_the_advisors_mail_goes_once_per_row(mailoutbox):
    from accounts.tests.factories import AdvisorFactory
    from messaging.tests.factories import ThreadFactory

    thread = ThreadFactory(assigned_to=AdvisorFactory(email="advisor@kpt.example"))
    row = DeferredTask.objects.create(task_name=tell_advisor_of_customer_message.name,
                                      args=[thread.pk])
    for _ in range(2):
        tell_advisor_of_customer_message.apply(args=[thread.pk],
                                               task_id=outbox.task_id_for(row.pk), throw=True)
    assert len(mailoutbox) == 1


# --- Queued with the change, not after it -------------------------------------------------------

def test_a_customers_message_writes_the_advisors_mail_into_the_outbox_with_it(broker_later,
                                                                             customer):
    """Before: an on_commit hook queued it after the commit; a process that died in between
    lost it."""
    thread = conversations.start_thread(customer=customer, author=customer.account,
                                        subject="Question", body="Bonjour")
    assert queued(tell_advisor_of_customer_message) == [[thread.pk]]


def test_a_message_rolled_back_leaves_no_mail_in_the_outbox(broker_later, customer):
    with pytest.raises(RuntimeError), transaction.atomic():
        conversations.start_thread(customer=customer, author=customer.account,
                                   subject="Question", body="Bonjour")
        raise RuntimeError("the change failed")
    assert queued(tell_advisor_of_customer_message) == []


def test_a_new_contracts_welcome_sms_is_written_with_the_contract(broker_later, twilio):
    from accounts.registration import create_online_contract

    customer = CustomerFactory(account=None, holder=False, customer_number="900100201")
    InsuredPersonFactory(customer=customer, is_policy_holder=True)
    user = create_online_contract(customer, mobile_phone="+41797654321")
    ((number, text),) = queued(deliver_sms)
    assert number == "+41797654321" and user.username in text


def test_a_changed_mobile_tells_the_old_number_through_the_outbox(broker_later, twilio, customer):
    from accounts.profile import change_mobile

    customer.account.mobile_phone = "+41790000001"
    customer.account.save()
    change_mobile(customer.account, "+41790000002")
    ((number, text),) = queued(deliver_sms)
    assert number == "+41790000001" and "remplacé" in text


# Published directly, on purpose, each with its reason.
DIRECT = {
    # The hint before sending: a 20-second answer or none. The outbox would keep the page's
    # image in its table and send it again minutes later, when nobody waits for it any more.
    "claims/prereads.py",
}


def test_app_code_queues_only_through_the_outbox():
    """No ``.delay(``, ``.apply_async(`` or ``send_task(`` outside core.outbox: one way, but
    for the stated exceptions."""
    packages = [folder for folder in ROOT.iterdir() if (folder / "apps.py").exists()
                or (folder / "settings.py").exists()]
    assert {"core", "accounts", "documents", "claims", "kptportal"} <= {p.name for p in packages}
    offenders = []
    for path in (path for package in packages for path in package.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if "tests" in relative.parts or relative.as_posix() in {"core/outbox.py", *DIRECT}:
            continue
        if re.search(r"\.(delay|apply_async)\(|send_task\(", path.read_text()):
            offenders.append(relative.as_posix())
    assert offenders == []


# --- The relay: not again while queued or retrying ---------------------------------------------

def row(task, *, published_ago, started_ago=None):
    now = timezone.now()
    return DeferredTask.objects.create(
        task_name=task.name, args=[1], published_at=now - published_ago, attempts=1,
        started_at=now - started_ago if started_ago is not None else None)


def due_ids():
    return set(DeferredTask.objects.filter(outbox.due()).values_list("pk", flat=True))


def test_a_task_still_retrying_is_not_sent_again():
    """Before: published more than 20 minutes ago = lost, though its retries (up to ~1,235 s
    of countdowns) were still going on."""
    retrying = row(deliver_sms, published_ago=timedelta(minutes=50),
                   started_ago=timedelta(minutes=8))
    silent = row(deliver_sms, published_ago=timedelta(hours=2),
                 started_ago=outbox.SILENT_AFTER + timedelta(seconds=1))
    assert due_ids() == {silent.pk}
    assert retrying.pk not in due_ids()


def test_an_intake_queued_behind_a_long_ocr_backlog_is_not_sent_again():
    """Before: every claim waiting more than 20 minutes in the OCR queue was published again."""
    backlog = row(run_intake, published_ago=timedelta(hours=3))
    notification = row(send_activity_notification, published_ago=timedelta(hours=3))
    lost = row(run_intake, published_ago=outbox.never_started_after(run_intake.name)
               + timedelta(seconds=1))
    assert due_ids() == {notification.pk, lost.pk}
    assert backlog.pk not in due_ids()


def test_the_relay_waits_out_the_longest_gap_between_two_runs_of_a_chain(settings):
    from core.celery import RETRY_OPTIONS

    longest_run = max(settings.INTAKE_TIME_LIMIT, settings.CELERY_TASK_TIME_LIMIT)
    back_in_queue = max(RETRY_OPTIONS["retry_backoff_max"], settings.BROKER_VISIBILITY_TIMEOUT)
    gap = longest_run + back_in_queue + longest_run  # a run, its way back, a run ahead of it
    assert outbox.SILENT_AFTER.total_seconds() >= gap
    # Never started: a queue's wait outlasts a whole retry chain's countdowns too.
    countdowns = sum(min(RETRY_OPTIONS["retry_backoff"] * 2 ** n,
                         RETRY_OPTIONS["retry_backoff_max"])
                     for n in range(RETRY_OPTIONS["max_retries"]))
    assert countdowns == 1235
    assert outbox.never_started_after(deliver_sms.name).total_seconds() > countdowns


def test_a_run_stamps_its_row():
    from core.celery import task_began

    waiting = DeferredTask.objects.create(task_name=deliver_sms.name, args=[])
    task_began(task_id=outbox.task_id_for(waiting.pk), task=deliver_sms)
    waiting.refresh_from_db()
    assert waiting.started_at is not None
