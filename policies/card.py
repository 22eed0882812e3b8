"""The insurance card as data: numbers and their check digits, what the front and back show,
the text a practice's scanner reads from the QR code, and the emergency numbers.

The card follows the Swiss insurance card (VVK/OCPAS, ISO 7812 card number) and, on its back,
the European Health Insurance Card (fields 3 to 9).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer
from policies.models import InsuranceCard

COUNTRY = "CH"
# Card numbers: 80 (health care, ISO 7812) + 756 (Switzerland) + the insurer's 5 digits + a
# 9-digit serial + a Luhn check digit = 20 digits.
CARD_PREFIX = "80756"
CARD_LENGTH = 20
AHV_PREFIX = "756"
AHV_LENGTH = 13


def luhn_check_digit(digits: str) -> str:
    """The Luhn digit that makes ``digits`` + it a valid Luhn number."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:  # doubled: the check digit will sit to the right of it
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def card_number_is_valid(number: str) -> bool:
    return (len(number) == CARD_LENGTH and number.isdigit() and number.startswith(CARD_PREFIX)
            and luhn_check_digit(number[:-1]) == number[-1])


def make_card_number(insurer_number: str, serial: int) -> str:
    """A card number for the insurer's 5-digit number and a serial (demo data, tests)."""
    body = f"{CARD_PREFIX}{insurer_number:0>5}{serial:09d}"
    return body + luhn_check_digit(body)


def ahv_check_digit(first_twelve: str) -> str:
    """The EAN-13 check digit of an AHV/AVS number (weights 1, 3, 1, 3… from the left)."""
    total = sum(int(char) * (3 if index % 2 else 1) for index, char in enumerate(first_twelve))
    return str((10 - total % 10) % 10)


def ahv_is_valid(number: str) -> bool:
    digits = number.replace(".", "")
    return (len(digits) == AHV_LENGTH and digits.isdigit() and digits.startswith(AHV_PREFIX)
            and ahv_check_digit(digits[:12]) == digits[12])


def make_ahv_number(serial: int) -> str:
    """A well-formed AHV number (756 + 9 digits + check digit), for demo data and tests."""
    body = f"{AHV_PREFIX}{serial:09d}"
    return body + ahv_check_digit(body)


def format_ahv(digits: str) -> str:
    """``7561234567897`` → ``756.1234.5678.97``, as printed on the card."""
    return f"{digits[:3]}.{digits[3:7]}.{digits[7:11]}.{digits[11:]}"


def format_card_number(number: str) -> str:
    """Groups of five digits, easier to read out at a counter."""
    return " ".join(number[i:i + 5] for i in range(0, len(number), 5))


def insurer_name() -> str:
    return str(settings.INSURANCE_CARD_INSURER_NAME)


def insurer_number() -> str:
    return str(settings.INSURANCE_CARD_INSURER_NUMBER)


@dataclass(frozen=True)
class CardView:
    """What one card shows, front and back, and the QR code's text."""

    card: InsuranceCard
    today: date

    @property
    def person_id(self) -> int:
        return self.card.insured_person_id

    @property
    def surname(self) -> str:
        return self.card.insured_person.last_name.upper()

    @property
    def given_names(self) -> str:
        return self.card.insured_person.first_name

    @property
    def birth_date(self) -> date:
        return self.card.insured_person.birth_date

    @property
    def sex(self) -> str:
        return self.card.sex

    @property
    def card_number(self) -> str:
        return format_card_number(self.card.card_number)

    @property
    def ahv_number(self) -> str:
        return format_ahv(self.card.ahv_number)

    @property
    def insured_number(self) -> str:
        return self.card.insured_person.insured_number

    @property
    def valid_until(self) -> date:
        return self.card.valid_until

    @property
    def expired(self) -> bool:
        return self.card.valid_until < self.today

    @property
    def not_yet_valid(self) -> bool:
        return self.card.valid_from > self.today

    @property
    def insurer(self) -> str:
        return insurer_name()

    @property
    def insurer_id(self) -> str:
        """EHIC field 7: the insurer's number and its name."""
        return f"{insurer_number()} - {insurer_name()}"

    def qr_text(self) -> str:
        """What a practice's scanner types in: the EHIC fields, one per line, numbered as
        on the back of the card so the text reads the same in every language."""
        person = self.card.insured_person
        return "\n".join([
            f"EHIC {COUNTRY}",
            f"3 {self.surname}",
            f"4 {person.first_name}",
            f"5 {person.birth_date:%d.%m.%Y} {self.sex}",
            f"6 {self.card.ahv_number}",
            f"7 {self.insurer_id}",
            f"8 {self.card.card_number}",
            f"9 {self.card.valid_until:%d.%m.%Y}",
        ])

    def qr_svg(self) -> str:
        return qr_svg(self.qr_text())


def qr_svg(text: str) -> str:
    """The QR code as an inline SVG element (no XML declaration, no inline style)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2,
                         image_factory=qrcode.image.svg.SvgPathImage)
    code.add_data(text)
    code.make(fit=True)
    buffer = BytesIO()
    code.make_image().save(buffer)
    svg = buffer.getvalue().decode()
    svg = svg[svg.index("<svg"):]
    # Sized by the page's CSS, not in millimetres; announced as one picture.
    svg = re.sub(r' (width|height)="[^"]*"', "", svg, count=2)
    svg = svg.replace("<svg", '<svg class="qr" role="img" focusable="false"', 1)
    head, body = svg.split(">", 1)
    return f"{head}><title>{escape(gettext('Code QR de la carte d’assuré'))}</title>{body}"


def household_cards(customer: Customer, *, today: date) -> list[CardView]:
    """The cards of the household's insured persons, holder first: one query."""
    cards = (InsuranceCard.objects
             .filter(insured_person__customer=customer)
             .select_related("insured_person")
             .order_by("-insured_person__is_policy_holder", "insured_person__birth_date",
                       "insured_person_id"))
    return [CardView(card, today) for card in cards]


def household_card(customer: Customer, person_id: int, *, today: date) -> CardView | None:
    """One insured person's card, only within the household (None otherwise)."""
    card = (InsuranceCard.objects
            .filter(insured_person__customer=customer, insured_person_id=person_id)
            .select_related("insured_person").first())
    return CardView(card, today) if card else None


@dataclass(frozen=True)
class Number:
    label: str | Promise
    number: str
    note: str | Promise = ""

    @property
    def tel(self) -> str:
        """For a ``tel:`` link: digits and a leading plus only."""
        return "".join(char for char in self.number if char.isdigit() or char == "+")


def emergency_numbers() -> list[Number]:
    """Who to call, first the insurer's own 24-hour lines (from settings), then the Swiss
    public numbers (fixed by law)."""
    return [
        Number(_("Assistance KPT 24h/24 (en Suisse et à l'étranger)"),
               settings.ASSISTANCE_PHONE,
               _("Hospitalisation d'urgence, rapatriement, conseils.")),
        Number(_("Conseil médical par téléphone 24h/24"), settings.MEDICAL_ADVICE_PHONE),
        Number(_("Ambulance"), "144"),
        Number(_("Numéro d'urgence européen"), "112"),
        Number(_("Rega, sauvetage aérien"), "1414", _("Depuis l'étranger: +41 333 333 333")),
        Number(_("Tox Info Suisse, intoxications"), "145"),
    ]
