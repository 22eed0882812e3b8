"""Two writers on the quick start's SQLite file: the second waits for the first instead of
failing with "database is locked" (the outbox's publish after a claim was sent did, so the
intake waited for the relay's next minute)."""

import threading

import pytest
from django.db import connection, connections, transaction

from core.models import DeferredTask

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_read_then_write_transaction_waits_for_another_writer_instead_of_failing():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's locking only")
    row = DeferredTask.objects.create(task_name="demo.task", args=[])
    has_read, other_wrote = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def read_then_write():  # as the outbox publishes: select the row, then mark it
        try:
            with transaction.atomic():
                DeferredTask.objects.filter(pk=row.pk).first()
                has_read.set()
                other_wrote.wait(2)
                DeferredTask.objects.filter(pk=row.pk).update(attempts=1)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    def write():  # another request or the worker, at the same moment
        try:
            has_read.wait(2)
            with transaction.atomic():
                DeferredTask.objects.create(task_name="demo.other", args=[])
            other_wrote.set()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            other_wrote.set()
            connections.close_all()

    threads = [threading.Thread(target=read_then_write), threading.Thread(target=write)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert DeferredTask.objects.get(pk=row.pk).attempts == 1
    assert DeferredTask.objects.count() == 2
