import json
from urllib.parse import parse_qs

import pytest
import responses

from core import sms

TWILIO_URL = "https://api.twilio.com/2010-04-01/Accounts/AC0123/Messages.json"


@pytest.fixture
def twilio(settings):
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = "AC0123"
    settings.TWILIO_AUTH_TOKEN = "token-for-tests"  # noqa: S105
    settings.TWILIO_FROM = "+41440000000"
    with responses.RequestsMock() as mocked:
        yield mocked


def test_console_backend_prints_one_flushed_line(db, settings, capsys):
    settings.SMS_BACKEND = "console"
    sms.send_sms("079 000 00 01", "Votre code KPT: 123456")
    assert capsys.readouterr().out == "SMS to +41790000001: Votre code KPT: 123456\n"


def test_locmem_backend_keeps_an_outbox(db):
    sms.send_sms("+41 79 000 00 02", "Hello")
    assert sms.outbox == [sms.SMS(to="+41790000002", text="Hello")]


@pytest.mark.parametrize("bad", ["", "12", "not a number", "+41 12"])
def test_invalid_numbers_are_refused(bad):
    with pytest.raises(sms.InvalidPhoneNumber):
        sms.send_sms(bad, "x")
    assert sms.outbox == []


@pytest.mark.django_db  # queued through the outbox (a row), run at once in eager mode
def test_twilio_backend_posts_the_message_to_twilio(twilio):
    twilio.add(responses.POST, TWILIO_URL, status=201,
               json={"sid": "SM1", "status": "queued", "to": "+41790000001"})
    sms.send_sms("0790000001", "Votre code KPT: 654321")
    (call,) = twilio.calls
    form = parse_qs(call.request.body)
    assert form == {"To": ["+41790000001"], "From": ["+41440000000"],
                    "Body": ["Votre code KPT: 654321"]}
    assert call.request.headers["Authorization"].startswith("Basic ")


def test_twilio_server_error_is_transient(twilio):
    twilio.add(responses.POST, TWILIO_URL, status=503, json={"code": 20503, "message": "down"})
    with pytest.raises(ConnectionError):
        sms.deliver_via_twilio("+41790000001", "x")


def test_twilio_refusal_is_not_retried(twilio):
    twilio.add(responses.POST, TWILIO_URL, status=400,
               body=json.dumps({"code": 21211, "message": "Invalid 'To'", "status": 400}),
               content_type="application/json")
    with pytest.raises(sms.SMSDeliveryError):
        sms.deliver_via_twilio("+41790000001", "x")


def test_phone_numbers_are_masked_for_logs():
    assert sms.mask_phone_number("+41790000001") == "+41 •••• ••01"
