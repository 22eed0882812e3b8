"""Every customer page and every admin list runs a constant number of queries.

A small household and a big one (more insured persons, documents, coverages, threads,
audit lines) must cost the same number of queries per page, at most ``MAX_QUERIES``. When a
count is off, the failure prints every SQL statement of both requests (as Zulip does).
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import events as account_events
from accounts.tests.factories import CustomerFactory, InsuredPersonFactory
from audit.log import record
from claims.models import ClaimStatus, GuaranteeStatus
from claims.tests.factories import ClaimFactory, ExtractedFieldFactory, cost_guarantee_of
from conftest import log_in_verified
from documents import benefits, tax_certificate_issuing
from documents.models import DocumentRead, DocumentType
from documents.tests.factories import DocumentFactory, make_premium_invoice
from messaging.tests.factories import MessageFactory, ThreadFactory, advisor_reply
from policies.tests.factories import BasicProductFactory, CoverageFactory, ProductFactory

MAX_QUERIES = 12
# The dashboard gathers every app's news: documents, claims, messages, this month's premiums,
# the premium invoices (one query) and the year's cost sharing (coverages and settled sums).
PAGE_MAX_QUERIES = {"/": 13}
CUSTOMER_PAGES = ["dashboard", "documents:list", "documents:tax_certificates", "claims:list",
                  "messaging:inbox", "policies:overview", "accounts:profile",
                  "customer_requests:list", "customer_requests:change_start"]
# Messages are listed inside their thread (no list of their own).
ADMIN_LISTS = ["accounts_customer", "audit_auditevent", "documents_document",
               "messaging_thread", "messaging_loginhelprequest", "claims_claim",
               "claims_claimtoreview", "claims_costguaranteerequest",
               "customer_requests_contractchange"]


def _url(name: str) -> str:
    return reverse(name)


def _household(*, persons: int, documents_each: int, threads: int, coverages_each: int):
    customer = CustomerFactory()
    people = [customer.insured_persons.get()]
    people += [InsuredPersonFactory(customer=customer) for _ in range(persons - 1)]
    basic = BasicProductFactory()
    for person in people:
        CoverageFactory(insured_person=person, product=basic, franchise=300)
        for _ in range(coverages_each - 1):
            CoverageFactory(insured_person=person, product=ProductFactory())
        for index in range(documents_each):
            document = DocumentFactory(insured_person=person, type=list(DocumentType)[index % 4],
                                       issue_date=date(2016 + index % 10, 1 + index % 12, 1))
            if index % 3 == 0:
                DocumentRead.objects.create(document=document, user=customer.account)
    for index in range(documents_each):  # premium invoices: a line per person and coverage
        make_premium_invoice(people[0], date(2016 + index, 1 + index % 12, 1),
                             paid_on=date(2016 + index, 1 + index % 12, 20) if index else None,
                             amounts=[("KVG", "300.00", "0", person) for person in people]
                             * coverages_each)
    for _index in range(documents_each):  # benefit statements of this year, a line each
        for person in people:
            statement = DocumentFactory(insured_person=person, type=DocumentType.BENEFIT_STATEMENT,
                                        issue_date=date.today())
            benefits.record_statement(statement, benefits.StatementData(lines=[
                benefits.LineData(date.today(), "Cabinet", "KVG", Decimal("100.00"),
                                  deductible=Decimal("90.00"), copay=Decimal("1.00"),
                                  reimbursed=Decimal("9.00"))]))
    statuses = list(ClaimStatus)
    for index, person in enumerate(people * threads):
        claim = ClaimFactory(customer=customer, insured_person=person,
                             status=statuses[index % len(statuses)])
        ExtractedFieldFactory(claim=claim)
    for index, person in enumerate(people * threads):  # cost guarantees, one decided
        guarantee = cost_guarantee_of(customer, status=list(GuaranteeStatus)[index % 4])
        guarantee.insured_person = person
        guarantee.save(update_fields=["insured_person"])
    for index in range(threads):
        thread = ThreadFactory(customer=customer,
                               last_activity_at=timezone.now() - timedelta(days=index))
        MessageFactory(thread=thread)
        advisor_reply(thread)
    for _ in range(threads):
        record(account_events.LOGIN, user=customer.account, customer=customer)
    return customer


@pytest.fixture
def small_and_big(db):
    small = _household(persons=1, documents_each=1, threads=1, coverages_each=1)
    big = _household(persons=4, documents_each=8, threads=6, coverages_each=3)
    return small, big


def _queries_of(client: Client, url: str):
    client.get(url)  # warm: session tracking, first-time caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return captured.captured_queries


def _explain(label: str, queries) -> str:
    lines = [f"--- {label}: {len(queries)} queries"]
    lines += [f"{index:3}. {query['sql']}" for index, query in enumerate(queries, 1)]
    return "\n".join(lines)


def _assert_constant(url: str, small_queries, big_queries):
    report = "\n".join([_explain("small household", small_queries),
                        _explain("big household", big_queries)])
    limit = PAGE_MAX_QUERIES.get(url, MAX_QUERIES)
    assert len(small_queries) == len(big_queries), f"{url}: count grows\n{report}"
    assert len(big_queries) <= limit, f"{url}: more than {limit}\n{report}"


@pytest.mark.parametrize("name", CUSTOMER_PAGES)
def test_customer_page_query_count_does_not_grow_with_the_household(name, small_and_big):
    url = _url(name)
    small, big = small_and_big
    small_queries = _queries_of(log_in_verified(Client(), small.account), url)
    big_queries = _queries_of(log_in_verified(Client(), big.account), url)
    _assert_constant(url, small_queries, big_queries)


@pytest.mark.parametrize("related", ["premium_invoices", "benefit_statements"])
def test_a_premium_invoice_or_statement_page_costs_the_same_whatever_its_lines(related,
                                                                             small_and_big):
    small, big = small_and_big
    pages = []
    for customer in (small, big):
        data = getattr(customer, related).order_by("pk").first()
        pages.append(_queries_of(log_in_verified(Client(), customer.account),
                                 reverse("documents:detail", args=[data.document_id])))
    _assert_constant("documents:detail", *pages)


def _tax_certificate_of(customer):
    """A certificate of 2025 with a line per person: premiums paid and a statement each."""
    people = list(customer.insured_persons.all())
    make_premium_invoice(people[0], date(2025, 6, 1), paid_on=date(2025, 6, 20),
                         amounts=[("KVG", "300.00", "0", person) for person in people]
                         + [("VVG", "40.00", "2.00", person) for person in people])
    for person in people:
        statement = DocumentFactory(insured_person=person, type=DocumentType.BENEFIT_STATEMENT,
                                    issue_date=date(2025, 7, 1))
        benefits.record_statement(statement, benefits.StatementData(lines=[
            benefits.LineData(date(2025, 6, 30), "Cabinet", "KVG", Decimal("100.00"),
                              deductible=Decimal("90.00"), copay=Decimal("1.00"),
                              reimbursed=Decimal("9.00"))]))
    return tax_certificate_issuing.issue(customer, 2025, today=date(2026, 1, 10)).certificate


def test_a_tax_certificate_and_the_years_page_cost_the_same_whatever_the_household(
        small_and_big):
    details, years = [], []
    for customer in small_and_big:
        certificate = _tax_certificate_of(customer)
        client = log_in_verified(Client(), customer.account)
        details.append(_queries_of(client, reverse("documents:detail",
                                                   args=[certificate.document_id])))
        years.append(_queries_of(client, reverse("documents:tax_certificates")))
    _assert_constant("documents:detail", *details)
    _assert_constant("documents:tax_certificates", *years)


def test_a_settled_claim_page_costs_the_same_whatever_its_statement(small_and_big):
    from claims.tests.factories import kvg_line, settled_claim

    small, big = small_and_big
    pages = []
    for customer, lines in ((small, 1), (big, 9)):
        claim = settled_claim(customer, lines=[kvg_line()] * lines, position=lines - 1,
                              paid_on=date(2026, 3, 24), account_hint="CH•• •••• 9012")
        pages.append(_queries_of(log_in_verified(Client(), customer.account),
                                 reverse("claims:detail", args=[claim.pk])))
    _assert_constant("claims:detail", *pages)


def test_a_cost_guarantee_page_costs_the_same_whatever_its_documents(small_and_big):
    pages = []
    for customer, files in zip(small_and_big, (1, 6), strict=True):
        guarantee = cost_guarantee_of(customer)
        for _ in range(files - 1):
            attachment = guarantee.attachments.first()
            attachment.pk = None
            attachment.save()
        pages.append(_queries_of(log_in_verified(Client(), customer.account),
                                 reverse("claims:guarantee_detail", args=[guarantee.pk])))
    _assert_constant("claims:guarantee_detail", *pages)


def test_the_advisors_cost_guarantee_review_costs_the_same_whatever_its_documents(
        advisor, small_and_big):
    client = log_in_verified(Client(), advisor)
    pages = []
    for customer, files in zip(small_and_big, (1, 6), strict=True):
        guarantee = cost_guarantee_of(customer)
        for _ in range(files - 1):
            attachment = guarantee.attachments.first()
            attachment.pk = None
            attachment.save()
        pages.append(_queries_of(client, reverse("admin:claims_costguaranteerequest_change",
                                                 args=[guarantee.pk])))
    _assert_constant("admin:claims_costguaranteerequest_change", *pages)


@pytest.mark.parametrize("model", ADMIN_LISTS)
def test_admin_list_query_count_does_not_grow_with_the_rows(model, advisor, small_and_big):
    url = reverse(f"admin:{model}_changelist")
    client = log_in_verified(Client(), advisor)  # the advisors' group, as seeded
    few = _queries_of(client, url)
    _household(persons=3, documents_each=6, threads=5, coverages_each=2)
    many = _queries_of(client, url)
    _assert_constant(url, few, many)


def test_the_security_page_costs_the_same_with_one_passkey_or_five(db):
    from accounts.tests.factories import passkey_for

    pages = []
    for count in (1, 5):
        customer = CustomerFactory()
        for index in range(count):
            passkey_for(customer.account, name=f"Appareil {index}")
        pages.append(_queries_of(log_in_verified(Client(), customer.account),
                                 reverse("accounts:second_factors")))
    _assert_constant("accounts:second_factors", *pages)


def test_the_failure_message_lists_every_statement():
    queries = [{"sql": "SELECT 1"}, {"sql": "SELECT 2"}]
    with pytest.raises(AssertionError) as failure:
        _assert_constant("/x/", queries[:1], queries)
    assert "1. SELECT 1" in str(failure.value) and "2. SELECT 2" in str(failure.value)
