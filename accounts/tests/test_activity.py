from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import events as account_events
from accounts.tests.factories import AdvisorFactory
from audit import log as audit
from audit.activity import events_for
from audit.models import AuditEvent
from claims import events as claim_events
from documents import events as document_events

pytestmark = pytest.mark.django_db

URL = reverse("accounts:activity")


def test_activity_lists_logins_and_profile_changes_in_plain_words(customer_client, customer):
    audit.record(account_events.LOGIN, user=customer.account)
    audit.record(account_events.PROFILE_CHANGED, user=customer.account, customer=customer,
                 fields=["email", "address"])
    text = customer_client.get(URL).text
    assert "Connexion" in text
    assert "Profil modifié: e-mail, adresse" in text


def test_failed_logins_typed_with_the_contract_number_are_shown(customer_client, customer):
    from django.test import Client

    Client().post("/login/", {"portal_login_view-current_step": "auth",
                              "auth-username": customer.account.username.lower(),
                              "auth-password": "Wrong-Password-1"})
    text = customer_client.get(URL).text
    assert "Échec de connexion" in text
    assert "Quelqu&#x27;un avec votre numéro de contrat" in text


def test_document_view_by_an_advisor_names_the_advisor_side(customer_client, customer):
    advisor = AdvisorFactory()
    audit.record(document_events.VIEWED, user=customer.account, actor=advisor, customer=customer,
                 document=1, via="admin")
    text = customer_client.get(URL).text
    assert "Document consulté" in text
    assert "Votre conseiller·ère KPT" in text and "Espace conseillers" in text


def test_dates_are_shown_dd_mm_yyyy_hh_mm(customer_client, customer):
    event = audit.record(document_events.DOWNLOADED, user=customer.account, customer=customer)
    local = timezone.localtime(event.created_at)
    assert local.strftime("%d.%m.%Y %H:%M") in customer_client.get(URL).text


def test_another_households_events_are_not_shown(customer_client, customer, other_customer):
    audit.record(account_events.PROFILE_CHANGED, user=other_customer.account,
                 customer=other_customer, fields=["landline_phone"])
    audit.record(account_events.LOGIN_FAILED, username=other_customer.account.username,
                 user=other_customer.account)
    shown = list(events_for(customer))
    assert shown and all(e.user_id == customer.account_id for e in shown)
    assert "téléphone fixe" not in customer_client.get(URL).text


def test_internal_bookkeeping_is_left_out(customer, customer_client):
    audit.record(account_events.CODE_SENT, user=customer.account, purpose="login")
    assert account_events.CODE_SENT not in {e.kind for e in events_for(customer)}


def test_activity_is_paginated_newest_first(customer_client, customer):
    start = timezone.now() - timedelta(days=1)
    for minute in range(40):
        AuditEvent.objects.create(kind=account_events.LOGIN, user=customer.account,
                                  customer=customer, created_at=start + timedelta(minutes=minute))
    first = customer_client.get(URL)
    assert first.context["page"].paginator.num_pages == 2
    newest = timezone.localtime(start + timedelta(minutes=39)).strftime("%d.%m.%Y %H:%M")
    oldest = timezone.localtime(start).strftime("%d.%m.%Y %H:%M")
    assert newest in first.text and oldest not in first.text
    assert oldest in customer_client.get(URL, {"page": 2}).text


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_advisor_login_gets_403(advisor_client):
    assert advisor_client.get(URL).status_code == 403


def test_profile_links_the_activity_and_the_export(customer_client):
    text = customer_client.get(reverse("accounts:profile")).text
    assert URL in text and reverse("exports:export") in text


def test_unknown_contract_failures_are_recorded_without_an_account(client, db):
    client.post("/login/", {"portal_login_view-current_step": "auth",
                            "auth-username": "KPT99999999", "auth-password": "x"})
    event = AuditEvent.objects.get(kind=account_events.LOGIN_FAILED)
    assert event.user is None and event.username == "KPT99999999"


def test_advisor_work_on_claims_is_shown_in_plain_words(customer_client, customer):
    advisor = AdvisorFactory()
    audit.record(claim_events.PAGE_VIEWED, actor=advisor, customer=customer, claim=1,
                 claim_page=2)
    audit.record(claim_events.CHANGED, actor=advisor, customer=customer, user=None, claim=1,
                 change="status", previous="to_review", status="accepted", reason="")
    text = customer_client.get(URL).text
    assert "Page d&#x27;une demande de remboursement consultée" in text
    assert "Statut d&#x27;une demande de remboursement modifié" in text
    assert text.count("Votre conseiller·ère KPT") == 2


def test_the_activity_can_be_filtered_by_topic(customer_client, customer):
    audit.record(account_events.LOGIN, user=customer.account)
    audit.record(document_events.VIEWED, user=customer.account, document=1)
    audit.record(account_events.PROFILE_CHANGED, user=customer.account, fields=["email"])
    def whats(topic: str) -> list[str]:
        response = customer_client.get(reverse("accounts:activity"), {"topic": topic})
        assert response.status_code == 200
        return [line.event.kind for line in response.context["lines"]]
    # The client's own login is in the log too: kinds, not counts.
    assert set(whats("security")) == {account_events.LOGIN}
    assert whats("access") == [document_events.VIEWED]
    assert whats("change") == [account_events.PROFILE_CHANGED]
    everything = set(whats(""))
    assert everything == {account_events.LOGIN, document_events.VIEWED,
                          account_events.PROFILE_CHANGED}
    assert set(whats("<script>")) == everything  # an unknown topic shows all, never an error
