"""Every customer page and every admin list runs a constant number of queries.

A small household and a big one (more insured persons, documents, coverages, threads,
audit lines) must cost the same number of queries per page, at most ``MAX_QUERIES``. When a
count is off, the failure prints every SQL statement of both requests (as Zulip does).
"""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.audit import record
from accounts.tests.factories import CustomerFactory, InsuredPersonFactory
from claims.models import ClaimStatus
from claims.tests.factories import ClaimFactory, ExtractedFieldFactory
from conftest import log_in_verified
from documents.models import DocumentRead, DocumentType
from documents.tests.factories import DocumentFactory
from messaging.tests.factories import MessageFactory, ThreadFactory, advisor_reply
from policies.tests.factories import BasicProductFactory, CoverageFactory, ProductFactory

MAX_QUERIES = 12
CUSTOMER_PAGES = ["dashboard", "documents:list", "claims:list", "messaging:inbox",
                  "policies:overview", "accounts:profile"]
# Messages are listed inside their thread (no list of their own).
ADMIN_LISTS = ["accounts_customer", "accounts_securityevent", "documents_document",
               "messaging_thread", "messaging_loginhelprequest", "claims_claim",
               "claims_claimtoreview"]


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        pytest.skip(f"{name} is not wired on this branch")


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
    statuses = list(ClaimStatus)
    for index, person in enumerate(people * threads):
        claim = ClaimFactory(customer=customer, insured_person=person,
                             status=statuses[index % len(statuses)])
        ExtractedFieldFactory(claim=claim)
    for index in range(threads):
        thread = ThreadFactory(customer=customer,
                               last_activity_at=timezone.now() - timedelta(days=index))
        MessageFactory(thread=thread)
        advisor_reply(thread)
    for _ in range(threads):
        record("login", user=customer.account, customer=customer)
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
    assert len(small_queries) == len(big_queries), f"{url}: count grows\n{report}"
    assert len(big_queries) <= MAX_QUERIES, f"{url}: more than {MAX_QUERIES}\n{report}"


@pytest.mark.parametrize("name", CUSTOMER_PAGES)
def test_customer_page_query_count_does_not_grow_with_the_household(name, small_and_big):
    url = _url(name)
    small, big = small_and_big
    small_queries = _queries_of(log_in_verified(Client(), small.account), url)
    big_queries = _queries_of(log_in_verified(Client(), big.account), url)
    _assert_constant(url, small_queries, big_queries)


@pytest.mark.parametrize("model", ADMIN_LISTS)
def test_admin_list_query_count_does_not_grow_with_the_rows(model, advisor, small_and_big):
    url = reverse(f"admin:{model}_changelist")
    client = log_in_verified(Client(), advisor)
    advisor.is_superuser = True
    advisor.save(update_fields=["is_superuser"])
    few = _queries_of(client, url)
    _household(persons=3, documents_each=6, threads=5, coverages_each=2)
    many = _queries_of(client, url)
    _assert_constant(url, few, many)


def test_the_failure_message_lists_every_statement():
    queries = [{"sql": "SELECT 1"}, {"sql": "SELECT 2"}]
    with pytest.raises(AssertionError) as failure:
        _assert_constant("/x/", queries[:1], queries)
    assert "1. SELECT 1" in str(failure.value) and "2. SELECT 2" in str(failure.value)
