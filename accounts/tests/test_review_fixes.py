from django.test import RequestFactory

from accounts.tests.factories import TEST_PASSWORD, CustomerFactory, InsuredPersonFactory
from audit.log import client_ip
from core.models import DeferredTask


def test_client_ip_is_the_remote_address_without_trusted_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "10.0.0.1"  # a client-made header is not believed


def test_client_ip_behind_one_trusted_proxy_is_what_the_proxy_appended(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1",
                                   HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert client_ip(request) == "203.0.113.9"  # the spoofed left entry is ignored


def test_password_reset_without_a_default_sms_device_answers_like_a_non_match(client, db):
    from datetime import date

    from accounts.models import SMSDevice

    customer = CustomerFactory(holder=False)
    InsuredPersonFactory(customer=customer, is_policy_holder=True, birth_date=date(1970, 1, 5))
    SMSDevice.objects.create(user=customer.account, name="second", number="+41790000001",
                             confirmed=True)
    response = client.post("/password-reset/", {
        "contract_number": customer.account.username, "birth_date": "05.01.1970"})
    assert response.status_code == 302
    assert response["Location"] == "/password-reset/confirm/"


def test_mobile_change_code_is_sent_at_once_never_queued(customer_client, settings):
    import responses

    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC1", "secret"
    settings.TWILIO_FROM = "+41440000000"
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"
    with responses.RequestsMock() as twilio:
        twilio.add(responses.POST, url, status=503, json={"code": 20503, "message": "down"})
        response = customer_client.post("/profile/mobile/", {
            "mobile_phone": "+41795551234", "password": TEST_PASSWORD})
        assert len(twilio.calls) == 1  # tried within the request
    assert response.status_code == 503
    assert not DeferredTask.objects.exists()
    assert "profile_pending_mobile" not in customer_client.session
