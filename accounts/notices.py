"""Security notices: what happened to the login, on every channel the customer has."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail

from core.celery import RETRY_OPTIONS
from core.outbox import enqueue
from core.sms import send_sms

if TYPE_CHECKING:
    from accounts.models import User


def email_of(user: User) -> str:
    """The address of record: the household's for a customer, the account's for staff."""
    customer = getattr(user, "customer", None)
    return (customer.email if customer is not None else "") or user.email


@shared_task(**RETRY_OPTIONS)
def mail_security_notice(user_id: int, subject: str, body: str) -> None:
    from accounts.models import User

    user = User.objects.select_related("customer").filter(pk=user_id).first()
    address = email_of(user) if user is not None else ""
    if address:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])


def send_security_notice(user: User, *, sms: str, subject: str, body: str) -> None:
    """A security notice on every channel the customer has: the mobile and the e-mail."""
    device = user.smsdevice_set.filter(name="default", confirmed=True).first()
    if device is not None:
        send_sms(device.number, sms)
    if email_of(user):
        enqueue(mail_security_notice, user.pk, subject, body)
