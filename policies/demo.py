"""Fictitious products and coverages for the demo households (see accounts/demo.py). Idempotent."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from accounts.models import Correspondence, CorrespondenceChange, Customer, InsuredPerson
from policies.card import insurer_number, make_ahv_number, make_card_number
from policies.models import Coverage, InsuranceCard, Line, Product

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

# code, line, eligible, names fr/de/it/en
PRODUCTS = [
    ("KVG-STD", Line.BASIC, False, ("Assurance de base LAMal", "Grundversicherung KVG",
                                    "Assicurazione di base LAMal", "Basic insurance (KVG)")),
    # The alternative models of basic insurance (policies/contract_changes.py).
    ("KVG-HAM", Line.BASIC, False, ("Assurance de base LAMal, médecin de famille",
                                    "Grundversicherung KVG, Hausarztmodell",
                                    "Assicurazione di base LAMal, medico di famiglia",
                                    "Basic insurance (KVG), family doctor")),
    ("KVG-HMO", Line.BASIC, False, ("Assurance de base LAMal, HMO", "Grundversicherung KVG, HMO",
                                    "Assicurazione di base LAMal, HMO",
                                    "Basic insurance (KVG), HMO")),
    ("KVG-TEL", Line.BASIC, False, ("Assurance de base LAMal, télémédecine",
                                    "Grundversicherung KVG, Telmed",
                                    "Assicurazione di base LAMal, telemedicina",
                                    "Basic insurance (KVG), telemedicine")),
    ("VVG-AMB", Line.SUPPLEMENTARY, True, ("Complémentaire ambulatoire", "Zusatz ambulant",
                                          "Complementare ambulatoriale",
                                          "Outpatient supplement")),
    ("VVG-DENT", Line.SUPPLEMENTARY, True, ("Soins dentaires", "Zahnpflege", "Cure dentarie",
                                           "Dental care")),
    ("VVG-HOSP-HP", Line.SUPPLEMENTARY, True, ("Hospitalisation demi-privée",
                                              "Spital halbprivat", "Ospedale semiprivato",
                                              "Hospital semi-private")),
    ("VVG-HOSP-FLEX", Line.SUPPLEMENTARY, False, ("Hospitalisation flex", "Spital Flex",
                                                 "Ospedale flex", "Hospital flex")),
    ("VVG-PULSE", Line.SUPPLEMENTARY, False, ("Pulse ambulatoire", "Pulse ambulant",
                                             "Pulse ambulatoriale", "Pulse outpatient")),
]

# insured number → [(product code, franchise, monthly gross premium)]
COVERAGES = {
    "10020030001": [("KVG-STD", 1500, "412.30"), ("VVG-AMB", None, "38.60"),
                    ("VVG-DENT", None, "27.90"), ("VVG-HOSP-HP", None, "96.40"),
                    ("VVG-PULSE", None, "19.80")],
    "10020030002": [("KVG-STD", 0, "108.70"), ("VVG-AMB", None, "12.35"),
                    ("VVG-DENT", None, "18.20"), ("VVG-HOSP-FLEX", None, "24.50")],
    "10020040001": [("KVG-STD", 2500, "389.10"), ("VVG-AMB", None, "45.75"),
                    ("VVG-HOSP-HP", None, "148.90"), ("VVG-HOSP-FLEX", None, "61.30")],
}
# Before the ten years of demo documents, so every policy and premium invoice has coverages.
COVERAGE_START = date(2016, 1, 1)
# insured number → (sex, card serial, AHV serial): fictitious, with valid check digits.
CARDS = {
    "10020030001": ("F", 104_518_221, 921_707_698),
    "10020030002": ("M", 104_518_222, 483_120_556),
    "10020040001": ("M", 207_330_914, 316_842_075),
}
CARD_VALID_FROM = date(2025, 1, 1)
CARD_VALID_UNTIL = date(2029, 12, 31)
PAPERLESS_CONTRACT = "KPT12345678"
PAPERLESS_SINCE = datetime(2024, 3, 14, 10, 0)


@transaction.atomic
def seed(stdout: SupportsWrite[str] | None = None) -> None:
    products: dict[str, Product] = {}
    for code, line, eligible, (fr, de, it, en) in PRODUCTS:
        products[code], _ = Product.objects.update_or_create(
            code=code, defaults={"line": line, "online_discount_eligible": eligible,
                                 "name_fr": fr, "name_de": de, "name_it": it, "name_en": en})
    count = 0
    for insured_number, rows in COVERAGES.items():
        person = InsuredPerson.objects.filter(insured_number=insured_number).first()
        if person is None:
            continue
        for code, franchise, premium in rows:
            Coverage.objects.update_or_create(
                insured_person=person, product=products[code],
                defaults={"franchise": franchise, "monthly_premium": Decimal(premium),
                          "start": COVERAGE_START, "end": None})
            count += 1
    for insured_number, (sex, card_serial, ahv_serial) in CARDS.items():
        person = InsuredPerson.objects.filter(insured_number=insured_number).first()
        if person is not None:
            InsuranceCard.objects.update_or_create(
                insured_person=person,
                defaults={"card_number": make_card_number(insurer_number(), card_serial),
                          "ahv_number": make_ahv_number(ahv_serial), "sex": sex,
                          "valid_from": CARD_VALID_FROM, "valid_until": CARD_VALID_UNTIL})
    paperless = Customer.objects.filter(account__username=PAPERLESS_CONTRACT).first()
    if paperless is not None:
        since = timezone.make_aware(PAPERLESS_SINCE)
        if paperless.portal_registered_at is None or paperless.portal_registered_at > since:
            paperless.portal_registered_at = timezone.make_aware(
                datetime.combine(date(2024, 2, 1), time(9, 0)))
            paperless.save(update_fields=["portal_registered_at"])
        if not paperless.correspondence_changes.filter(changed_at__lte=since).exists():
            CorrespondenceChange.objects.create(customer=paperless,
                                                preference=Correspondence.ONLINE,
                                                changed_at=since)
    # The history must agree with the preference accounts' seed just (re)set.
    for customer in Customer.objects.filter(account__username__in=[PAPERLESS_CONTRACT,
                                                                   "KPT87654321"]):
        last = customer.correspondence_changes.order_by("-changed_at", "-id").first()
        if (last is None and customer.correspondence == Correspondence.ONLINE) or (
                last is not None and last.preference != customer.correspondence):
            CorrespondenceChange.objects.create(customer=customer,
                                                preference=customer.correspondence)
    if stdout:
        stdout.write(f"policies: {len(products)} products, {count} coverages")
