"""Asking for a deductible or model change, and the advisor's decision."""

import html
from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from conftest import log_in_verified
from customer_requests import contract_changes as changes
from customer_requests import events
from customer_requests.models import ChangeStatus, ContractChange
from customer_requests.tests.factories import basic_coverage
from documents.models import Document, DocumentType
from policies import contract_changes as rules
from policies.contract_changes import HMO, STANDARD, ZURICH, Choice

pytestmark = pytest.mark.django_db

DECEMBER = datetime(2026, 12, 7, 10, 0, tzinfo=ZURICH)
NOVEMBER = datetime(2026, 11, 20, 10, 0, tzinfo=ZURICH)


@pytest.fixture
def insured(customer):
    basic_coverage(customer.policy_holder, franchise=300)
    return changes.insured_of(customer, customer.policy_holder.pk)


@pytest.fixture
def frozen(monkeypatch):
    def at(moment):
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)
    at(DECEMBER)
    return at


def _submit(insured, deductible=2500, model=STANDARD, now=DECEMBER):
    return changes.submit(insured, Choice(model, deductible), user=insured.person.customer.account,
                          now=now)


def test_a_request_is_stored_with_the_premiums_shown_and_audited(insured):
    change = _submit(insured)
    assert (change.status, change.effective_on.isoformat()) == ("pending", "2027-01-01")
    assert (change.current_deductible, change.new_deductible) == (300, 2500)
    assert change.new_premium < change.current_premium
    event = AuditEvent.objects.get(kind=events.CONTRACT_CHANGE_REQUESTED)
    assert event.customer_id == insured.person.customer_id
    assert event.detail["deductible"] == [300, 2500]


def test_a_second_request_for_the_same_person_and_year_waits_for_the_first(insured):
    _submit(insured)
    with pytest.raises(rules.AlreadyRequested):
        _submit(insured, deductible=2000)


def test_a_lower_deductible_asked_in_december_is_refused_and_nothing_stored(customer):
    basic_coverage(customer.policy_holder, franchise=2500)
    insured = changes.insured_of(customer, customer.policy_holder.pk)
    with pytest.raises(rules.TooLateForLower):
        _submit(insured, deductible=300)
    assert not ContractChange.objects.exists()


def test_another_households_person_is_not_found(customer, other_customer):
    basic_coverage(other_customer.policy_holder)
    assert changes.insured_of(customer, other_customer.policy_holder.pk) is None


def test_accepting_archives_an_amendment_and_notifies(insured, advisor,
                                                      django_capture_on_commit_callbacks):
    change = _submit(insured)
    with django_capture_on_commit_callbacks():
        changes.accept(change, advisor=advisor)
    change.refresh_from_db()
    assert change.status == ChangeStatus.ACCEPTED and change.decided_by == advisor
    document = Document.objects.get(pk=change.document_id)
    assert document.type == DocumentType.AMENDMENT
    assert document.insured_person == insured.person
    assert not document.file.storage.read_encrypted(document.file.name).startswith(b"%PDF")
    assert document.file.open("rb").read(4) == b"%PDF"
    assert AuditEvent.objects.filter(kind=events.CONTRACT_CHANGE_ACCEPTED,
                                     actor=advisor).exists()


def test_refusing_needs_a_reason_and_keeps_it_for_the_customer(insured, advisor):
    change = _submit(insured)
    with pytest.raises(changes.ReasonRequired):
        changes.refuse(change, advisor=advisor, reason="  ")
    changes.refuse(change, advisor=advisor, reason="Contrat résilié au 31.12.")
    change.refresh_from_db()
    assert change.status == ChangeStatus.REFUSED
    assert change.refusal_reason == "Contrat résilié au 31.12."
    with pytest.raises(changes.NotPending):
        changes.accept(change, advisor=advisor)


# --- The customer's pages ---------------------------------------------------------------------

def test_the_form_shows_only_higher_deductibles_and_the_same_model_in_december(
        insured, customer_client, frozen):
    response = customer_client.get(reverse("customer_requests:change",
                                           args=[insured.person.pk]))
    assert response.status_code == 200
    deductibles = [value for value, _label in response.context["form"].fields["deductible"].choices]
    assert deductibles == [300, 500, 1000, 1500, 2000, 2500]  # 300 is what they have
    models = [value for value, _label in response.context["form"].fields["model"].choices]
    assert models == [STANDARD]


def test_the_confirmation_step_shows_the_new_premium_and_stores_nothing(
        insured, customer_client, frozen):
    url = reverse("customer_requests:change", args=[insured.person.pk])
    response = customer_client.post(url, {"model": STANDARD, "deductible": 2500})
    assert response.status_code == 200
    text = html.unescape(response.text)
    assert "CHF 358.15" in text and "CHF -1'540.20" in text and "CHF 2'500" in text
    assert not ContractChange.objects.exists()


def test_confirming_sends_the_request_and_lists_it_as_pending(insured, customer_client, frozen):
    url = reverse("customer_requests:change", args=[insured.person.pk])
    response = customer_client.post(url, {"model": STANDARD, "deductible": 2500,
                                          "confirm": "yes"})
    assert response.status_code == 302 and response["Location"] == reverse(
        "customer_requests:list")
    page = customer_client.get(reverse("customer_requests:list"))
    assert "En cours" in page.text and "CHF 2'500" in html.unescape(page.text)


def test_a_model_change_posted_after_30_november_is_refused_with_the_reason_kept(
        insured, customer_client, frozen):
    url = reverse("customer_requests:change", args=[insured.person.pk])
    response = customer_client.post(url, {"model": HMO, "deductible": 300, "confirm": "yes"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not ContractChange.objects.exists()


def test_in_november_a_model_change_goes_through(insured, customer_client, frozen):
    frozen(NOVEMBER)
    url = reverse("customer_requests:change", args=[insured.person.pk])
    customer_client.post(url, {"model": HMO, "deductible": 300, "confirm": "yes"})
    assert ContractChange.objects.get().new_model == HMO


def test_asking_for_nothing_new_says_so(insured, customer_client, frozen):
    url = reverse("customer_requests:change", args=[insured.person.pk])
    response = customer_client.post(url, {"model": STANDARD, "deductible": 300})
    assert "déjà ce que vous aurez" in response.text


def test_another_households_person_answers_404(insured, other_client):
    url = reverse("customer_requests:change", args=[insured.person.pk])
    assert other_client.get(url).status_code == 404
    assert other_client.post(url, {"model": STANDARD, "deductible": 2500,
                                   "confirm": "yes"}).status_code == 404
    assert not ContractChange.objects.exists()


def test_the_start_page_lists_the_household_persons_with_basic_insurance(
        insured, customer_client):
    response = customer_client.get(reverse("customer_requests:change_start"))
    assert response.status_code == 200
    assert [item.person for item in response.context["insured"]] == [insured.person]


# --- The advisor, with the advisors' group's permissions only ------------------------------

def test_the_advisor_accepts_in_the_admin_and_the_customer_sees_it(insured, advisor_admin_client,
                                                                    customer_client):
    change = _submit(insured)
    queue = advisor_admin_client.get(reverse("admin:customer_requests_contractchange_changelist"))
    assert queue.status_code == 200
    url = reverse("admin:customer_requests_contractchange_change", args=[change.pk])
    page = advisor_admin_client.get(url)
    assert page.status_code == 200 and 'name="_accept"' in page.text
    response = advisor_admin_client.post(url, {"_accept": "Accepter", "reason": ""})
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeStatus.ACCEPTED
    listing = customer_client.get(reverse("customer_requests:list"))
    assert "Acceptée" in listing.text
    assert reverse("documents:detail", args=[change.document_id]) in listing.text


def test_the_advisor_cannot_refuse_without_a_reason(insured, advisor_admin_client,
                                                     customer_client):
    change = _submit(insured)
    url = reverse("admin:customer_requests_contractchange_change", args=[change.pk])
    response = advisor_admin_client.post(url, {"_refuse": "Refuser", "reason": ""})
    assert response.status_code == 200
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING
    advisor_admin_client.post(url, {"_refuse": "Refuser", "reason": "Délai dépassé."})
    change.refresh_from_db()
    assert change.status == ChangeStatus.REFUSED
    listing = customer_client.get(reverse("customer_requests:list"))
    assert "Refusée" in listing.text and "Délai dépassé." in listing.text


def test_a_decided_request_offers_no_decision_any_more(insured, advisor_admin_client, advisor):
    change = _submit(insured)
    changes.refuse(change, advisor=advisor, reason="Non.")
    page = advisor_admin_client.get(
        reverse("admin:customer_requests_contractchange_change", args=[change.pk]))
    assert 'name="_accept"' not in page.text


def test_a_customer_login_gets_no_admin_queue(customer_client):
    response = customer_client.get(reverse("admin:customer_requests_contractchange_changelist"))
    assert response.status_code == 302


def test_the_advisors_queue_costs_the_same_queries_with_one_request_or_five(
        advisor, insured):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.tests.factories import CustomerFactory

    client = log_in_verified(Client(), advisor)
    url = reverse("admin:customer_requests_contractchange_changelist")
    counts = []
    for households in (1, 4):
        while ContractChange.objects.count() < households:
            other = CustomerFactory()
            basic_coverage(other.policy_holder)
            _submit(changes.insured_of(other, other.policy_holder.pk))
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_the_queue_lists_waiting_requests_first_oldest_first(advisor_admin_client, advisor):
    from accounts.tests.factories import CustomerFactory

    made = []
    for _ in range(3):
        household = CustomerFactory()
        basic_coverage(household.policy_holder)
        made.append(_submit(changes.insured_of(household, household.policy_holder.pk)))
    changes.refuse(made[0], advisor=advisor, reason="Non.")
    response = advisor_admin_client.get(
        reverse("admin:customer_requests_contractchange_changelist"))
    listed = [change.pk for change in response.context["cl"].result_list]
    assert listed == [made[1].pk, made[2].pk, made[0].pk]


def test_the_customer_withdraws_a_waiting_request_and_may_send_another(insured, customer):
    change = _submit(insured)
    changes.cancel(change, user=customer.account)
    change.refresh_from_db()
    assert change.status == ChangeStatus.CANCELLED
    assert AuditEvent.objects.filter(kind=events.CONTRACT_CHANGE_CANCELLED,
                                     customer=customer).exists()
    assert _submit(insured).status == ChangeStatus.PENDING  # the person's slot is free again


def test_a_decided_request_cannot_be_withdrawn(insured, customer):
    change = _submit(insured)
    changes.cancel(change, user=customer.account)
    with pytest.raises(changes.NotPending):
        changes.cancel(change, user=customer.account)


def test_withdrawing_from_the_requests_page_is_a_post_of_the_household(
        insured, customer, customer_client, other_client):
    change = _submit(insured)
    url = reverse("customer_requests:cancel_change", args=[change.pk])
    page = customer_client.get(reverse("customer_requests:list"))
    assert f'action="{url}"' in page.text
    assert customer_client.get(url).status_code == 405
    assert other_client.post(url).status_code == 404
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING
    response = customer_client.post(url, follow=True)
    assert "Votre demande est annulée." in response.text
    change.refresh_from_db()
    assert change.status == ChangeStatus.CANCELLED
    assert f'action="{url}"' not in response.text
    assert customer_client.post(url).status_code == 404  # nothing left to withdraw


def test_a_change_already_accepted_is_the_starting_point_of_the_next(insured, customer,
                                                                     advisor, frozen):
    first = _submit(insured, deductible=2500, now=NOVEMBER)
    changes.accept(first, advisor=advisor, notify=False)
    again = changes.insured_of(customer, insured.person.pk)
    assert again.base == Choice(STANDARD, 2500)
    # In December, 1'000 after an accepted 2'500 is a lower deductible: too late.
    with pytest.raises(rules.TooLateForLower):
        _submit(again, deductible=1000)
    with pytest.raises(rules.NothingChanges):
        _submit(again, deductible=2500)


def test_the_same_request_sent_twice_is_stored_once(insured, customer):
    first = _submit(insured)
    assert _submit(insured) == first
    assert ContractChange.objects.count() == 1
    assert AuditEvent.objects.filter(kind=events.CONTRACT_CHANGE_REQUESTED).count() == 1
    with pytest.raises(rules.AlreadyRequested):
        _submit(insured, deductible=2000)
