from celery import shared_task
from celery.schedules import crontab
from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Customer, NotifyChannel
from accounts.notifications import (
    claim_notification_slot,
    follow_up_done,
    plan_follow_up,
    release_notification_slot,
)
from kptportal.celery import RETRY_OPTIONS, app
from kptportal.sms import send_sms


def notification_channel(customer: Customer) -> str | None:
    """Where to tell this customer, or None (opted out, or nowhere to reach them)."""
    mobile = customer.account.mobile_phone if customer.account else ""
    if customer.account is None or customer.notify_channel == NotifyChannel.NONE:
        return None
    if customer.notify_channel == NotifyChannel.EMAIL and customer.email:
        return NotifyChannel.EMAIL
    if mobile:
        return NotifyChannel.SMS
    return NotifyChannel.EMAIL if customer.email else None


@shared_task(**RETRY_OPTIONS)
def send_activity_notification(customer_id: int, reason: str, follow_up: bool = False) -> bool:
    """One short, content-free SMS or e-mail in the customer's language, throttled.

    ``follow_up`` marks the run planned for the end of a throttled hour; it never plans
    another one, so there is at most one follow-up per hour.
    """
    customer = Customer.objects.select_related("account").filter(pk=customer_id).first()
    if customer is None:
        return False
    channel = notification_channel(customer)
    if channel is None:
        return False
    if not claim_notification_slot(customer_id, reason):
        if follow_up:
            follow_up_done(customer_id)
            return False
        delay = plan_follow_up(customer_id, reason)
        if delay is not None:
            send_activity_notification.apply_async((customer_id, reason, True), countdown=delay)
        return False  # told recently: one follow-up at the end of the hour at most
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
    return True


# --- Profile (issue 6): postal addresses that take effect on a chosen date -----------------


@shared_task
def apply_due_address_changes() -> int:
    """Apply the address changes whose date has come (daily; safe to run twice)."""
    from accounts.profile import apply_due_address_changes as apply_due

    return apply_due()


app.conf.beat_schedule["accounts.apply_due_address_changes"] = {
    "task": "accounts.tasks.apply_due_address_changes",
    "schedule": crontab(hour=0, minute=5),
}
