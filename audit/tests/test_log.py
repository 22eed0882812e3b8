"""The audit log on its own: append-only, kinds registered by their apps, one query per page."""

import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from accounts import events as account_events
from audit import kinds
from audit import log as audit
from audit.activity import events_for
from audit.models import AuditEvent


def test_the_audit_log_refuses_update_and_delete_through_the_orm(customer):
    event = audit.record(account_events.LOGIN, user=customer.account)
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(kind=account_events.LOGOUT)
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionError):
        event.delete()
    event.kind = account_events.LOGOUT
    with pytest.raises(PermissionError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).kind == account_events.LOGIN


def test_events_for_is_one_indexed_query(customer, django_assert_num_queries):
    audit.record(account_events.LOGIN, user=customer.account)
    with django_assert_num_queries(1):
        assert len(list(events_for(customer))) == 1


def test_a_kind_no_app_registered_is_refused(db):
    with pytest.raises(audit.UnknownEventKind):
        audit.record("accounts.no_such_kind")  # type: ignore[arg-type]
    assert not AuditEvent.objects.exists()


def test_a_kind_is_registered_once_and_carries_its_app_and_label():
    name = f"probe_{uuid.uuid4().hex[:8]}"
    kind = kinds.register("audit", name, "Probe", shown_to_customer=False)
    assert kind == f"audit.{name}" and kind.app == "audit" and kind.label == "Probe"
    assert kinds.kind_of(f"audit.{name}") is kind
    assert kind not in kinds.shown_to_customer()
    with pytest.raises(ImproperlyConfigured):
        kinds.register("audit", name, "Probe again")


def test_every_app_that_records_has_registered_its_kinds():
    apps = {kind.app for kind in kinds.all_kinds()}
    assert {"accounts", "documents", "claims", "policies", "exports"} <= apps
    assert all(kind.startswith(f"{kind.app}.") for kind in kinds.all_kinds())


def test_record_keeps_the_device_and_address_never_more_than_fits(customer):
    request = RequestFactory().get("/", HTTP_USER_AGENT="x" * 500, REMOTE_ADDR="192.0.2.7")
    event = audit.record(account_events.LOGIN, request=request, user=customer.account)
    event.refresh_from_db()
    assert event.customer == customer
    assert event.ip_address == "192.0.2.7"
    assert len(event.user_agent) == 300
    assert event.username == customer.account.get_username()
