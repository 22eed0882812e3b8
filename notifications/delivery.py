"""Telling one customer that something new waits in the portal: never the content itself.

The message goes out in the customer's language, over the channel they chose
(``Customer.notify_channel``: SMS, e-mail when they have an address, or nothing), at most as
often as ``notifications.throttle`` allows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Customer, NotifyChannel
from core.sms import send_sms
from notifications.throttle import (
    claim_notification_slot,
    follow_up_done,
    plan_follow_up,
    release_notification_slot,
)


@dataclass(frozen=True)
class Delivery:
    """What ``deliver`` did: ``sent``, and when told recently, the seconds until the one
    follow-up the caller should plan (None: nothing to plan)."""

    sent: bool
    follow_up_in: int | None = None


def channel_for(customer: Customer) -> str | None:
    """Where to tell this customer, or None (opted out, or nowhere to reach them)."""
    account = customer.account
    if account is None or customer.notify_channel == NotifyChannel.NONE:
        return None
    if customer.notify_channel == NotifyChannel.EMAIL and customer.email:
        return NotifyChannel.EMAIL
    if account.mobile_phone:
        return NotifyChannel.SMS
    return NotifyChannel.EMAIL if customer.email else None


def deliver(customer_id: int, reason: str, *, follow_up: bool = False) -> Delivery:
    """One short, content-free SMS or e-mail, throttled.

    ``follow_up`` marks the run planned for the end of a throttled hour; it never plans
    another one, so there is at most one follow-up per hour. Raises the SMS or mail error
    after giving the slot back, so that a retry may send.
    """
    customer = Customer.objects.select_related("account").filter(pk=customer_id).first()
    if customer is None or customer.account is None:
        return Delivery(sent=False)
    channel = channel_for(customer)
    if channel is None:
        return Delivery(sent=False)
    if not claim_notification_slot(customer_id, reason):
        if follow_up:
            follow_up_done(customer_id)
            return Delivery(sent=False)
        # Told recently: one follow-up at the end of the hour at most.
        return Delivery(sent=False, follow_up_in=plan_follow_up(customer_id, reason))
    try:
        with translation.override(customer.language):
            if channel == NotifyChannel.SMS:
                send_sms(customer.account.mobile_phone, _(
                    "KPT: du nouveau vous attend dans votre portail clients. "
                    "Connectez-vous pour le consulter."))
            else:
                send_mail(
                    _("Du nouveau dans votre portail clients KPT"),
                    _("Bonjour,\n\nDu nouveau vous attend dans votre portail clients KPT. "
                      "Connectez-vous pour le consulter.\n\nPour des raisons de sécurité, ce "
                      "message ne contient aucun détail.\n\nVotre KPT"),
                    settings.DEFAULT_FROM_EMAIL, [customer.email],
                )
    except Exception:
        release_notification_slot(customer_id, reason)
        raise
    if follow_up:
        follow_up_done(customer_id)
    return Delivery(sent=True)
