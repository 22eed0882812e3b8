"""Swiss and Liechtenstein IBANs: checked with python-stdnum, masked for screens and logs.

A payout account must be an ordinary account of a bank in Switzerland or Liechtenstein. A
QR-IBAN (institution id 30000–31999) only receives QR-bill payments carrying a QR reference:
a transfer to it without one is sent back, so it cannot receive a reimbursement.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError

from core.errors import PortalError

COUNTRIES = ("CH", "LI")
QR_IIDS = range(30000, 32000)
MASK = "••"
NBSP = "\u00a0"  # the masked account never breaks across two lines


class InvalidIban(PortalError):
    """Not an IBAN a reimbursement can be paid to; the message says why."""


class NotAnIban(InvalidIban):
    message_template = _("Ce n'est pas un IBAN valable: vérifiez les 21 caractères, p. ex. "
                         "CH56 0483 5012 3456 7800 9.")


class ForeignIban(InvalidIban):
    message_template = _("Indiquez un compte en Suisse ou au Liechtenstein (IBAN commençant "
                         "par CH ou LI).")


class QrIban(InvalidIban):
    message_template = _("C'est un QR-IBAN: il ne reçoit que des paiements de QR-factures avec "
                         "référence et renverrait un remboursement. Indiquez l'IBAN de votre "
                         "compte, tel qu'il figure sur votre relevé bancaire.")


def compact(raw: str) -> str:
    """``ch93 0076 2011 6238 5295 7`` → ``CH9300762011623852957`` (no check)."""
    return str(stdnum_iban.compact(raw or "")).upper()


def is_qr_iban(iban: str) -> bool:
    """A CH/LI IBAN whose institution id (positions 5 to 9) is 30000–31999."""
    number = compact(iban)
    if len(number) < 9 or number[:2] not in COUNTRIES or not number[4:9].isdigit():
        return False
    return int(number[4:9]) in QR_IIDS


def payout_iban(raw: str) -> str:
    """The compact IBAN of an ordinary Swiss or Liechtenstein account, or ``InvalidIban``."""
    number = compact(raw)
    if number[:2].isalpha() and number[:2] not in COUNTRIES:
        raise ForeignIban
    try:
        stdnum_iban.validate(number)
    except StdnumError:
        raise NotAnIban from None
    if number[:2] not in COUNTRIES:
        raise ForeignIban
    if is_qr_iban(number):
        raise QrIban
    return number


def mask(iban: str) -> str:
    """``CH9300762011623852957`` → ``CH•• •••• 2957``: the country and the last four only,
    joined by no-break spaces."""
    number = compact(iban)
    if len(number) < 8:
        return ""
    return NBSP.join([f"{number[:2]}{MASK}", MASK * 2, number[-4:]])
