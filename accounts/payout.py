"""The payout account: where the insurer pays the customer's reimbursements.

Changing it is what a fraudster with a stolen session wants most, so it asks for three
things: the password again (the form), a code sent by SMS to the mobile already verified for
the login (not to a number typed now), and it tells the customer on the other channels once
done (``send_payout_notice``: an SMS and, when there is an address, an e-mail,
both without any detail). Each account is a new ``PayoutAccount`` row; the one it replaces
keeps its dates, so who set which account when stays known. The IBAN is only ever shown,
logged or audited masked (``CH•• •••• 1234``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import events
from accounts.models import Customer, PayoutAccount, SMSDevice, User
from accounts.ratelimit import PAYOUT_CODES_PER_CONTRACT, SMS_PER_IP
from accounts.session_codes import Checked, CodeResult, SessionCode
from audit import log as audit
from core.celery import RETRY_OPTIONS
from core.errors import PortalError
from core.iban import mask
from core.net import client_network
from core.outbox import enqueue
from core.sms import DailySMSCeilingReached, mask_phone_number, send_sms

if TYPE_CHECKING:
    from datetime import datetime

    from django.contrib.sessions.backends.base import SessionBase
    from django.http import HttpRequest

logger = logging.getLogger(__name__)

PAYOUT_CODE = SessionCode(session_key="profile_pending_payout", purpose="payout_change")
HOLDER_MAX_LENGTH = 70


class PayoutChangeRefused(PortalError):
    """No code went out; the message says why."""


class NoVerifiedMobile(PayoutChangeRefused):
    message_template = gettext_lazy(
        "Pour protéger vos remboursements, le changement de compte se confirme par un code "
        "envoyé à votre mobile. Enregistrez d'abord un numéro de mobile (rubrique « Téléphone "
        "mobile »).")


class TooManyPayoutCodes(PayoutChangeRefused):
    message_template = gettext_lazy("Vous avez demandé trop de codes. Réessayez dans une heure.")


class CodeNotDelivered(PayoutChangeRefused):
    message_template = gettext_lazy("Le SMS n'a pas pu être envoyé. Réessayez dans quelques "
                                    "minutes.")


class AccountUnchanged(PayoutChangeRefused):
    message_template = gettext_lazy("C'est déjà votre compte de versement.")


# --- Reading ---------------------------------------------------------------------------------


def current_account(customer: Customer) -> PayoutAccount | None:
    return customer.payout_accounts.filter(replaced_at__isnull=True).first()


def masked_hint(customer: Customer) -> str:
    """``CH•• •••• 1234`` of the account in force now, or "" when there is none."""
    account = current_account(customer)
    return account.masked if account else ""


def verified_mobile(user: User) -> str | None:
    """The number the login's codes go to (confirmed by a code when it was set)."""
    device = SMSDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    return device.number if device and device.number else None


# --- Changing it: password (the form), then a code to the verified mobile --------------------


def pending_change(session: SessionBase) -> dict[str, str] | None:
    """``{"iban": …, "holder": …}`` waiting for its code, unless expired."""
    return PAYOUT_CODE.pending(session)


def start_change(session: SessionBase, user: User, customer: Customer, *, iban: str,
                 holder: str, request: HttpRequest | None = None) -> str:
    """Send a code confirming ``iban`` (compact, validated) to the verified mobile; returns
    that mobile, masked. Nothing changes before the code comes back."""
    number = verified_mobile(user)
    if number is None:
        raise NoVerifiedMobile
    current = current_account(customer)
    if current is not None and (current.iban, current.holder) == (iban, holder):
        raise AccountUnchanged
    contract, address = user.get_username(), client_network(request) or "unknown"
    if PAYOUT_CODES_PER_CONTRACT.exhausted(contract) or SMS_PER_IP.exhausted(address):
        raise TooManyPayoutCodes
    if not PAYOUT_CODES_PER_CONTRACT.allow(contract) or not SMS_PER_IP.allow(address):
        raise TooManyPayoutCodes
    code = PAYOUT_CODE.issue(session, user, {"iban": iban, "holder": holder})
    try:
        with translation.override(user.language):
            # Urgent: sent now or the customer is told to retry; a code never waits in a
            # queue where it would be stored in plain text. The last four digits let the
            # customer see which account the code would confirm.
            send_sms(number, _("Votre code KPT pour confirmer le compte de versement "
                               "%(account)s: %(code)s. Ne le communiquez à personne.")
                     % {"account": mask(iban), "code": code}, urgent=True)
    except DailySMSCeilingReached as exc:  # the day's ceiling (core.sms): nothing sent
        PAYOUT_CODE.forget(session)
        raise TooManyPayoutCodes from exc
    except Exception as exc:
        PAYOUT_CODE.forget(session)
        audit.record(events.SMS_FAILED, request=request, user=user, purpose="payout_change")
        raise CodeNotDelivered from exc
    audit.record(events.CODE_SENT, request=request, user=user, purpose="payout_change",
                 to=mask_phone_number(number))
    return mask_phone_number(number)


def confirm_change(session: SessionBase, user: User, customer: Customer, code: str, *,
                   request: HttpRequest | None = None) -> Checked:
    """Check the code; when right, the account it was sent for becomes the payout account."""
    checked = PAYOUT_CODE.check(session, user, code)
    if checked.result in (CodeResult.WRONG, CodeResult.TOO_MANY_ATTEMPTS):
        audit.record(events.CODE_FAILED, request=request, user=user, purpose="payout_change")
    if checked.result is CodeResult.CONFIRMED and checked.payload is not None:
        set_account(customer, iban=checked.payload["iban"], holder=checked.payload["holder"],
                    by=user, request=request)
    return checked


def forget_pending_change(session: SessionBase) -> None:
    PAYOUT_CODE.forget(session)


def set_account(customer: Customer, *, iban: str, holder: str, by: User | None,
                request: HttpRequest | None = None, notify: bool = True,
                now: datetime | None = None) -> PayoutAccount:
    """Make ``iban`` (compact, validated) the payout account; the previous one is kept,
    marked replaced. Audited (masked); the customer is told on their other channels."""
    now = now or timezone.now()
    with transaction.atomic():
        # One change at a time per household: the row lock orders two confirmations.
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        previous = current_account(customer)
        if previous is not None and (previous.iban, previous.holder) == (iban, holder):
            return previous
        if previous is not None:
            previous.replaced_at = now
            previous.save(update_fields=["replaced_at"])
        account = PayoutAccount.objects.create(customer=customer, iban=iban,
                                               holder=holder[:HOLDER_MAX_LENGTH], set_at=now,
                                               set_by=by)
        audit.record(events.PAYOUT_CHANGED, request=request, user=customer.account,
                     actor=by if by is not None and by != customer.account else None,
                     customer=customer, old=previous.masked if previous else "",
                     new=account.masked)
        if notify:
            enqueue(send_payout_notice, account.pk)
    return account


# --- Telling the customer: no detail, on every channel but the page itself ------------------


@shared_task(**RETRY_OPTIONS)
def send_payout_notice(account_id: int) -> bool:
    """SMS to the verified mobile and e-mail to the household's address, saying that the
    payout account changed and nothing more. Once per change (``notice_sent_at``); True
    when something went out."""
    account = (PayoutAccount.objects.select_related("customer__account")
               .filter(pk=account_id).first())
    if account is None or account.notice_sent_at is not None:
        return False
    customer, user = account.customer, account.customer.account
    sent = False
    language = user.language if user is not None else customer.language
    with translation.override(language):
        number = verified_mobile(user) if user is not None else None
        if number:
            send_sms(number, _("KPT: le compte de versement de vos remboursements a été "
                               "modifié dans votre portail clients. Si ce n'est pas vous, "
                               "appelez-nous immédiatement."))
            sent = True
        if customer.email:
            send_mail(
                _("Votre compte de versement KPT a été modifié"),
                _("Bonjour,\n\nLe compte sur lequel nous versons vos remboursements vient "
                  "d'être modifié dans votre portail clients KPT.\n\nSi vous n'avez pas fait "
                  "ce changement, appelez-nous immédiatement.\n\nPour des raisons de sécurité, "
                  "ce message ne contient aucun détail.\n\nVotre KPT"),
                settings.DEFAULT_FROM_EMAIL, [customer.email],
            )
            sent = True
    PayoutAccount.objects.filter(pk=account.pk).update(notice_sent_at=timezone.now())
    return sent
