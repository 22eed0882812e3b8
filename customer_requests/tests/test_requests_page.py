"""One page for the household's requests: every source, newest first, household scoped."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import PayoutAccount, PendingAddressChange
from accounts.tests.factories import CustomerFactory, InsuredPersonFactory
from claims.models import ClaimStatus, GuaranteeStatus
from claims.tests.factories import ClaimFactory, cost_guarantee_of
from conftest import log_in_verified
from customer_requests import contract_changes as changes
from customer_requests import sources
from customer_requests.tests.factories import basic_coverage
from policies.contract_changes import STANDARD, ZURICH, Choice

pytestmark = pytest.mark.django_db


def _history(customer, n):
    now = timezone.now()
    persons = [customer.policy_holder] + [InsuredPersonFactory(customer=customer)
                                          for _ in range(n - 1)]
    for index, person in enumerate(persons):
        basic_coverage(person, franchise=300)
        insured = changes.insured_of(customer, person.pk)
        changes.submit(insured, Choice(STANDARD, 500), user=customer.account,
                       now=now.astimezone(ZURICH) - timedelta(days=index))
        PendingAddressChange.objects.create(customer=customer, street=f"Rue {index}",
                                            postcode="1000", locality="Lausanne",
                                            effective_on=now.date(),
                                            applied_at=now if index else None)
        ClaimFactory(customer=customer, insured_person=person,
                     status=list(ClaimStatus)[index % len(ClaimStatus)])
        cost_guarantee_of(customer, with_file=False,
                          status=list(GuaranteeStatus)[index % len(GuaranteeStatus)])
    PayoutAccount.objects.create(customer=customer, iban="CH5604835012345678009",
                                 holder="A", replaced_at=now if n > 1 else None)
    if n > 1:
        PayoutAccount.objects.create(customer=customer, iban="CH9300762011623852957",
                                     holder="B")
    return customer


def _queries(customer):
    client = log_in_verified(Client(), customer.account)
    url = reverse("customer_requests:list")
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return captured.captured_queries


def test_the_page_costs_the_same_queries_for_a_short_and_a_long_history():
    small = _history(CustomerFactory(), 1)
    big = _history(CustomerFactory(), 4)
    small_queries, big_queries = _queries(small), _queries(big)
    assert len(small_queries) == len(big_queries), "\n".join(
        q["sql"] for q in big_queries)


def test_every_kind_of_request_is_listed_newest_first(customer):
    _history(customer, 2)
    rows = sources.requests_of(customer)
    kinds = {row.kind for row in rows}
    assert {"Changement d'adresse", "Compte de versement", "Franchise ou modèle",
            "Garantie de prise en charge", "Remboursement"} <= kinds
    times = [row.submitted_at for row in rows]
    assert times == sorted(times, reverse=True)


def test_a_refused_cost_guarantee_shows_why_and_links_to_its_page(customer_client, customer):
    guarantee = cost_guarantee_of(customer, with_file=False, status=GuaranteeStatus.REFUSED,
                                  advisor_message="Traitement non couvert par votre contrat.")
    page = customer_client.get(reverse("customer_requests:list"))
    assert "Garantie de prise en charge" in page.text
    assert "Refusée" in page.text
    assert "Traitement non couvert par votre contrat." in page.text
    assert reverse("claims:guarantee_detail", args=[guarantee.pk]) in page.text


def test_an_advisors_question_on_a_cost_guarantee_reads_as_a_question(customer_client,
                                                                      customer):
    cost_guarantee_of(customer, with_file=False, status=GuaranteeStatus.INFO_REQUESTED,
                      advisor_message="Merci de joindre le devis de la clinique.")
    page = customer_client.get(reverse("customer_requests:list")).text
    assert "Il nous manque des informations:</strong> Merci de joindre le devis" in page
    assert "Motif:" not in page


def test_a_new_source_is_one_function_in_the_list(customer):
    def tax_certificate_requests(household):
        yield sources.RequestRow(kind="Attestation", title="2026", person="",
                                 status_label="x", status_tone=sources.PENDING,
                                 submitted_at=timezone.now() + timedelta(days=1))
    rows = sources.requests_of(customer, [*sources.SOURCES, tax_certificate_requests])
    assert rows[0].kind == "Attestation"


def test_another_households_requests_are_not_shown(customer, other_customer, other_client):
    _history(customer, 1)
    response = other_client.get(reverse("customer_requests:list"))
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "Rue 0" not in response.text


def test_the_page_is_linked_from_the_menu(customer_client):
    page = customer_client.get(reverse("policies:overview"))
    assert reverse("customer_requests:list") in page.text
    assert reverse("customer_requests:change_start") in page.text
