"""The advisors' home and the customer overview, with the advisors' group's permissions."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import events as account_events
from accounts.tests.factories import AdministratorFactory, AdvisorFactory, CustomerFactory
from audit.models import AuditEvent
from claims.models import ClaimStatus
from claims.tests.factories import ClaimFactory
from conftest import log_in_verified
from kptportal import events
from messaging.loginhelp import submit_request
from messaging.tests.factories import MessageFactory, ThreadFactory
from tests.security_support import _document_storage  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

HOME = reverse("admin:index")
# The customer form's inlines (persons, preference history, address changes), none edited.
INLINES_EMPTY = {f"{prefix}-{key}": value
                 for prefix in ("insured_persons", "correspondence_changes", "address_changes",
                                "payout_accounts")
                 for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"),
                                    ("MIN_NUM_FORMS", "0"), ("MAX_NUM_FORMS", "1000"))}


def queues(response):
    return {queue.label: queue for group in response.context["queue_groups"]
            for queue in group.queues}


def test_the_home_counts_my_queues_and_the_teams_with_the_oldest_waiting_time():
    me = AdvisorFactory()
    now = timezone.now()
    mine = CustomerFactory(advisor=me)
    ClaimFactory(customer=mine, status=ClaimStatus.TO_REVIEW,
                 status_changed_at=now - timedelta(days=3))
    ClaimFactory(status=ClaimStatus.TO_REVIEW, status_changed_at=now - timedelta(days=5))
    ClaimFactory(customer=mine, status=ClaimStatus.ACCEPTED)
    waiting = ThreadFactory(customer=mine, awaiting_reply_since=now - timedelta(hours=7))
    MessageFactory(thread=waiting)
    ThreadFactory(customer=mine, awaiting_reply_since=None)
    submit_request(name="A", contract_number="", birth_date="1980-01-01", phone="0790000000",
                   description="x", ip_address=None)
    response = log_in_verified(Client(), me).get(HOME)
    assert response.status_code == 200
    found = queues(response)
    my_claims = found["Demandes de remboursement de mes clients à vérifier"]
    assert my_claims.count == 1 and (now - my_claims.oldest).days == 3
    team_claims = found["Demandes de remboursement à vérifier"]
    assert team_claims.count == 2 and (now - team_claims.oldest).days == 5
    assert found["Mes conversations sans réponse"].count == 1
    assert found["Nouvelles demandes d'aide à la connexion"].count == 1
    assert "5\xa0jours" in response.text  # the oldest waiting time, in words


def test_each_queue_opens_its_filtered_list():
    me = AdvisorFactory()
    mine = CustomerFactory(advisor=me)
    mine_claim = ClaimFactory(customer=mine, status=ClaimStatus.TO_REVIEW)
    ClaimFactory(status=ClaimStatus.TO_REVIEW)
    ThreadFactory(customer=mine, awaiting_reply_since=timezone.now(), assigned_to=me)
    client = log_in_verified(Client(), me)
    found = queues(client.get(HOME))
    for label, expected in [("Demandes de remboursement de mes clients à vérifier", 1),
                            ("Demandes de remboursement à vérifier", 2),
                            ("Mes conversations sans réponse", 1),
                            ("Conversations de l'équipe sans réponse", 1),
                            ("Nouvelles demandes d'aide à la connexion", 0),
                            ("Mes demandes d'aide à la connexion en cours", 0)]:
        queue = found[label]
        response = client.get(queue.url)
        assert response.status_code == 200, label
        assert queue.count == expected == response.context["cl"].result_count, label
    listed = client.get(found["Demandes de remboursement de mes clients à vérifier"].url)
    assert list(listed.context["cl"].result_list) == [mine_claim]


def test_the_home_counts_the_open_cost_guarantees_and_opens_their_queue():
    from claims.models import GuaranteeStatus
    from claims.tests.factories import cost_guarantee_of

    me = AdvisorFactory()
    mine = cost_guarantee_of(CustomerFactory(advisor=me))
    cost_guarantee_of(CustomerFactory(), status=GuaranteeStatus.INFO_REQUESTED)
    cost_guarantee_of(CustomerFactory(advisor=me), status=GuaranteeStatus.GRANTED)
    client = log_in_verified(Client(), me)
    found = queues(client.get(HOME))
    for label, expected in [("Garanties de prise en charge de mes clients à traiter", 1),
                            ("Garanties de prise en charge à traiter", 2)]:
        queue = found[label]
        listed = client.get(queue.url)
        assert queue.count == expected == listed.context["cl"].result_count, label
    listed = client.get(found["Garanties de prise en charge de mes clients à traiter"].url)
    assert list(listed.context["cl"].result_list) == [mine]


def test_the_home_counts_the_waiting_changes_of_deductible_and_opens_their_queue():
    from datetime import datetime

    from customer_requests import contract_changes as changes
    from customer_requests.tests.factories import basic_coverage
    from policies.contract_changes import STANDARD, ZURICH, Choice

    me = AdvisorFactory()
    waiting = []
    for customer in (CustomerFactory(advisor=me), CustomerFactory()):
        basic_coverage(customer.policy_holder, franchise=1500)
        insured = changes.insured_of(customer, customer.policy_holder.pk)
        waiting.append(changes.submit(insured, Choice(STANDARD, 2500), user=customer.account,
                                      now=datetime(2026, 12, 7, 10, 0, tzinfo=ZURICH)))
    client = log_in_verified(Client(), me)
    found = queues(client.get(HOME))
    for label, expected in [("Changements de franchise ou de modèle de mes clients", 1),
                            ("Changements de franchise ou de modèle à décider", 2)]:
        queue = found[label]
        listed = client.get(queue.url)
        assert queue.count == expected == listed.context["cl"].result_count, label
    listed = client.get(found["Changements de franchise ou de modèle de mes clients"].url)
    assert list(listed.context["cl"].result_list) == [waiting[0]]


def test_advisors_see_no_technical_models_administrators_do(advisor_admin_client):
    page = advisor_admin_client.get(HOME).text
    for technical in ("Axes", "TOTP", "Static devices", "Groupes", "Tâches"):
        assert technical not in page
    assert "Mon travail du jour" in page
    administrator = log_in_verified(Client(), AdministratorFactory()).get(HOME).text
    assert "Groupes" in administrator


def test_the_customer_overview_shows_the_household_and_is_audited(customer):
    advisor = customer.advisor
    ClaimFactory(customer=customer, status=ClaimStatus.TO_REVIEW)
    ThreadFactory(customer=customer, subject="Question franchise")
    ThreadFactory(subject="Another household's thread")
    client = log_in_verified(Client(), advisor)
    url = reverse("admin:accounts_customer_overview", args=[customer.pk])
    response = client.get(url)
    assert response.status_code == 200
    page = response.text
    for person in customer.insured_persons.all():
        assert str(person) in page
    assert "Question franchise" in page and "Another household" not in page
    assert "En vérification" in page
    assert "Supprimer" not in page
    event = AuditEvent.objects.get(kind=events.CUSTOMER_VIEWED)
    assert event.actor == advisor and event.customer == customer


def test_the_customer_pages_offer_no_delete_to_an_advisor(customer, advisor_admin_client):
    change = advisor_admin_client.get(
        reverse("admin:accounts_customer_change", args=[customer.pk]))
    assert change.status_code == 200 and "deletelink" not in change.text
    assert reverse("admin:accounts_customer_overview", args=[customer.pk]) in change.text
    delete = advisor_admin_client.get(
        reverse("admin:accounts_customer_delete", args=[customer.pk]))
    assert delete.status_code == 403


def test_unlocking_a_locked_contract_from_the_overview(customer, advisor_admin_client):
    AccessAttempt.objects.create(username=customer.account.username, failures_since_start=5,
                                 ip_address="192.0.2.1", user_agent="x", get_data="",
                                 post_data="", http_accept="", path_info="/login/")
    url = reverse("admin:accounts_customer_overview", args=[customer.pk])
    page = advisor_admin_client.get(url).text
    assert "Contrat online bloqué" in page
    response = advisor_admin_client.post(
        reverse("admin:accounts_customer_unlock", args=[customer.pk]))
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=customer.account.username).exists()
    assert AuditEvent.objects.filter(kind=account_events.UNLOCK,
                                     user=customer.account).exists()
    assert "Contrat online actif" in advisor_admin_client.get(url).text


def test_unlock_refuses_a_get(customer, advisor_admin_client):
    response = advisor_admin_client.get(
        reverse("admin:accounts_customer_unlock", args=[customer.pk]))
    assert response.status_code == 405


def test_no_admin_page_lets_an_advisor_delete_anything(advisor_admin_client):
    from django.contrib import admin
    from django.test import RequestFactory

    from accounts.models import User

    advisor = User.objects.get(groups__name="Conseillers")
    request = RequestFactory().get("/admin/")
    request.user = advisor
    checked = 0
    for model, model_admin in admin.site._registry.items():
        assert not model_admin.has_delete_permission(request), model
        assert "delete_selected" not in model_admin.get_actions(request), model
        checked += 1
    assert checked >= 15


def test_pending_address_changes_are_a_queue_that_opens_the_customers():
    from accounts.models import PendingAddressChange

    me = AdvisorFactory()
    mine = CustomerFactory(advisor=me)
    PendingAddressChange.objects.create(customer=mine, street="Rue Neuve 1", postcode="1000",
                                        locality="Lausanne",
                                        effective_on=timezone.localdate() + timedelta(days=9))
    PendingAddressChange.objects.create(customer=CustomerFactory(), street="x", postcode="2000",
                                        locality="y", effective_on=timezone.localdate(),
                                        applied_at=timezone.now())
    client = log_in_verified(Client(), me)
    found = queues(client.get(HOME))
    queue = found["Changements d'adresse en attente de mes clients"]
    assert queue.count == 1 and found["Changements d'adresse en attente"].count == 1
    listed = client.get(queue.url)
    assert list(listed.context["cl"].result_list) == [mine]


def test_lists_are_titled_by_what_they_list(advisor_admin_client):
    for url, title in [(reverse("admin:messaging_thread_changelist"), "Conversations"),
                       (reverse("admin:accounts_customer_changelist"), "Clients"),
                       (reverse("admin:documents_document_changelist"), "Documents")]:
        page = advisor_admin_client.get(url).text
        assert f"<h1>{title}</h1>" in page and "Sélectionnez" not in page, url


@pytest.mark.parametrize("language, words", [
    ("de", ["Meine Arbeit heute", "Zu prüfende Rückerstattungsanträge"]),
    ("it", ["Il mio lavoro di oggi", "Richieste di rimborso da verificare"]),
])
def test_the_home_speaks_the_advisors_language(language, words):
    page = log_in_verified(Client(), AdvisorFactory(language=language)).get(HOME).text
    for word in words:
        assert word in page
    assert "Mon travail du jour" not in page


# --- The premium invoices in the overview --------------------------------------------------


@pytest.mark.usefixtures("_document_storage")
def test_the_overview_lists_the_premium_invoices_with_their_status(customer, advisor_admin_client):
    from datetime import date

    from documents.tests.factories import make_premium_invoice

    holder = customer.policy_holder
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    two_ago = (last_month - timedelta(days=1)).replace(day=1)
    make_premium_invoice(holder, this_month, due_date=today + timedelta(days=10))
    make_premium_invoice(holder, last_month, due_date=today - timedelta(days=3))
    make_premium_invoice(holder, two_ago, paid_on=date(two_ago.year, two_ago.month, 20))
    make_premium_invoice(holder, date(today.year - 3, 1, 1), due_date=date(today.year - 3, 1, 31),
                         reminded_on=date(today.year - 3, 2, 15))  # old but unpaid: listed
    year_ago = date(today.year - 1, today.month, 1)
    make_premium_invoice(holder, year_ago,
                         paid_on=year_ago + timedelta(days=19))  # paid, 12 months: not listed
    page = advisor_admin_client.get(
        reverse("admin:accounts_customer_overview", args=[customer.pk])).text
    section = page[page.index('id="ov-invoices"'):page.index('id="ov-claims"')]
    rows = re.findall(r"<tr><td><a.*?</tr>", section, re.S)
    assert len(rows) == 4
    assert "À payer" in rows[0] and f"{today + timedelta(days=10):%d.%m.%Y}" in rows[0]
    assert "CHF 338.00" in rows[0]
    assert "En retard" in rows[1]
    assert f"Payée le 20.{two_ago:%m.%Y}" in rows[2]
    assert f"Rappel envoyé le 15.02.{today.year - 3}" in rows[3]
    assert f"{year_ago + timedelta(days=19):%d.%m.%Y}" not in section


@pytest.mark.usefixtures("_document_storage")
def test_the_overview_costs_the_same_queries_with_more_invoices(customer, advisor_admin_client):
    from documents.tests.factories import make_premium_invoice

    url = reverse("admin:accounts_customer_overview", args=[customer.pk])
    holder = customer.policy_holder
    first = timezone.localdate().replace(day=1)
    make_premium_invoice(holder, first)
    advisor_admin_client.get(url)
    with CaptureQueriesContext(connection) as few:
        advisor_admin_client.get(url)
    month = first
    for _ in range(5):
        month = (month - timedelta(days=1)).replace(day=1)
        make_premium_invoice(holder, month)
    with CaptureQueriesContext(connection) as many:
        advisor_admin_client.get(url)
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


# --- The customer form: read-only contact details, the advisor set through a service -------


def test_opening_the_customer_form_is_audited_with_the_advisor(customer):
    client = log_in_verified(Client(), customer.advisor)
    response = client.get(reverse("admin:accounts_customer_change", args=[customer.pk]))
    assert response.status_code == 200
    event = AuditEvent.objects.get(kind=events.CUSTOMER_VIEWED)
    assert (event.actor, event.customer, event.detail) == (customer.advisor, customer,
                                                           {"page": "contact"})


def test_the_customers_contact_details_are_read_only_for_an_advisor(customer):
    client = log_in_verified(Client(), customer.advisor)
    url = reverse("admin:accounts_customer_change", args=[customer.pk])
    page = client.get(url).text
    form = re.search(r'<form [^>]*id="customer_form".*?</form>', page, re.S).group(0)
    for name in ("email", "street", "postcode", "locality", "landline_phone", "language",
                 "notify_channel", "correspondence"):
        assert f'name="{name}"' not in form, name
    assert 'name="advisor"' in form and customer.street in form
    assert "Le client les change lui-même dans son profil" in form
    before = (customer.email, customer.street, customer.language, customer.notify_channel)
    client.post(url, {"advisor": customer.advisor.pk, "email": "other@example.test",
                      "street": "Rue Fausse 1", "language": "it", "notify_channel": "none",
                      **INLINES_EMPTY})
    customer.refresh_from_db()
    assert (customer.email, customer.street, customer.language,
            customer.notify_channel) == before


def test_changing_the_households_advisor_goes_through_the_service_and_is_audited(customer):
    me = customer.advisor
    colleague = AdvisorFactory()
    client = log_in_verified(Client(), me)
    response = client.post(reverse("admin:accounts_customer_change", args=[customer.pk]),
                           {"advisor": colleague.pk, **INLINES_EMPTY})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.advisor == colleague
    event = AuditEvent.objects.get(kind=account_events.ADVISOR_ASSIGNED)
    assert (event.actor, event.customer, event.detail) == (
        me, customer, {"previous": me.pk, "advisor": colleague.pk})


def test_only_staff_can_be_a_households_advisor(customer):
    from accounts.assignment import assign_advisor

    with pytest.raises(ValueError):
        assign_advisor(customer, to=customer.account, actor=customer.advisor)
    assert assign_advisor(customer, to=customer.advisor, actor=customer.advisor) is False
    assert not AuditEvent.objects.filter(kind=account_events.ADVISOR_ASSIGNED).exists()
