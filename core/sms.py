"""The one door through which the portal sends SMS.

``send_sms(to, text)`` validates the number (E.164, via ``phonenumbers``) and hands the
message to the backend named by ``settings.SMS_BACKEND``:

- ``console``: prints ``SMS to +41790000001: <text>`` on standard output (development);
- ``locmem``: appends to ``outbox`` (tests);
- ``twilio``: queues ``deliver_sms`` (below, ``core.tasks.deliver_sms`` to Celery) on the
  ``sms`` queue through the outbox, which calls Twilio's official client with retries, once
  per outbox row. Nothing else in the project talks to Twilio.

Call it inside the transaction of the change it tells about: the outbox row is written with
the change and published once it is committed.
"""

import logging
import sys
from dataclasses import dataclass

import phonenumbers
import requests
from celery import Task, shared_task
from django.conf import settings

from core.celery import RETRY_OPTIONS

logger = logging.getLogger(__name__)


class InvalidPhoneNumber(ValueError):
    """The number is not a valid phone number."""


class SMSDeliveryError(RuntimeError):
    """The provider refused or could not be reached; the caller may tell the user to retry."""


class DailySMSCeilingReached(SMSDeliveryError):
    """Every SMS the portal may send in 24 hours is spent (``SMS_DAILY_LIMIT``): the bill's
    ceiling, whatever the purpose. Nothing was sent."""


DAY_SECONDS = 24 * 60 * 60


def _take_from_daily_ceiling() -> bool:
    from core.buckets import Bucket

    return Bucket("sms-all", settings.SMS_DAILY_LIMIT, DAY_SECONDS).take("all")


@dataclass(frozen=True)
class SMS:
    to: str
    text: str


outbox: list[SMS] = []


def normalise_phone_number(raw: str, *, region: str = "CH") -> str:
    """``079 000 00 01`` → ``+41790000001``; raise ``InvalidPhoneNumber`` otherwise."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(str(raw)) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(str(raw))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mobile_number(e164: str) -> bool:
    """True for numbers that can receive SMS (mobile, or mobile-or-fixed where unknowable)."""
    kind = phonenumbers.number_type(phonenumbers.parse(e164))
    return kind in (phonenumbers.PhoneNumberType.MOBILE,
                    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def mask_phone_number(e164: str) -> str:
    """``+41790000001`` → ``+41 •••• ••01`` for screens and logs."""
    return f"{e164[:3]} •••• ••{e164[-2:]}"


def send_sms(to: str, text: str, *, urgent: bool = False) -> None:
    """Send ``text`` to ``to`` with the configured backend.

    ``urgent`` (login codes): Twilio is called within the request, so a failure reaches the
    customer as "try again" at once; a code retried for an hour would be useless. Otherwise
    (notifications) the message goes through the ``sms`` queue and is retried with backoff.
    Raises ``SMSDeliveryError`` (refused, or ``DailySMSCeilingReached``) or
    ``ConnectionError`` (provider unreachable).
    """
    number = normalise_phone_number(to)
    backend = settings.SMS_BACKEND
    # Counted in the database (it holds across processes and through a cache outage), for
    # every purpose together: login codes, resets, notices, notifications.
    if not _take_from_daily_ceiling():
        logger.error("daily SMS ceiling reached, SMS not sent")
        raise DailySMSCeilingReached(f"{settings.SMS_DAILY_LIMIT} SMS in 24 hours")
    if backend == "console":
        # One line per SMS, flushed at once so `make run` shows codes immediately.
        print(f"SMS to {number}: {text}", file=sys.stdout, flush=True)
    elif backend == "locmem":
        outbox.append(SMS(to=number, text=text))
    elif backend == "twilio" and urgent:
        deliver_via_twilio(number, text)
    elif backend == "twilio":
        from core.outbox import enqueue

        enqueue(deliver_sms, number, text)
    else:
        raise SMSDeliveryError(f"Unknown SMS_BACKEND {backend!r}")
    logger.info("sms queued", extra={"sms_to": mask_phone_number(number), "backend": backend})


def deliver_via_twilio(to: str, text: str) -> str:
    """Send one SMS through Twilio now; return the provider's message id."""
    from twilio.base.exceptions import TwilioException, TwilioRestException
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN,
                    http_client=TwilioHttpClient(timeout=10))
    try:
        message = client.messages.create(to=to, from_=settings.TWILIO_FROM, body=text)
    except TwilioRestException as exc:
        if exc.status >= 500 or exc.status == 429:
            raise ConnectionError(f"Twilio answered {exc.status}") from exc
        raise SMSDeliveryError(f"Twilio refused the message ({exc.status}, {exc.code})") from exc
    except (TwilioException, requests.RequestException) as exc:
        raise ConnectionError("Twilio could not be reached") from exc
    return message.sid


# Named as the core's other tasks: queue routes and kept deferred tasks refer to it by that name.
@shared_task(name="core.tasks.deliver_sms", bind=True, **RETRY_OPTIONS)
def deliver_sms(self: Task[..., str], to: str, text: str) -> str:
    """Hand one SMS to Twilio; transient failures retry with backoff. Once per outbox row:
    a second message of the same row (the relay's, the broker's redelivery) sends nothing
    and answers ""."""
    from core.metrics import SMS
    from core.outbox import RowBusy, acting_once

    try:
        with acting_once(self.request.id) as acting:
            if not acting:
                return ""
            try:
                sid = deliver_via_twilio(to, text)
            except Exception:
                SMS.labels("failed").inc()
                raise
    except RowBusy as exc:
        raise self.retry(countdown=30, exc=exc) from exc
    SMS.labels("sent").inc()
    logger.info("sms delivered", extra={"sms_to": mask_phone_number(to), "sid": sid})
    return sid
