import html
import re
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import responses
from django.test import Client
from django.utils import timezone

from accounts.models import SecurityEvent, SMSDevice
from accounts.tests.factories import TEST_PASSWORD, CustomerFactory, sms_device_for
from kptportal import sms

STEP = "portal_login_view-current_step"


@pytest.fixture
def household(db):
    customer = CustomerFactory(account__username="KPT12345678",
                               account__mobile_phone="+41790000001")
    sms_device_for(customer.account)
    return customer


def post_credentials(client, username="KPT12345678", password=TEST_PASSWORD):
    return client.post("/login/", {STEP: "auth", "auth-username": username,
                                   "auth-password": password})


def post_code(client, code):
    return client.post("/login/", {STEP: "token", "token-otp_token": code})


def last_code() -> str:
    return re.search(r"\b(\d{6})\b", sms.outbox[-1].text).group(1)


def text(response) -> str:
    return html.unescape(response.content.decode())


def events(kind):
    return SecurityEvent.objects.filter(kind=kind)


def test_full_login_with_password_and_sms_code_reaches_the_dashboard(client, household):
    response = post_credentials(client)
    assert response.status_code == 200
    assert 'autocomplete="one-time-code"' in text(response)
    assert 'inputmode="numeric"' in text(response)
    assert [m.to for m in sms.outbox] == ["+41790000001"]
    response = post_code(client, last_code())
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert events("login").count() == 1
    assert events("code_sent").count() == 1


def test_contract_number_is_normalised_from_what_people_type(client, household):
    response = post_credentials(client, username=" kpt 1234 5678 ")
    assert 'name="token-otp_token"' in text(response)


@pytest.mark.parametrize("typed", ["12345678", "KPT1234567", "KPX12345678", "KPT123456789", "x"])
def test_malformed_contract_numbers_get_a_clear_message(client, household, typed):
    response = post_credentials(client, username=typed)
    assert "KPT suivi de 8 chiffres" in text(response)
    assert sms.outbox == []


def test_wrong_password_and_unknown_contract_get_the_same_message(client, household):
    wrong_password = post_credentials(client, password="wrong-Password-1").content.decode()
    unknown = post_credentials(Client(), username="KPT99999999").content.decode()
    message = "Le numéro de contrat online ou le mot de passe est incorrect."
    assert message in wrong_password and message in unknown
    assert sms.outbox == []
    assert events("login_failed").count() == 2


def test_password_is_case_sensitive(client, household):
    response = post_credentials(client, password=TEST_PASSWORD.upper())
    assert "incorrect" in text(response)


def test_wrong_code_is_refused_and_counted(client, household):
    post_credentials(client)
    wrong = "000000" if last_code() != "000000" else "111111"
    response = post_code(client, wrong)
    assert "pas valable" in text(response)
    assert client.get("/").status_code == 302
    assert events("code_failed").count() == 1


def test_a_code_works_only_once(client, household):
    post_credentials(client)
    code = last_code()
    post_code(client, code)
    other = Client()
    post_credentials(other)
    sms.outbox.clear()
    # The second login got its own new code; replaying the first one fails.
    SMSDevice.objects.update(last_generated_timestamp=None)
    response = post_code(other, code)
    assert response.status_code == 200
    assert other.get("/").status_code == 302


def test_each_login_sends_a_new_code(client, household):
    post_credentials(client)
    first = last_code()
    SMSDevice.objects.update(last_generated_timestamp=None)
    post_credentials(Client())
    assert len(sms.outbox) == 2
    assert SMSDevice.objects.get().token != first or last_code() != first


def test_expired_code_is_refused(client, household):
    post_credentials(client)
    code = last_code()
    SMSDevice.objects.update(valid_until=timezone.now() - timedelta(seconds=1))
    response = post_code(client, code)
    assert "pas valable" in text(response)


def test_resend_respects_a_one_minute_cool_down(client, household):
    post_credentials(client)
    response = client.post("/login/", {STEP: "token", "resend_code": "1"})
    assert "Attendez une minute" in text(response)
    assert len(sms.outbox) == 1
    SMSDevice.objects.update(last_generated_timestamp=timezone.now() - timedelta(seconds=61))
    response = client.post("/login/", {STEP: "token", "resend_code": "1"})
    assert "Un nouveau code vient de vous être envoyé" in text(response)
    assert len(sms.outbox) == 2
    assert post_code(client, last_code()).status_code == 302


def test_five_wrong_codes_need_a_new_login(client, household):
    post_credentials(client)
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        SMSDevice.objects.update(throttling_failure_timestamp=None)  # skip the back-off delay
        response = post_code(client, wrong)
    assert response.status_code == 302 and response["Location"] == "/login/"
    page = text(client.get("/login/"))
    assert "5 codes erronés" in page
    assert events("login_failed").count() == 0  # counted for axes, audited as code_failed
    assert events("code_failed").count() == 5
    assert post_code(client, code).status_code == 200  # the spent code no longer works
    assert client.get("/").status_code == 302


def test_sms_sends_are_limited_per_contract(client, household):
    for _ in range(5):
        SMSDevice.objects.update(last_generated_timestamp=None)
        post_credentials(Client())
    SMSDevice.objects.update(last_generated_timestamp=None)
    response = post_credentials(Client())
    assert len(sms.outbox) == 5
    assert "Trop de codes ont été demandés" in text(response)


def test_five_wrong_passwords_lock_the_contract_even_from_other_addresses(household):
    for attempt in range(5):
        post_credentials(Client(REMOTE_ADDR=f"10.0.0.{attempt}"), password="Wrong-pass-1")
    locked = post_credentials(Client(REMOTE_ADDR="10.9.9.9"))  # right password, new address
    assert locked.status_code == 429
    assert "Accès bloqué temporairement" in text(locked)
    assert events("lockout").exists()
    assert sms.outbox == []


def test_an_advisor_unlocks_a_locked_contract_from_the_admin(household, admin_verified_client):
    for _ in range(5):
        post_credentials(Client(), password="Wrong-pass-1")
    assert post_credentials(Client()).status_code == 429
    response = admin_verified_client.post("/admin/accounts/user/", {
        "action": "unlock", "_selected_action": [household.account.pk]})
    assert response.status_code == 302
    assert post_credentials(Client()).status_code == 200
    assert events("unlock").get().actor is not None


def test_sms_provider_failure_shows_try_again_and_loses_nothing(client, household, settings):
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC1", "secret"
    settings.TWILIO_FROM = "+41440000000"
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"
    with responses.RequestsMock() as twilio:
        twilio.add(responses.POST, url, status=503, json={"code": 20503, "message": "down"})
        response = post_credentials(client)
        assert "Nous n'avons pas pu envoyer le SMS" in text(response)
        assert events("sms_failed").count() == 1
        # The provider is back: "send a new code" works at once (no cool-down after a failure).
        twilio.replace(responses.POST, url, status=201, json={"sid": "SM1", "status": "queued"})
        response = client.post("/login/", {STEP: "token", "resend_code": "1"})
        assert "Un nouveau code vient de vous être envoyé" in text(response)
        sent = parse_qs(twilio.calls[-1].request.body)
    assert sent["To"] == ["+41790000001"]
    code = re.search(r"(\d{6})", sent["Body"][0]).group(1)
    assert post_code(client, code).status_code == 302


def test_login_rotates_the_session_id(client, household):
    client.get("/login/")
    post_credentials(client)
    before = client.session.session_key
    post_code(client, last_code())
    assert client.session.session_key != before


def test_advisors_cannot_use_the_customer_login(client, db):
    from accounts.tests.factories import AdvisorFactory

    advisor = AdvisorFactory(username="KPT55555555")
    sms_device_for(advisor)
    response = post_credentials(client, username="KPT55555555")
    assert "incorrect" in text(response)
