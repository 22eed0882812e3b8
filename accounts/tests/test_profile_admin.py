"""Advisors see what customers changed: the audit log and the profile history in the admin."""

import pytest
from django.urls import reverse

from accounts.models import Correspondence, PortalSession
from accounts.profile import set_correspondence
from accounts.tests.factories import AdvisorFactory
from conftest import log_in_verified


@pytest.fixture
def admin_client(client, db):
    return log_in_verified(client, AdvisorFactory())


def test_customer_page_shows_the_correspondence_history(admin_client, customer):
    set_correspondence(customer, Correspondence.ONLINE)
    response = admin_client.get(reverse("admin:accounts_customer_change", args=[customer.pk]))
    assert response.status_code == 200
    assert "Uniquement en ligne" in response.content.decode()


def test_audit_log_lists_profile_changes_with_the_customer(admin_client, customer):
    set_correspondence(customer, Correspondence.ONLINE)
    response = admin_client.get(reverse("admin:audit_auditevent_changelist"))
    assert response.status_code == 200
    assert customer.customer_number in response.content.decode()


def test_session_admin_never_shows_the_session_key(administrator_client, customer):
    tracked = PortalSession.objects.create(session_key="k" * 32, user=customer.account)
    response = administrator_client.get(reverse("admin:accounts_portalsession_change",
                                        args=[tracked.pk]))
    assert response.status_code == 200
    assert "k" * 32 not in response.content.decode()
