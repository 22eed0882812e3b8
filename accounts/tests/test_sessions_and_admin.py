import time

import pytest
from django.test import Client

from accounts.tests.factories import AdvisorFactory


def test_idle_sessions_end_after_15_minutes(customer_client):
    assert customer_client.get("/").status_code == 200
    session = customer_client.session
    session["last_activity"] = int(time.time()) - 15 * 60 - 5
    session.save()
    response = customer_client.get("/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert customer_client.get("/").status_code == 302


def test_activity_keeps_the_session_alive(customer_client):
    session = customer_client.session
    session["last_activity"] = int(time.time()) - 14 * 60
    session.save()
    assert customer_client.get("/").status_code == 200
    assert customer_client.session["last_activity"] >= int(time.time()) - 5


def test_sessions_end_after_12_hours_whatever_the_activity(customer_client):
    session = customer_client.session
    session["login_at"] = int(time.time()) - 12 * 3600 - 5
    session.save()
    assert customer_client.get("/").status_code == 302


def test_the_page_carries_the_idle_timeout_for_the_warning(customer_client):
    assert 'data-idle-timeout="900"' in customer_client.get("/").content.decode()


def test_admin_refuses_staff_without_second_factor(db):
    advisor = AdvisorFactory(is_superuser=True)
    client = Client()
    client.force_login(advisor)  # password only
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/staff/login/")
    assert "Espace conseillers" in response.content.decode()


def test_admin_admits_staff_with_second_factor(advisor_admin_client):
    assert advisor_admin_client.get("/admin/").status_code == 200


@pytest.mark.parametrize("path", ["/admin/audit/auditevent/", "/admin/accounts/customer/"])
def test_advisors_see_customers_and_security_events(advisor_admin_client, customer, path):
    assert advisor_admin_client.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/admin/accounts/smsdevice/", "/admin/accounts/user/"])
def test_logins_and_devices_are_for_administrators(advisor_admin_client, administrator_client,
                                                   customer, path):
    refused = advisor_admin_client.get(path)
    assert refused.status_code == 403
    assert "Autorisation manquante" in refused.content.decode()  # the staff page
    assert administrator_client.get(path).status_code == 200


def test_administrator_resets_a_customers_second_factors_audited(administrator_client,
                                                                 customer):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from audit.models import AuditEvent

    TOTPDevice.objects.create(user=customer.account, name="app", confirmed=True)
    administrator_client.post("/admin/accounts/user/", {
        "action": "reset_second_factors", "_selected_action": [customer.account.pk]})
    assert not TOTPDevice.objects.filter(user=customer.account).exists()
    event = AuditEvent.objects.get(kind="accounts.second_factor_changed")
    assert event.actor is not None and event.user == customer.account


def test_staff_login_with_sms_code_leads_to_the_admin(db):
    import re

    from accounts.tests.factories import TEST_PASSWORD, sms_device_for
    from core import sms

    advisor = AdvisorFactory(username="claire")
    sms_device_for(advisor)
    client = Client()
    step = "staff_login_view-current_step"
    client.post("/staff/login/?next=/admin/", {step: "auth", "auth-username": "claire",
                                               "auth-password": TEST_PASSWORD})
    code = re.search(r"(\d{6})", sms.outbox[-1].text).group(1)
    response = client.post("/staff/login/?next=/admin/", {step: "token", "token-otp_token": code})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
