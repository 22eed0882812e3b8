"""The password asked again inside a session: a few wrong ones an hour, then the session ends."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.password_recheck import TooManyWrongPasswords, password_is_right, restore_budget
from accounts.tests.factories import TEST_PASSWORD
from audit.models import AuditEvent
from core import sms

pytestmark = pytest.mark.django_db


def test_the_fifth_wrong_password_within_the_hour_is_refused_as_too_many(customer):
    user = customer.account
    assert [password_is_right(user, "wrong-1") for _ in range(4)] == [False] * 4
    with pytest.raises(TooManyWrongPasswords):
        password_is_right(user, "wrong-1")


def test_the_right_password_costs_nothing(customer):
    user = customer.account
    for _ in range(10):
        assert password_is_right(user, TEST_PASSWORD)
    assert [password_is_right(user, "wrong-1") for _ in range(4)] == [False] * 4


def test_once_spent_even_the_right_password_is_refused_until_a_login(customer):
    user = customer.account
    for _ in range(4):
        password_is_right(user, "wrong-1")
    with pytest.raises(TooManyWrongPasswords):
        password_is_right(user, "wrong-1")
    with pytest.raises(TooManyWrongPasswords):
        password_is_right(user, TEST_PASSWORD)  # found after guessing: still no
    restore_budget(user)
    assert password_is_right(user, TEST_PASSWORD)


def test_each_account_has_its_own_budget(customer, other_customer):
    for _ in range(4):
        password_is_right(customer.account, "wrong-1")
    assert password_is_right(other_customer.account, "wrong-1") is False  # not raised


def ask_for_code(client, password):
    return client.post(reverse("accounts:profile_mobile"),
                       {"mobile_phone": "079 111 22 33", "password": password})


def test_wrong_passwords_on_the_profile_end_the_session_at_the_fifth(customer_client, customer):
    for attempt in range(4):
        response = ask_for_code(customer_client, "wrong-password")
        page = response.content.decode()
        assert response.status_code == 400  # told, and the number typed is kept
        assert 'value="079 111 22 33"' in page
        # Warned before the last try, not before.
        assert ("au prochain mot de passe erroné" in page) == (attempt == 3)
    response = ask_for_code(customer_client, "wrong-password")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    login_page = customer_client.get(response["Location"]).content.decode()
    assert "mal saisi trop souvent" in login_page
    assert customer_client.get(reverse("accounts:profile")).status_code == 302  # logged out
    assert sms.outbox == []
    logout = AuditEvent.objects.get(kind="accounts.logout", user=customer.account)
    assert logout.detail["reason"] == "password_rechecks"


def test_the_activity_page_says_why_the_session_ended(customer_client, customer, client):
    from conftest import log_in_verified

    for _ in range(5):
        ask_for_code(customer_client, "wrong-password")
    page = log_in_verified(client, customer.account).get(reverse("accounts:activity"))
    assert "mot de passe mal saisi trop souvent" in page.content.decode()


def test_the_password_change_and_the_authenticator_count_in_the_same_budget(customer_client):
    for _ in range(2):
        response = customer_client.post(reverse("accounts:profile_password"), {
            "old_password": "wrong-password", "new_password1": "Un-nouveau-mot-2026",
            "new_password2": "Un-nouveau-mot-2026"})
        assert response.status_code == 400
    for _ in range(2):
        response = customer_client.post(reverse("accounts:authenticator_setup"),
                                        {"password": "wrong-password", "code": "123456"})
        assert response.status_code in (200, 400)
    response = customer_client.post(reverse("accounts:profile_password"), {
        "old_password": "wrong-password", "new_password1": "Un-nouveau-mot-2026",
        "new_password2": "Un-nouveau-mot-2026"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")


def test_an_advisor_guessing_on_the_staff_security_page_goes_back_to_the_staff_login(
        advisor_client):
    for attempt in range(5):
        response = advisor_client.post(reverse("accounts:staff_passkey_add"),
                                       {"name": "Clé", "password": "wrong-password"})
        if attempt < 4:
            assert response.status_code == 400
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:staff_login")


def test_a_login_gives_the_budget_back(customer):
    from accounts.signals import on_login

    user = customer.account
    for _ in range(4):
        password_is_right(user, "wrong-1")
    on_login(sender=type(user), request=None, user=user)  # the receiver of every login
    assert [password_is_right(user, "wrong-1") for _ in range(4)] == [False] * 4
