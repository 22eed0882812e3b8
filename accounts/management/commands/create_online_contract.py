from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Customer
from accounts.registration import RegistrationError, create_online_contract
from core.sms import InvalidPhoneNumber, is_mobile_number, normalise_phone_number


class Command(BaseCommand):
    help = ("Give a new customer access at once (what the core system calls): prints the online "
            "contract number and sends the password link by SMS.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("customer_number")
        parser.add_argument("--mobile", required=True, help="Mobile number, e.g. +41791234567")

    def handle(self, *args: Any, customer_number: str, mobile: str, **options: Any) -> None:
        try:
            number = normalise_phone_number(mobile)
        except InvalidPhoneNumber as exc:
            raise CommandError(f"Invalid mobile number: {mobile}") from exc
        if not is_mobile_number(number):
            raise CommandError(f"{mobile} is not a mobile number: the login codes go by SMS.")
        customer = Customer.objects.filter(customer_number=customer_number).first()
        if customer is None:
            raise CommandError(f"No customer {customer_number}.")
        try:
            user = create_online_contract(customer, mobile_phone=number)
        except RegistrationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(user.username)
