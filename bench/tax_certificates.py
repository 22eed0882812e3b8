"""What issuing a tax certificate costs, per household and per batch of the January run.

``python -m bench.tax_certificates [--households 100]``: a throwaway SQLite database under a
temporary folder, fictitious households of two insured persons, each with a year of
premium invoices (twelve, four lines each, paid) and three benefit statements. Then, in
this process: the keyset query that finds the households due (``batches_due``), one
household's PDF alone (``render``), and ``issue`` for each household (figures, PDF,
encrypted file, rows, audit line, notification queued) as the batch task runs it. Prints
medians, the 95th percentile and what one batch of ``TAX_CERTIFICATE_BATCH`` households
takes at that pace, to compare with the task's time limit.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import TYPE_CHECKING, cast

from bench.environment import throwaway_portal

if TYPE_CHECKING:
    from accounts.models import Customer

YEAR = 2025


def _household() -> Customer:
    from datetime import date
    from decimal import Decimal

    from accounts.models import InsuredPerson
    from accounts.tests.factories import CustomerFactory, InsuredPersonFactory
    from documents import benefits, premiums
    from documents.models import Document, DocumentType
    from documents.tests.factories import DocumentFactory

    customer = cast("Customer", CustomerFactory())
    holder = customer.insured_persons.get()
    child = cast(InsuredPerson, InsuredPersonFactory(customer=customer, is_policy_holder=False))
    for month in range(1, 13):
        period = date(YEAR, month, 1)
        document = cast(Document, DocumentFactory(
            insured_person=holder, type=DocumentType.PREMIUM_INVOICE, issue_date=period,
            period=period))
        premiums.record_invoice(document, premiums.InvoiceData(
            period=period, due_date=date(YEAR, month, 28), paid_on=date(YEAR, month, 20),
            lines=[premiums.InvoiceLineData(person, line, line, Decimal(gross),
                                            Decimal(discount))
                   for person in (holder, child)
                   for line, gross, discount in (("KVG", "412.35", "0"),
                                                 ("VVG", "40.00", "2.00"))]))
    for number, person in enumerate((holder, child, holder)):
        document = cast(Document, DocumentFactory(
            insured_person=person, type=DocumentType.BENEFIT_STATEMENT,
            issue_date=date(YEAR, 3 + number, 10)))
        benefits.record_statement(document, benefits.StatementData(lines=[benefits.LineData(
            date(YEAR, 3 + number, 1), "Cabinet", "KVG", Decimal("180.00"),
            deductible=Decimal("150.00"), copay=Decimal("3.00"),
            reimbursed=Decimal("27.00"))]))
    return customer


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100)
    args = parser.parse_args()
    throwaway_portal("kpt-tax-bench-")
    from datetime import date

    from django.utils import translation

    from accounts.models import Customer
    from documents.tasks import TAX_CERTIFICATE_BATCH
    from documents.tax_certificate import figures_for
    from documents.tax_certificate_issuing import batches_due, issue, render

    started = time.perf_counter()
    households = [_household() for _ in range(args.households)]
    print(f"{args.households} households with a year of data in "
          f"{time.perf_counter() - started:.1f} s (set-up, not measured)")

    started = time.perf_counter()
    batches = list(batches_due(YEAR, TAX_CERTIFICATE_BATCH))
    print(f"batches_due: {len(batches)} batch(es) of <= {TAX_CERTIFICATE_BATCH} in "
          f"{(time.perf_counter() - started) * 1000:.1f} ms")

    sample = Customer.objects.prefetch_related("insured_persons").get(pk=households[0].pk)
    figures = figures_for(sample, YEAR)
    renders = []
    for _ in range(20):
        with translation.override("fr"):
            began = time.perf_counter()
            render(sample, figures, issued_on=date(YEAR + 1, 1, 10), version=1)
            renders.append((time.perf_counter() - began) * 1000)

    issues = []
    for customer in Customer.objects.prefetch_related("insured_persons").order_by("pk"):
        began = time.perf_counter()
        issue(customer, YEAR, today=date(YEAR + 1, 1, 10))
        issues.append((time.perf_counter() - began) * 1000)
    median = statistics.median(issues)
    print(f"render (PDF only): median {statistics.median(renders):.1f} ms")
    print(f"issue per household: median {median:.1f} ms, p95 {_percentile(issues, .95):.1f} ms")
    print(f"one batch of {TAX_CERTIFICATE_BATCH} at that pace: "
          f"{median * TAX_CERTIFICATE_BATCH / 1000:.1f} s; 50,000 households: "
          f"{median * 50_000 / 1000 / 60:.0f} worker-minutes")


if __name__ == "__main__":
    main()
