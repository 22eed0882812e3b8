import pytest

from core.tasks import database_roundtrip


def test_tasks_run_eagerly_without_a_broker(db, settings):
    assert database_roundtrip.delay().get() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_process_runs_a_task_against_the_database(live_celery):
    result = database_roundtrip.delay()
    assert result.get(timeout=60) == 1
    assert result.successful()


def test_queues_and_reliability_options_are_configured():
    from core.celery import app

    assert {q.name for q in app.conf.task_queues} == {"default", "sms", "ocr"}
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_sms_delivery_task_is_routed_to_the_sms_queue_and_retries():
    from core.celery import app
    from core.tasks import deliver_sms

    route = app.amqp.router.route({}, deliver_sms.name, args=(), kwargs={})
    assert route["queue"].name == "sms"
    assert ConnectionError in deliver_sms.autoretry_for
    assert deliver_sms.retry_backoff
