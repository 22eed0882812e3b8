"""Online contracts: registration of existing customers (letter by post), immediate access for
new customers, activation, and the password reset by SMS code. Plain functions; views only
parse requests and call these.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts import events
from accounts.models import ActivationLetter, Customer, SMSDevice, User
from audit import log as audit
from core.sms import send_sms

if TYPE_CHECKING:
    from django.http import HttpRequest

# Unambiguous characters for codes typed from paper (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class RegistrationError(Exception):
    """Something the person must be told; the message is safe to show."""


def new_contract_number() -> str:
    while True:
        number = f"KPT{secrets.randbelow(10**8):08d}"
        if not User.objects.filter(username=number).exists():
            return number


def new_activation_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


def _matching_customer(customer_number: str, birth_date: date, postcode: str) -> Customer | None:
    customer = (Customer.objects.select_related("account")
                .filter(customer_number=customer_number, postcode=postcode).first())
    if customer is None:
        return None
    holder = customer.policy_holder
    if holder is None or holder.birth_date != birth_date:
        return None
    return customer


def _create_account(customer: Customer) -> User:
    holder = customer.policy_holder
    user = User(username=new_contract_number(), first_name=holder.first_name if holder else "",
                last_name=holder.last_name if holder else "", email=customer.email,
                language=customer.language)
    user.set_unusable_password()
    user.save()
    customer.account = user
    customer.save(update_fields=["account", "updated_at"])
    return user


@transaction.atomic
def request_online_contract(*, customer_number: str, birth_date: date, postcode: str,
                            request: HttpRequest | None = None) -> ActivationLetter | None:
    """Queue an activation letter when the details match a customer without an active login.

    Returns None otherwise; the caller shows the same answer either way (no enumeration).
    """
    customer = _matching_customer(customer_number, birth_date, postcode)
    if customer is None:
        return None
    user = customer.account
    if user is not None and user.has_usable_password():
        return None  # already active: "forgot password" is the way
    if user is None:
        user = _create_account(customer)
        audit.record(events.ACCOUNT_CREATED, request=request, user=user,
                     customer=customer, via="registration")
    user.activation_letters.filter(status=ActivationLetter.Status.PENDING).delete()
    letter = ActivationLetter.objects.create(account=user)
    audit.record(events.REGISTRATION, request=request, user=user, customer=customer)
    return letter


def print_pending_letters(out_dir: Path) -> list[Path]:
    """Write one PDF per pending letter for the print shop and mark the letters sent: the
    activation letters, then the notices of a delayed new password."""
    from accounts.letters import render_activation_letter

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    pending = (ActivationLetter.objects.filter(status=ActivationLetter.Status.PENDING)
               .select_related("account__customer").order_by("created_at"))
    for letter in pending:
        code = new_activation_code()
        path = out_dir / f"activation-{letter.account.username}-{letter.pk}.pdf"
        with transaction.atomic():
            render_activation_letter(path, letter.account, code,
                                     valid_until=timezone.now() + timedelta(
                                         days=ActivationLetter.VALIDITY_DAYS))
            letter.code_hash = make_password(code.replace("-", ""))
            letter.printed_at = timezone.now()
            letter.valid_until = letter.printed_at + timedelta(days=ActivationLetter.VALIDITY_DAYS)
            letter.status = ActivationLetter.Status.SENT
            letter.save()
        written.append(path)
    return written + _print_reset_notices(out_dir)


def _print_reset_notices(out_dir: Path) -> list[Path]:
    from accounts.delayed_reset import letters_to_print
    from accounts.letters import render_reset_notice

    written = []
    for reset in letters_to_print():
        path = out_dir / f"password-notice-{reset.account.username}-{reset.pk}.pdf"
        render_reset_notice(path, reset)
        type(reset).objects.filter(pk=reset.pk).update(letter_printed_at=timezone.now())
        written.append(path)
    return written


def find_valid_letter(contract_number: str, code: str) -> ActivationLetter | None:
    letter = (ActivationLetter.objects.select_related("account")
              .filter(account__username=contract_number, status=ActivationLetter.Status.SENT,
                      valid_until__gt=timezone.now()).order_by("-printed_at").first())
    if letter is None:
        make_password(code)  # same work either way: answers take the same time
        return None
    return letter if check_password(code, letter.code_hash) else None


@dataclass(frozen=True)
class PendingActivation:
    letter_id: int
    password_hash: str
    mobile_phone: str


def start_activation(letter: ActivationLetter, *, password: str, mobile_phone: str,
                     request: HttpRequest | None = None) -> PendingActivation:
    """Send a code to the new mobile; nothing is changed until it is confirmed."""
    device, _created = SMSDevice.objects.update_or_create(
        user=letter.account, name="default",
        defaults={"number": mobile_phone, "confirmed": False},
    )
    device.last_generated_timestamp = None
    device.send_code()
    audit.record(events.CODE_SENT, request=request, user=letter.account,
                 purpose="activation")
    return PendingActivation(letter.pk, make_password(password), mobile_phone)


@transaction.atomic
def complete_activation(pending: PendingActivation, code: str, *,
                        request: HttpRequest | None = None) -> User | None:
    letter = ActivationLetter.objects.select_related("account").select_for_update().get(
        pk=pending.letter_id)
    if letter.status != ActivationLetter.Status.SENT:
        return None
    user = letter.account
    device = SMSDevice.objects.get(user=user, name="default")
    if not device.verify_token(code):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    user.password = pending.password_hash
    user.mobile_phone = pending.mobile_phone
    user.save(update_fields=["password", "mobile_phone"])
    letter.status = ActivationLetter.Status.USED
    letter.used_at = timezone.now()
    letter.save(update_fields=["status", "used_at"])
    customer = user.customer
    if customer.portal_registered_at is None:
        customer.portal_registered_at = timezone.now()
        customer.save(update_fields=["portal_registered_at", "updated_at"])
    audit.record(events.PASSWORD_CHANGED, request=request, user=user,
                 via="activation")
    audit.record(events.PHONE_CHANGED, request=request, user=user, via="activation")
    return user


def password_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:set_password", kwargs={"uidb64": uid, "token": token})
    return settings.PORTAL_BASE_URL.rstrip("/") + path


@transaction.atomic
def create_online_contract(customer: Customer, *, mobile_phone: str) -> User:
    """New customers get access at once: a contract, their mobile, a password link by SMS."""
    if customer.account is not None and customer.account.has_usable_password():
        raise RegistrationError(f"Customer {customer.customer_number} already has "
                                f"online contract {customer.account.username}.")
    user = customer.account or _create_account(customer)
    user.mobile_phone = mobile_phone
    user.save(update_fields=["mobile_phone"])
    SMSDevice.objects.update_or_create(user=user, name="default",
                                       defaults={"number": mobile_phone, "confirmed": True})
    if customer.portal_registered_at is None:
        customer.portal_registered_at = timezone.now()
        customer.save(update_fields=["portal_registered_at", "updated_at"])
    audit.record(events.ACCOUNT_CREATED, user=user, customer=customer,
                 via="core_system")
    # In this transaction: with Twilio the SMS is a row of the outbox, sent once committed.
    send_sms(mobile_phone, _(
        "Bienvenue sur le portail KPT. Votre contrat online: %(contract)s. Choisissez votre "
        "mot de passe: %(link)s") % {"contract": user.username, "link": password_link(user)})
    return user


def account_for_reset(contract_number: str, birth_date: date) -> User | None:
    user = (User.objects.select_related("customer")
            .filter(username=contract_number, is_active=True).first())
    if user is None or not hasattr(user, "customer"):
        return None
    holder = user.customer.policy_holder
    if holder is None or holder.birth_date != birth_date:
        return None
    return user if login_sms_device(user) is not None else None


def login_sms_device(user: User) -> SMSDevice | None:
    """The confirmed SMS device used at login (named "default" by two_factor's convention)."""
    return user.smsdevice_set.filter(name="default", confirmed=True).first()
