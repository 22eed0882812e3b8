from celery import shared_task
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Customer
from accounts.notifications import THROTTLE_SECONDS
from kptportal.celery import RETRY_OPTIONS
from kptportal.sms import send_sms


@shared_task(**RETRY_OPTIONS)
def send_activity_notification(customer_id: int, reason: str) -> bool:
    """One short SMS in the customer's language; skipped if one went out within the hour."""
    customer = Customer.objects.select_related("account").filter(pk=customer_id).first()
    if customer is None or customer.account is None or not customer.account.mobile_phone:
        return False
    if not cache.add(f"notify:{customer_id}", reason, timeout=THROTTLE_SECONDS):
        return False  # already told within the hour; the portal shows everything new
    with translation.override(customer.language):
        text = _("KPT: du nouveau vous attend dans votre portail clients. "
                 "Connectez-vous pour le consulter.")
    send_sms(customer.account.mobile_phone, text)
    return True
