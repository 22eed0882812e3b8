from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from accounts.models import Customer
from accounts.validators import normalise_contract_number
from policies.discounts import is_discount_eligible, monthly_premiums, parse_month

if TYPE_CHECKING:
    from django.core.management.base import CommandParser


class Command(BaseCommand):
    help = ("Show a customer's premiums for a month (default: this month) with the online "
            "discount, e.g. `premium_preview KPT12345678 --json --month 2026-03`.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("contract", help="online contract number, e.g. KPT12345678")
        parser.add_argument("--month", help="YYYY-MM (default: the current month)")
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args: Any, contract: str, month: str | None = None, json: bool = False,
               **options: Any) -> None:
        try:
            contract = normalise_contract_number(contract)
        except ValidationError as exc:
            raise CommandError(f"{contract!r} is not an online contract number "
                               "(KPT and 8 digits).") from exc
        customer = (Customer.objects.filter(account__username=contract)
                    .select_related("account").first())
        if customer is None:
            raise CommandError(f"No customer with online contract {contract}.")
        try:
            first = parse_month(month) if month else None
        except ValueError as exc:
            raise CommandError(f"--month must be YYYY-MM, e.g. 2026-03 (got {month!r}).") from exc
        with translation.override("fr"):
            statement = monthly_premiums(customer, first)
            coverages: list[dict[str, Any]] = [
                {"insured": str(line.insured_person),
                 "product": line.product.localized_name("fr"),
                 "line": line.product.line,
                 "discount_eligible": is_discount_eligible(line.coverage),
                 "monthly_premium": f"{line.gross:.2f}",
                 "discount": f"{line.discount:.2f}",
                 "net": f"{line.net:.2f}"}
                for line in statement.lines
            ]
            body = {
                "contract": contract,
                "online_discount": statement.online_discount,
                "coverages": coverages,
                "monthly_total": f"{statement.monthly_total:.2f}",
            }
        if json:
            self.stdout.write(_dumps(body))
            return
        self.stdout.write(f"{contract} {statement.month:%m.%Y} "
                          f"online discount: {'yes' if statement.online_discount else 'no'}")
        for row in coverages:
            self.stdout.write(f"  {row['insured']:<20} {row['line']} {row['product']:<32} "
                              f"{row['monthly_premium']:>9} -{row['discount']:>7} "
                              f"= {row['net']:>9}")
        self.stdout.write(f"  monthly total: {body['monthly_total']}")


def _dumps(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False)
