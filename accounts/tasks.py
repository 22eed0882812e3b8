from celery import shared_task
from celery.schedules import crontab
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Customer
from accounts.notifications import THROTTLE_SECONDS
from kptportal.celery import RETRY_OPTIONS, app
from kptportal.sms import send_sms


@shared_task(**RETRY_OPTIONS)
def send_activity_notification(customer_id: int, reason: str) -> bool:
    """One short SMS in the customer's language; skipped if one went out within the hour."""
    customer = Customer.objects.select_related("account").filter(pk=customer_id).first()
    if customer is None or customer.account is None or not customer.account.mobile_phone:
        return False
    if customer.notifications_opt_out:  # chosen on the profile page
        return False
    if not cache.add(f"notify:{customer_id}", reason, timeout=THROTTLE_SECONDS):
        return False  # already told within the hour; the portal shows everything new
    with translation.override(customer.language):
        text = _("KPT: du nouveau vous attend dans votre portail clients. "
                 "Connectez-vous pour le consulter.")
    send_sms(customer.account.mobile_phone, text)
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
