import html
import re
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import responses
from django.test import Client
from django.utils import timezone

from accounts.models import SMSDevice
from accounts.tests.factories import TEST_PASSWORD, sms_device_for
from audit.models import AuditEvent
from core import sms

STEP = "portal_login_view-current_step"


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
    return AuditEvent.objects.filter(kind=kind)


def test_full_login_with_password_and_sms_code_reaches_the_dashboard(client, login_household):
    response = post_credentials(client)
    assert response.status_code == 200
    assert 'autocomplete="one-time-code"' in text(response)
    assert 'inputmode="numeric"' in text(response)
    assert [m.to for m in sms.outbox] == ["+41790000001"]
    response = post_code(client, last_code())
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert events("accounts.login").count() == 1
    assert events("accounts.code_sent").count() == 1


def test_contract_number_is_normalised_from_what_people_type(client, login_household):
    response = post_credentials(client, username=" kpt 1234 5678 ")
    assert 'name="token-otp_token"' in text(response)


@pytest.mark.parametrize("typed", ["12345678", "KPT1234567", "KPX12345678", "KPT123456789", "x"])
def test_malformed_contract_numbers_get_a_clear_message(client, login_household, typed):
    response = post_credentials(client, username=typed)
    assert "KPT suivi de 8 chiffres" in text(response)
    assert sms.outbox == []


def test_wrong_password_and_unknown_contract_get_the_same_message(client, login_household):
    wrong_password = post_credentials(client, password="wrong-Password-1").content.decode()
    unknown = post_credentials(Client(), username="KPT99999999").content.decode()
    message = "Le numéro de contrat online ou le mot de passe est incorrect."
    assert message in wrong_password and message in unknown
    assert sms.outbox == []
    assert events("accounts.login_failed").count() == 2


def test_password_is_case_sensitive(client, login_household):
    response = post_credentials(client, password=TEST_PASSWORD.upper())
    assert "incorrect" in text(response)


def test_wrong_code_is_refused_and_counted(client, login_household):
    post_credentials(client)
    wrong = "000000" if last_code() != "000000" else "111111"
    response = post_code(client, wrong)
    assert "pas valable" in text(response)
    assert client.get("/").status_code == 302
    assert events("accounts.code_failed").count() == 1


def test_a_code_works_only_once(client, login_household):
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


def test_each_login_sends_a_new_code(client, login_household):
    post_credentials(client)
    first = last_code()
    SMSDevice.objects.update(last_generated_timestamp=None)
    post_credentials(Client())
    assert len(sms.outbox) == 2
    assert SMSDevice.objects.get().token != first or last_code() != first


def test_expired_code_is_refused(client, login_household):
    post_credentials(client)
    code = last_code()
    SMSDevice.objects.update(valid_until=timezone.now() - timedelta(seconds=1))
    response = post_code(client, code)
    assert "pas valable" in text(response)


def test_resend_respects_a_one_minute_cool_down(client, login_household):
    post_credentials(client)
    response = client.post("/login/", {STEP: "token", "resend_code": "1"})
    assert "Attendez une minute" in text(response)
    assert len(sms.outbox) == 1
    SMSDevice.objects.update(last_generated_timestamp=timezone.now() - timedelta(seconds=61))
    response = client.post("/login/", {STEP: "token", "resend_code": "1"})
    assert "Un nouveau code vient de vous être envoyé" in text(response)
    assert len(sms.outbox) == 2
    assert post_code(client, last_code()).status_code == 302


def test_five_wrong_codes_need_a_new_login(client, login_household):
    post_credentials(client)
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        SMSDevice.objects.update(throttling_failure_timestamp=None)  # skip the back-off delay
        response = post_code(client, wrong)
    assert response.status_code == 302 and response["Location"] == "/login/"
    page = text(client.get("/login/"))
    assert "5 codes erronés" in page
    assert events("accounts.login_failed").count() == 0  # counted for axes, audited as code_failed
    assert events("accounts.code_failed").count() == 5
    assert post_code(client, code).status_code == 200  # the spent code no longer works
    assert client.get("/").status_code == 302


def test_sms_sends_are_limited_per_contract(client, login_household):
    for _ in range(5):
        SMSDevice.objects.update(last_generated_timestamp=None)
        post_credentials(Client())
    SMSDevice.objects.update(last_generated_timestamp=None)
    response = post_credentials(Client())
    assert len(sms.outbox) == 5
    assert "Trop de codes ont été demandés" in text(response)


def test_an_advisor_unlocks_a_locked_contract_from_the_admin(login_household, advisor_admin_client):
    for _ in range(5):
        post_credentials(Client(), password="Wrong-pass-1")
    assert post_credentials(Client()).status_code == 429
    response = advisor_admin_client.post("/admin/accounts/customer/", {
        "action": "unlock_contracts", "_selected_action": [login_household.pk]})
    assert response.status_code == 302
    assert post_credentials(Client()).status_code == 200
    assert events("accounts.unlock").get().actor is not None


def test_sms_provider_failure_shows_try_again_and_loses_nothing(client, login_household, settings):
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC1", "secret"
    settings.TWILIO_FROM = "+41440000000"
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"
    with responses.RequestsMock() as twilio:
        twilio.add(responses.POST, url, status=503, json={"code": 20503, "message": "down"})
        response = post_credentials(client)
        assert "Nous n'avons pas pu envoyer le SMS" in text(response)
        assert events("accounts.sms_failed").count() == 1
        # The provider is back: "send a new code" works at once (no cool-down after a failure).
        twilio.replace(responses.POST, url, status=201, json={"sid": "SM1", "status": "queued"})
        response = client.post("/login/", {STEP: "token", "resend_code": "1"})
        assert "Un nouveau code vient de vous être envoyé" in text(response)
        sent = parse_qs(twilio.calls[-1].request.body)
    assert sent["To"] == ["+41790000001"]
    code = re.search(r"(\d{6})", sent["Body"][0]).group(1)
    assert post_code(client, code).status_code == 302


def test_login_rotates_the_session_id(client, login_household):
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


TWILIO_URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"


@pytest.fixture
def twilio_down(settings):
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC1", "secret"
    settings.TWILIO_FROM = "+41440000000"
    with responses.RequestsMock() as twilio:
        twilio.add(responses.POST, TWILIO_URL, status=503, json={"code": 20503, "message": "x"})
        yield twilio


@pytest.mark.parametrize(("language", "expected"), [
    ("de", "Wir konnten die SMS nicht senden"), ("it", "Non siamo riusciti a inviare l'SMS"),
    ("en", "We could not send the SMS"), ("fr", "Nous n'avons pas pu envoyer le SMS"),
])
def test_sms_failure_at_login_is_told_in_the_visitors_language(login_household, twilio_down,
                                                               language, expected):
    browser = Client(HTTP_ACCEPT_LANGUAGE=language)
    assert expected in text(post_credentials(browser))


def test_a_provider_down_at_the_reset_answers_as_usual_and_the_worker_retries_the_code(
        login_household, settings):
    """The reset's code goes out from a worker: the answer never depends on the provider (or
    on whether the details matched), and a failed send is retried."""
    from datetime import date

    from accounts.tests.factories import InsuredPersonFactory
    from core.celery import app

    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC1", "secret"
    settings.TWILIO_FROM = "+41440000000"
    login_household.insured_persons.update(is_policy_holder=False)
    InsuredPersonFactory(customer=login_household, is_policy_holder=True,
                         birth_date=date(1970, 1, 5))
    # As a worker would: a retry is a new run, not an error for the caller.
    previous, app.conf.task_eager_propagates = app.conf.task_eager_propagates, False
    try:
        with responses.RequestsMock() as twilio:
            twilio.add(responses.POST, TWILIO_URL, status=503, json={"code": 20503})
            twilio.add(responses.POST, TWILIO_URL, status=201, json={"sid": "SM1"})
            response = Client(HTTP_ACCEPT_LANGUAGE="de").post("/password-reset/", {
                "contract_number": "KPT12345678", "birth_date": "05.01.1970"})
            bodies = [parse_qs(call.request.body)["Body"][0] for call in twilio.calls]
    finally:
        app.conf.task_eager_propagates = previous
    assert response.status_code == 302
    assert response["Location"] == "/password-reset/confirm/"
    assert len(bodies) == 2 and re.search(r"\b\d{6}\b", bodies[1])


def test_a_refused_code_is_a_domain_error_with_a_lazy_message():
    from django.utils import translation

    from accounts.login_codes import CodeNotSent, SMSNotDelivered, TooManyCodes

    assert issubclass(SMSNotDelivered, CodeNotSent) and issubclass(TooManyCodes, CodeNotSent)
    error = SMSNotDelivered()
    with translation.override("de"):
        assert str(error.message).startswith("Wir konnten die SMS nicht senden")
    with translation.override("fr"):
        assert str(error).startswith("Nous n'avons pas pu envoyer le SMS")


def test_after_a_wrong_password_the_focus_is_on_the_password_again(client, login_household):
    page = text(post_credentials(client, password="wrong-Password-1"))
    password = re.search(r'<input[^>]*name="auth-password"[^>]*>', page).group(0)
    username = re.search(r'<input[^>]*name="auth-username"[^>]*>', page).group(0)
    assert "autofocus" in password and "autofocus" not in username


def test_a_first_visit_puts_the_focus_on_the_contract_number(client, login_household):
    page = text(client.get("/login/"))
    assert "autofocus" in re.search(r'<input[^>]*name="auth-username"[^>]*>', page).group(0)


def test_the_login_page_says_what_the_portal_gives(client, db):
    page = text(client.get("/login/"))
    for offer in ("5 % de rabais online", "Protection juridique internet offerte",
                  "Votre conseiller·ère personnel·le"):
        assert offer in page


def test_codes_tried_at_the_same_time_are_each_counted_and_a_code_passes_once(login_household):
    # Two requests holding the same device row (as two gunicorn workers would).
    from datetime import timedelta

    from django.utils import timezone

    SMSDevice.objects.filter(user=login_household.account).update(
        token="123456", valid_until=timezone.now() + timedelta(minutes=5), wrong_codes=0)
    first, second = (SMSDevice.objects.get(user=login_household.account) for _ in range(2))
    assert not first.verify_token("000000")
    SMSDevice.objects.update(throttling_failure_timestamp=None)  # past the throttle's pause
    assert not second.verify_token("111111")
    assert SMSDevice.objects.get(user=login_household.account).wrong_codes == 2
    SMSDevice.objects.update(throttling_failure_timestamp=None)
    third, fourth = (SMSDevice.objects.get(user=login_household.account) for _ in range(2))
    assert third.verify_token("123456")
    assert not fourth.verify_token("123456")  # already spent by the first request
