"""A claim settled by a benefit statement: the lifecycle's move, and what its page says."""

import html
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from claims import lifecycle
from claims.models import ClaimStatus
from claims.tests.factories import (
    ClaimFactory,
    benefit_statement_of,
    kvg_line,
    settled_claim,
)
from messaging.models import Thread

pytestmark = pytest.mark.django_db
HINT = "CH•• •••• 9012"


def page_of(client, claim) -> str:
    response = client.get(reverse("claims:detail", args=[claim.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_an_accepted_claim_moves_to_settled_with_its_statement_audited(customer):
    claim = ClaimFactory(customer=customer, insured_person=customer.policy_holder,
                         status=ClaimStatus.ACCEPTED)
    statement = benefit_statement_of(customer.policy_holder, [kvg_line()])
    assert lifecycle.settle(claim, statement=statement, position=0) is True
    claim.refresh_from_db()
    assert (claim.status, claim.settlement, claim.settlement_line) == (
        ClaimStatus.SETTLED, statement, 0)
    assert claim.status_changes.filter(status=ClaimStatus.SETTLED).exists()
    event = AuditEvent.objects.get(kind="claims.changed", detail__change="settled")
    assert event.detail["document"] == statement.document_id and event.customer == customer


def test_settling_again_with_the_same_line_changes_nothing(customer):
    claim = settled_claim(customer)
    assert lifecycle.settle(claim, statement=claim.settlement, position=0) is False
    assert AuditEvent.objects.filter(detail__change="settled").count() == 1


def test_a_claim_settled_by_one_statement_is_not_settled_by_another(customer):
    claim = settled_claim(customer)
    other = benefit_statement_of(customer.policy_holder, [kvg_line()], reference="SIN-2")
    with pytest.raises(lifecycle.AlreadySettled) as refused:
        lifecycle.settle(claim, statement=other, position=0)
    assert "SIN-2026-0001" in refused.value.message


def test_a_claim_marked_settled_by_hand_gets_its_statement_without_a_second_step(customer):
    claim = ClaimFactory(customer=customer, insured_person=customer.policy_holder,
                         status=ClaimStatus.SETTLED)
    statement = benefit_statement_of(customer.policy_holder, [kvg_line()])
    lifecycle.settle(claim, statement=statement, position=0)
    claim.refresh_from_db()
    assert claim.settlement == statement
    assert claim.status_changes.filter(status=ClaimStatus.SETTLED).count() == 1


def test_a_claim_still_in_review_cannot_be_settled(customer):
    claim = ClaimFactory(customer=customer, insured_person=customer.policy_holder,
                         status=ClaimStatus.TO_REVIEW)
    statement = benefit_statement_of(customer.policy_holder, [kvg_line()])
    with pytest.raises(lifecycle.TransitionNotAllowed):
        lifecycle.settle(claim, statement=statement, position=0)
    claim.refresh_from_db()
    assert claim.settlement_id is None


def test_a_statement_of_another_person_or_household_settles_nothing(customer, other_customer):
    claim = ClaimFactory(customer=customer, insured_person=customer.policy_holder,
                         status=ClaimStatus.ACCEPTED)
    child = customer.insured_persons.exclude(pk=customer.policy_holder.pk).get()
    for person in (child, other_customer.policy_holder):
        statement = benefit_statement_of(person, [kvg_line()], reference=f"SIN-{person.pk}")
        with pytest.raises(lifecycle.NotTheClaimsStatement):
            lifecycle.settle(claim, statement=statement, position=0)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCEPTED


def test_the_page_says_what_was_reimbursed_when_and_to_which_account(customer,
                                                                      customer_client):
    claim = settled_claim(customer, paid_on=date(2026, 3, 24), account_hint=HINT,
                          lines=[kvg_line("250.00", deductible="100.00", copay="15.00",
                                          not_covered="10.00")])
    page = page_of(customer_client, claim)
    assert "Remboursé CHF 125.00 le 24.03.2026 sur CH•• •••• 9012" in page
    for shown in ("CHF 250.00", "−CHF 100.00", "−CHF 15.00", "−CHF 10.00"):
        assert shown in page
    assert reverse("documents:detail", args=[claim.settlement.document_id]) in page
    assert "Voir le décompte de prestations SIN-2026-0001" in page
    assert f"{reverse('messaging:new')}?claim={claim.pk}" in page
    assert "Poser une question sur cette décision" in page


def test_tiers_payant_names_the_provider_paid(customer, customer_client):
    claim = settled_claim(customer, paid_to="provider", paid_on=date(2026, 3, 24),
                          lines=[kvg_line(provider="Pharmacie de la Gare")])
    page = page_of(customer_client, claim)
    assert ("Remboursé CHF 165.10 le 24.03.2026, versé directement à Pharmacie de la Gare "
            "(tiers payant)") in page


def test_without_a_payout_date_or_an_account_hint_the_page_says_so_plainly(customer,
                                                                           customer_client):
    claim = settled_claim(customer)
    page = page_of(customer_client, claim)
    assert "Remboursement de CHF 165.10 en cours, sur votre compte de versement" in page
    assert "sur  " not in page and "compte ." not in page


def test_nothing_reimbursed_says_what_remains_to_pay(customer, customer_client):
    claim = settled_claim(customer, lines=[kvg_line("183.45", deductible="183.45", copay="0")])
    page = page_of(customer_client, claim)
    assert "Rien n&#x27;est remboursé sur cette facture: CHF 183.45 restent à votre charge." \
        in page


def test_the_line_of_the_claim_is_shown_not_the_whole_statement(customer, customer_client):
    claim = settled_claim(customer, position=1, lines=[
        kvg_line("100.00", copay="10.00", provider="Laboratoire"),
        kvg_line("60.00", copay="6.00", provider="Cabinet")])
    page = page_of(customer_client, claim)
    assert "CHF 54.00" in page and "CHF 90.00" not in page


def test_a_question_about_the_decision_opens_a_thread_about_the_claim(customer,
                                                                        customer_client):
    claim = settled_claim(customer, paid_on=date(2026, 3, 24), account_hint=HINT)
    url = f"{reverse('messaging:new')}?claim={claim.pk}"
    form = customer_client.get(url).content.decode()
    assert f"Demande n° {claim.pk}" in form
    response = customer_client.post(url, {"subject": "Question", "body": "Pourquoi 18.35?"})
    thread = Thread.objects.get(customer=customer)
    assert (thread.about_kind, thread.about_id) == ("claim", claim.pk)
    assert thread.about_label.startswith(f"Demande n° {claim.pk} · ")
    assert "CHF 183.45" in thread.about_label
    page = html.unescape(customer_client.get(response["Location"]).content.decode())
    assert reverse("claims:detail", args=[claim.pk]) in page and thread.about_label in page


def test_a_rejected_claim_also_offers_the_question(customer, customer_client):
    claim = ClaimFactory(customer=customer, insured_person=customer.policy_holder,
                         status=ClaimStatus.REJECTED, rejection_reason="Non couvert.")
    assert f"?claim={claim.pk}" in page_of(customer_client, claim)


def test_a_claim_in_review_offers_no_question_about_a_decision(customer, customer_client):
    claim = ClaimFactory(customer=customer, insured_person=customer.policy_holder,
                         status=ClaimStatus.TO_REVIEW, amount=Decimal("10.00"))
    assert "?claim=" not in page_of(customer_client, claim)
