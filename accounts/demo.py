"""Fictitious demo households and the demo advisor (see design.md). Idempotent."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from accounts import payout
from accounts.models import Correspondence, Customer, InsuredPerson, SMSDevice, User

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

DEMO_PASSWORD = "Demo-Portal-2026"  # noqa: S105 - published demo login, DEBUG only
DEMO_ADVISOR_PASSWORD = "Demo-Advisor-2026"  # noqa: S105
ADVISOR_USERNAME = "advisor"

# contract, customer number, mobile, correspondence, insured persons (first, last, birth, holder)
HOUSEHOLDS = [
    ("KPT12345678", "100200300", "+41790000001", Correspondence.ONLINE, "fr",
     "Rue du Lac 12", "1003", "Lausanne", "anna.muster@example.ch",
     [("Anna", "Muster", date(1981, 4, 17), True), ("Léo", "Muster", date(2014, 9, 2), False)]),
    ("KPT87654321", "100200400", "+41790000002", Correspondence.POST, "de",
     "Bahnhofstrasse 5", "3011", "Bern", "beat.beispiel@example.ch",
     [("Beat", "Beispiel", date(1958, 11, 23), True)]),
]


# The payout accounts: the example IBANs of the Swiss payment standards (SIX guidelines,
# IBAN documentation), valid check digits, nobody's real account.
PAYOUT_IBANS = {"100200300": "CH5800791123000889012", "100200400": "CH9300762011623852957"}


def _sms_device(user: User, number: str) -> None:
    SMSDevice.objects.update_or_create(
        user=user, name="default", defaults={"number": number, "confirmed": True}
    )


@transaction.atomic
def seed(stdout: SupportsWrite[str] | None = None) -> None:
    advisor, _ = User.objects.update_or_create(
        username=ADVISOR_USERNAME,
        defaults={"first_name": "Claire", "last_name": "Conseil", "is_staff": True,
                  "email": "advisor@kpt.example", "mobile_phone": "+41790000009"},
    )
    advisor.set_password(DEMO_ADVISOR_PASSWORD)
    advisor.save()
    _sms_device(advisor, "+41790000009")

    for (contract, customer_no, mobile, correspondence, lang, street, postcode, locality,
         email, persons) in HOUSEHOLDS:
        user, _ = User.objects.update_or_create(
            username=contract,
            defaults={"first_name": persons[0][0], "last_name": persons[0][1],
                      "mobile_phone": mobile, "language": lang, "email": email},
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        _sms_device(user, mobile)
        customer, _ = Customer.objects.update_or_create(
            customer_number=customer_no,
            defaults={"account": user, "advisor": advisor, "street": street,
                      "postcode": postcode, "locality": locality, "email": email,
                      "language": lang, "correspondence": correspondence},
        )
        if customer.portal_registered_at is None:
            customer.portal_registered_at = timezone.now()
            customer.save(update_fields=["portal_registered_at"])
        for index, (first, last, birth, holder) in enumerate(persons, start=1):
            InsuredPerson.objects.update_or_create(
                insured_number=f"{customer_no}{index:02d}",
                defaults={"customer": customer, "first_name": first, "last_name": last,
                          "birth_date": birth, "is_policy_holder": holder},
            )
        holder_name = f"{persons[0][0]} {persons[0][1]}"
        payout.set_account(customer, iban=PAYOUT_IBANS[customer_no], holder=holder_name,
                           by=None, notify=False)
    if stdout:
        stdout.write("accounts: 2 demo households, advisor 'advisor'")
