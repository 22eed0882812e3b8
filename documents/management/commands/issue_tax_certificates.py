from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.models import Customer
from documents.tasks import TAX_CERTIFICATE_BATCH, issue_tax_certificates
from documents.tax_certificate_issuing import NoDataForYear, YearNotOver, issue


class Command(BaseCommand):
    help = ("Issue the tax certificates of a year (default: last year). For every household "
            "without one, as the January run does: the batches are queued for the workers. "
            "With --customer, for one household here and now; --regenerate then issues a new "
            "version if its figures changed since (a correction in the core system).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, default=None)
        parser.add_argument("--customer", help="A customer number: only this household.")
        parser.add_argument("--regenerate", action="store_true",
                            help="With --customer: a new version when the figures changed.")

    def handle(self, *args: Any, year: int | None = None, customer: str | None = None,
               regenerate: bool = False, **options: Any) -> None:
        year = year or timezone.localdate().year - 1
        if customer is None:
            if regenerate:
                raise CommandError("--regenerate needs --customer: corrections are made one "
                                   "household at a time.")
            batches = issue_tax_certificates(year)
            self.stdout.write(self.style.SUCCESS(
                f"{batches} batch(es) of up to {TAX_CERTIFICATE_BATCH} households queued "
                f"for {year}."))
            return
        household = (Customer.objects.prefetch_related("insured_persons")
                     .filter(customer_number=customer).first())
        if household is None:
            raise CommandError(f"no customer {customer!r}")
        try:
            outcome = issue(household, year, regenerate=regenerate)
        except (YearNotOver, NoDataForYear) as problem:
            raise CommandError(problem.message) from problem
        certificate = outcome.certificate
        verb = "issued" if outcome.created else "unchanged, kept"
        self.stdout.write(self.style.SUCCESS(
            f"{customer} {year}: version {certificate.version} {verb} "
            f"(document {certificate.document_id})."))
