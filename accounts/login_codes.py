"""Sending a login code by SMS within the limits, for the login and the password reset.

What can go wrong is raised as a ``CodeNotSent`` subclass carrying a lazy message: it is
translated when a page shows it, in that customer's language, never at import time. Views
catch the class they care about instead of comparing message texts.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from accounts import events
from accounts.models import SMSDevice
from accounts.ratelimit import (
    LOGIN_CODES_PER_CONTRACT,
    RESET_CODES_PER_CONTRACT,
    SMS_PER_IP,
)
from audit import log as audit
from core.errors import PortalError
from core.net import client_network
from core.sms import DailySMSCeilingReached, SMSDeliveryError

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import User

logger = logging.getLogger(__name__)


class CodeNotSent(PortalError):
    """No code went out; ``message`` (set by each subclass) says why, for the customer."""


class TooManyCodes(CodeNotSent):
    message_template = _("Trop de codes ont été demandés. Pour votre sécurité, attendez une "
                         "heure ou contactez-nous via « Problèmes de connexion ».")


class CodeJustSent(CodeNotSent):
    message_template = _("Un code vient d'être envoyé. Attendez une minute avant d'en demander "
                         "un nouveau.")


class SMSNotDelivered(CodeNotSent):
    """The SMS provider refused or could not be reached; the customer may simply retry."""

    message_template = _("Nous n'avons pas pu envoyer le SMS. Veuillez réessayer dans un "
                         "instant avec « Envoyer un nouveau code ». Rien n'est perdu.")


def take_code_budget(request: HttpRequest, user: User, *, purpose: str) -> None:
    """Count one SMS code against its budgets, or raise ``TooManyCodes``.

    ``purpose`` "login" and "password_reset" have budgets of their own per contract: a reset
    asked for by someone else never keeps the owner from logging in.
    """
    per_contract = RESET_CODES_PER_CONTRACT if purpose == "password_reset" else \
        LOGIN_CODES_PER_CONTRACT
    contract, address = user.get_username(), client_network(request) or "unknown"
    # Both looked at before either is spent: a refusal for the address costs the contract
    # nothing, so an outsider cannot use up the owner's codes from an address already spent.
    if per_contract.exhausted(contract) or SMS_PER_IP.exhausted(address):
        raise TooManyCodes
    if not per_contract.allow(contract) or not SMS_PER_IP.allow(address):
        raise TooManyCodes


def send_login_code(request: HttpRequest, device: SMSDevice, *, purpose: str) -> None:
    """Send a code now within the limits (``take_code_budget``), or raise ``CodeNotSent``."""
    user = device.user
    take_code_budget(request, user, purpose=purpose)
    try:
        device.send_code()
    except DailySMSCeilingReached as exc:  # the day's ceiling (core.sms): nothing sent
        raise TooManyCodes from exc
    except (SMSDeliveryError, ConnectionError) as exc:
        logger.warning("login code could not be sent", extra={"purpose": purpose})
        audit.record(events.SMS_FAILED, request=request, user=user, purpose=purpose)
        raise SMSNotDelivered from exc
    audit.record(events.CODE_SENT, request=request, user=user, purpose=purpose)


def queue_reset_code(request: HttpRequest, device: SMSDevice) -> None:
    """The password reset's code, within its budgets, sent by a worker (``accounts.tasks``):
    the request's answer then takes the same time whether or not the details matched, even
    when the SMS provider is slow."""
    from accounts.tasks import queue_reset_code as queue

    take_code_budget(request, device.user, purpose="password_reset")
    queue(device.user)
