from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AdvisorFactory, CustomerFactory
from conftest import log_in_verified
from kptportal import sms
from messaging import conversations
from messaging.models import AdvisorTeam, Attachment, Message, Thread
from messaging.tests.factories import MessageFactory, ThreadFactory, pdf_upload

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:messaging_thread_changelist")


def change_url(thread):
    return reverse("admin:messaging_thread_change", args=[thread.pk])


@pytest.fixture
def waiting_thread(customer):
    thread = ThreadFactory(customer=customer, subject="Lunettes de Léo",
                           awaiting_reply_since=timezone.now() - timedelta(hours=5))
    MessageFactory(thread=thread, body="Sont-elles remboursées?")
    return thread


def test_advisor_sees_their_customers_threads_only(customer, waiting_thread):
    ThreadFactory(subject="Someone else's customer")
    response = log_in_verified(Client(), customer.advisor).get(CHANGELIST)
    assert response.status_code == 200
    assert "Lunettes de Léo" in response.text
    assert "Someone else" not in response.text


def test_team_colleagues_see_each_others_threads(customer, waiting_thread):
    colleague = AdvisorFactory()
    team = AdvisorTeam.objects.create(name="Lausanne")
    team.members.add(colleague, customer.advisor)
    client = log_in_verified(Client(), colleague)
    assert "Lunettes de Léo" in client.get(CHANGELIST).text
    assert client.get(change_url(waiting_thread)).status_code == 200


def test_an_advisor_outside_the_team_cannot_open_the_thread(waiting_thread, advisor_client):
    response = advisor_client.get(change_url(waiting_thread))
    assert response.status_code == 302  # the admin's "does not exist" redirect
    assert "Lunettes" not in advisor_client.get(CHANGELIST).text


def test_the_list_shows_unanswered_first_with_unread_count_and_sla_age(customer,
                                                                      waiting_thread):
    answered = ThreadFactory(customer=customer, subject="Answered already")
    MessageFactory(thread=answered, read_at=timezone.now())
    client = log_in_verified(Client(), customer.advisor)
    response = client.get(CHANGELIST)
    rows = list(response.context["cl"].result_list)
    assert rows[0] == waiting_thread and rows[0].unread_count == 1
    assert rows[1] == answered and rows[1].unread_count == 0
    assert "5\xa0heures" in response.text


def test_opening_a_thread_marks_the_customer_messages_read(customer, waiting_thread):
    client = log_in_verified(Client(), customer.advisor)
    response = client.get(change_url(waiting_thread))
    assert "Sont-elles remboursées?" in response.text
    assert not Message.objects.filter(read_at__isnull=True).exists()


def test_advisor_reply_reaches_the_customer_at_once_and_notifies_them(
        customer, waiting_thread, customer_client, django_capture_on_commit_callbacks):
    advisor_client = log_in_verified(Client(), customer.advisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = advisor_client.post(change_url(waiting_thread), {
            "assigned_to": customer.advisor.pk, "status": "open",
            "reply": "Oui, jusqu'à CHF 150.– tous les trois ans.",
        })
    assert response.status_code == 302
    waiting_thread.refresh_from_db()
    assert waiting_thread.awaiting_reply_since is None
    reply = waiting_thread.messages.get(from_advisor=True)
    assert reply.author == customer.advisor
    assert "CHF 150" in customer_client.get(
        reverse("messaging:thread", args=[waiting_thread.pk])).text
    (notification,) = sms.outbox
    assert notification.to == customer.account.mobile_phone
    assert "150" not in notification.text  # never the content


def test_assigning_to_a_colleague(customer, waiting_thread):
    colleague = AdvisorFactory()
    AdvisorTeam.objects.create(name="Bern").members.add(colleague, customer.advisor)
    client = log_in_verified(Client(), customer.advisor)
    client.post(change_url(waiting_thread), {"assigned_to": colleague.pk, "status": "open"})
    waiting_thread.refresh_from_db()
    assert waiting_thread.assigned_to == colleague
    assert not waiting_thread.messages.filter(from_advisor=True).exists()


def test_assigning_to_an_advisor_outside_the_team_is_refused(customer, waiting_thread):
    stranger = AdvisorFactory()
    client = log_in_verified(Client(), customer.advisor)
    response = client.post(change_url(waiting_thread),
                           {"assigned_to": stranger.pk, "status": "open"})
    assert response.status_code == 200 and response.context["adminform"].form.errors
    waiting_thread.refresh_from_db()
    assert waiting_thread.assigned_to == customer.advisor


def test_closing_threads_with_the_action(customer, waiting_thread):
    client = log_in_verified(Client(), customer.advisor)
    client.post(CHANGELIST, {"action": "close_threads", "_selected_action": [waiting_thread.pk]})
    waiting_thread.refresh_from_db()
    assert waiting_thread.status == Thread.Status.CLOSED


def test_the_list_needs_a_constant_number_of_queries(customer, django_assert_max_num_queries):
    advisor = customer.advisor
    for _ in range(20):
        household = CustomerFactory(advisor=advisor)
        thread = ThreadFactory(customer=household, awaiting_reply_since=timezone.now())
        MessageFactory(thread=thread)
    client = log_in_verified(Client(), advisor)
    with django_assert_max_num_queries(12):
        response = client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 20


def test_advisor_downloads_an_attachment_of_their_customer(customer, customer_client):
    customer_client.post(reverse("messaging:new"),
                         {"subject": "S", "body": "B", "attachments": [pdf_upload()]})
    attachment = Attachment.objects.get()
    url = reverse("admin:messaging_thread_attachment", args=[attachment.pk])
    assert log_in_verified(Client(), customer.advisor).get(url).status_code == 200
    assert log_in_verified(Client(), AdvisorFactory()).get(url).status_code == 404


def test_a_customer_login_cannot_reach_the_advisor_side(customer_client, waiting_thread):
    response = customer_client.get(change_url(waiting_thread))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_advisor_reply_service_assigns_an_unassigned_thread(customer, advisor):
    thread = ThreadFactory(customer=customer, assigned_to=None)
    conversations.advisor_reply(thread=thread, advisor=advisor, body="Réponse")
    thread.refresh_from_db()
    assert thread.assigned_to == advisor
