from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AdvisorFactory, CustomerFactory
from audit.models import AuditEvent
from conftest import log_in_verified
from core import sms
from messaging import conversations, events
from messaging.models import AdvisorTeam, Attachment, Message, Thread
from messaging.tests.factories import MessageFactory, ThreadFactory, pdf_upload

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:messaging_thread_changelist")
# The thread page's two buttons, as the browser sends the one clicked.
SEND = {"_save": "Envoyer la réponse"}
SAVE = {"_continue": "Enregistrer l’attribution et le statut"}


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


def test_opening_a_thread_reads_nothing_marking_it_read_is_an_audited_action(
        customer, waiting_thread):
    client = log_in_verified(Client(), customer.advisor)
    response = client.get(change_url(waiting_thread))
    assert "Sont-elles remboursées?" in response.text
    assert "Marquer comme lu" in response.text
    assert Message.objects.filter(read_at__isnull=True).count() == 1
    viewed = AuditEvent.objects.get(kind=events.THREAD_VIEWED)  # the view itself is audited
    assert viewed.actor == customer.advisor and viewed.detail == {"thread": waiting_thread.pk}
    response = client.post(change_url(waiting_thread), {"_mark_read": "1"})
    assert response.status_code == 302
    assert not Message.objects.filter(read_at__isnull=True).exists()
    event = AuditEvent.objects.get(kind=events.THREAD_READ)
    assert event.actor == customer.advisor and event.customer == customer
    assert event.detail == {"thread": waiting_thread.pk, "messages": 1}


def test_advisor_reply_reaches_the_customer_at_once_and_notifies_them(
        customer, waiting_thread, customer_client, django_capture_on_commit_callbacks):
    advisor_client = log_in_verified(Client(), customer.advisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = advisor_client.post(change_url(waiting_thread), {
            "assigned_to": customer.advisor.pk, "status": "open",
            "reply": "Oui, jusqu'à CHF 150.– tous les trois ans.", **SEND,
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
    client.post(change_url(waiting_thread), {"assigned_to": colleague.pk, "status": "open",
                                             **SAVE})
    waiting_thread.refresh_from_db()
    assert waiting_thread.assigned_to == colleague
    assert not waiting_thread.messages.filter(from_advisor=True).exists()
    event = AuditEvent.objects.get(kind=events.THREAD_ASSIGNED)
    assert event.actor == customer.advisor
    assert event.detail["assigned_to"] == colleague.pk


def test_assigning_to_an_advisor_outside_the_team_is_refused(customer, waiting_thread):
    stranger = AdvisorFactory()
    client = log_in_verified(Client(), customer.advisor)
    response = client.post(change_url(waiting_thread),
                           {"assigned_to": stranger.pk, "status": "open", **SAVE})
    assert response.status_code == 200 and response.context["adminform"].form.errors
    waiting_thread.refresh_from_db()
    assert waiting_thread.assigned_to == customer.advisor


def test_closing_and_reopening_threads_with_the_actions_are_audited(customer, waiting_thread):
    client = log_in_verified(Client(), customer.advisor)
    client.post(CHANGELIST, {"action": "close_threads", "_selected_action": [waiting_thread.pk]})
    waiting_thread.refresh_from_db()
    assert waiting_thread.status == Thread.Status.CLOSED
    client.post(CHANGELIST, {"action": "reopen_threads",
                             "_selected_action": [waiting_thread.pk]})
    waiting_thread.refresh_from_db()
    assert waiting_thread.status == Thread.Status.OPEN
    kinds = list(AuditEvent.objects.filter(actor=customer.advisor)
                 .order_by("id").values_list("kind", flat=True))
    assert kinds == [events.THREAD_CLOSED, events.THREAD_REOPENED]


def test_closing_from_the_thread_page_goes_through_the_service(customer, waiting_thread):
    client = log_in_verified(Client(), customer.advisor)
    response = client.post(change_url(waiting_thread),
                           {"assigned_to": customer.advisor.pk, "status": "closed", **SAVE})
    assert response.status_code == 302
    waiting_thread.refresh_from_db()
    assert waiting_thread.status == Thread.Status.CLOSED
    assert AuditEvent.objects.get(kind=events.THREAD_CLOSED).actor == customer.advisor


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


def test_advisor_downloads_an_attachment_of_their_customer_audited(customer, customer_client):
    customer_client.post(reverse("messaging:new"),
                         {"subject": "S", "body": "B", "attachments": [pdf_upload()]})
    attachment = Attachment.objects.get()
    url = reverse("admin:messaging_thread_attachment", args=[attachment.pk])
    assert log_in_verified(Client(), customer.advisor).get(url).status_code == 200
    assert log_in_verified(Client(), AdvisorFactory()).get(url).status_code == 404
    (event,) = AuditEvent.objects.filter(kind=events.ATTACHMENT_DOWNLOADED)
    assert (event.actor, event.customer) == (customer.advisor, customer)
    assert event.detail == {"thread": attachment.message.thread_id,
                            "attachment": attachment.pk}


def test_a_customer_login_cannot_reach_the_advisor_side(customer_client, waiting_thread):
    response = customer_client.get(change_url(waiting_thread))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_advisor_reply_service_assigns_an_unassigned_thread(customer, advisor):
    thread = ThreadFactory(customer=customer, assigned_to=None)
    conversations.advisor_reply(thread=thread, advisor=advisor, body="Réponse")
    thread.refresh_from_db()
    assert thread.assigned_to == advisor


def test_the_reply_button_sends_the_answer_with_an_attachment(
        customer, waiting_thread, customer_client):
    client = log_in_verified(Client(), customer.advisor)
    page = client.get(change_url(waiting_thread)).text
    assert 'value="Envoyer la réponse"' in page and "ENREGISTRER" not in page.upper().replace(
        "ENREGISTRER L’ATTRIBUTION", "")
    response = client.post(change_url(waiting_thread), {
        "assigned_to": customer.advisor.pk, "status": "open",
        "reply": "Voici le formulaire.", "attachments": [pdf_upload()], **SEND})
    assert response.status_code == 302
    reply = waiting_thread.messages.get(from_advisor=True)
    (attachment,) = reply.attachments.all()
    assert attachment.filename.endswith(".pdf")
    assert attachment.file.read().startswith(b"%PDF")
    assert AuditEvent.objects.get(kind=events.ADVISOR_REPLIED).detail["attachments"] == 1
    said = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert said == ["Réponse envoyée au client."]
    assert customer_client.get(
        reverse("messaging:attachment", args=[attachment.pk])).status_code == 200


def test_a_bad_advisor_attachment_is_refused_and_the_reply_is_kept(customer, waiting_thread):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = log_in_verified(Client(), customer.advisor)
    response = client.post(change_url(waiting_thread), {
        "assigned_to": customer.advisor.pk, "status": "open", "reply": "Voici.", **SEND,
        "attachments": [SimpleUploadedFile("virus.exe", b"MZ\x90\x00", "application/pdf")]})
    assert response.status_code == 200
    assert "virus.exe" in response.text and "Voici." in response.text
    assert not waiting_thread.messages.filter(from_advisor=True).exists()


def test_the_assigned_advisor_gets_a_content_free_email_when_the_customer_writes(
        customer, waiting_thread, mailoutbox, django_capture_on_commit_callbacks):
    customer.advisor.email = "conseiller@kpt.example"
    customer.advisor.save()
    with django_capture_on_commit_callbacks(execute=True):
        conversations.customer_reply(thread=waiting_thread, author=customer.account,
                                     body="Mon diagnostic: migraine chronique")
    (mail,) = mailoutbox
    assert mail.to == ["conseiller@kpt.example"]
    assert str(waiting_thread.pk) in mail.subject
    for secret in ("migraine", "Lunettes", customer.customer_number,
                   str(customer.policy_holder.last_name)):
        assert secret not in mail.subject + mail.body


def test_no_email_when_nobody_is_assigned(customer, mailoutbox,
                                          django_capture_on_commit_callbacks):
    thread = ThreadFactory(customer=customer, assigned_to=None)
    with django_capture_on_commit_callbacks(execute=True):
        conversations.customer_reply(thread=thread, author=customer.account, body="Hello")
    assert mailoutbox == []


def test_the_inbox_names_the_customer_and_their_contract(customer, waiting_thread):
    page = log_in_verified(Client(), customer.advisor).get(CHANGELIST).text
    assert str(customer.policy_holder) in page and customer.account.username in page


def test_login_help_actions_go_through_the_service_and_are_audited(advisor_admin_client):
    from messaging.loginhelp import submit_request
    from messaging.models import LoginHelpRequest

    ticket = submit_request(name="Anna", contract_number="", birth_date="1980-01-01",
                            phone="+41790000000", description="Code perdu", ip_address=None)
    url = reverse("admin:messaging_loginhelprequest_changelist")
    response = advisor_admin_client.post(url, {"action": "mark_done",
                                               "_selected_action": [ticket.pk]})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == LoginHelpRequest.Status.DONE and ticket.handled_by is not None
    event = AuditEvent.objects.get(kind=events.LOGIN_HELP_CHANGED)
    assert event.actor == ticket.handled_by
    assert event.detail["previous"] == "new" and event.detail["status"] == "done"


def test_login_help_form_change_is_audited_without_the_note(advisor_admin_client):
    from messaging.loginhelp import submit_request

    ticket = submit_request(name="Anna", contract_number="", birth_date="1980-01-01",
                            phone="+41790000000", description="Code perdu", ip_address=None)
    url = reverse("admin:messaging_loginhelprequest_change", args=[ticket.pk])
    response = advisor_admin_client.post(url, {"status": "in_progress",
                                               "advisor_note": "rappelée à 10h"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "in_progress" and ticket.advisor_note == "rappelée à 10h"
    event = AuditEvent.objects.get(kind=events.LOGIN_HELP_CHANGED)
    assert "rappelée" not in str(event.detail) and event.detail["note_changed"] is True


def test_a_canned_answer_is_sent_when_the_reply_box_is_empty(customer, waiting_thread):
    from messaging.canned import canned_text

    client = log_in_verified(Client(), customer.advisor)
    assert "Réponse type" in client.get(change_url(waiting_thread)).text
    client.post(change_url(waiting_thread), {"assigned_to": customer.advisor.pk,
                                             "status": "open", "canned": "send_invoice",
                                             **SEND})
    reply = waiting_thread.messages.get(from_advisor=True)
    assert reply.body == canned_text("send_invoice", "fr") and "Remboursements" in reply.body


def test_the_canned_answer_is_in_the_customers_language(customer, waiting_thread):
    customer.language = "de"
    customer.save()
    client = log_in_verified(Client(), customer.advisor)
    client.post(change_url(waiting_thread), {"assigned_to": customer.advisor.pk,
                                             "status": "open", "canned": "received", **SEND})
    body = waiting_thread.messages.get(from_advisor=True).body
    assert body.startswith("Guten Tag") and "Merci" not in body


def test_the_advisors_own_words_win_over_the_canned_answer(customer, waiting_thread):
    client = log_in_verified(Client(), customer.advisor)
    client.post(change_url(waiting_thread), {"assigned_to": customer.advisor.pk,
                                             "status": "open", "canned": "received",
                                             "reply": "Texte revu.", **SEND})
    assert waiting_thread.messages.get(from_advisor=True).body == "Texte revu."


def test_saving_the_assignment_never_sends_the_typed_reply_and_keeps_it(customer,
                                                                          waiting_thread):
    colleague = AdvisorFactory()
    AdvisorTeam.objects.create(name="Bern").members.add(colleague, customer.advisor)
    client = log_in_verified(Client(), customer.advisor)
    response = client.post(change_url(waiting_thread), {
        "assigned_to": colleague.pk, "status": "open", "reply": "Brouillon pour Léo.", **SAVE})
    assert response.status_code == 200
    assert "Cette réponse n&#x27;a pas été envoyée" in response.text
    assert "Brouillon pour Léo.</textarea>" in response.text
    assert f'<option value="{colleague.pk}" selected>' in response.text
    assert not waiting_thread.messages.filter(from_advisor=True).exists()
    assert not AuditEvent.objects.filter(kind=events.ADVISOR_REPLIED).exists()
    waiting_thread.refresh_from_db()
    assert waiting_thread.assigned_to == customer.advisor  # nothing saved until they decide
    assert sms.outbox == []


def test_saving_the_assignment_never_sends_a_chosen_canned_answer(customer, waiting_thread):
    client = log_in_verified(Client(), customer.advisor)
    response = client.post(change_url(waiting_thread), {
        "assigned_to": customer.advisor.pk, "status": "closed", "canned": "received", **SAVE})
    assert response.status_code == 200
    assert "Cette réponse type n&#x27;a pas été envoyée" in response.text
    assert not waiting_thread.messages.filter(from_advisor=True).exists()


def test_the_send_button_with_nothing_to_send_asks_for_the_reply(customer, waiting_thread):
    client = log_in_verified(Client(), customer.advisor)
    response = client.post(change_url(waiting_thread), {
        "assigned_to": customer.advisor.pk, "status": "open", "reply": "  ", **SEND})
    assert response.status_code == 200
    assert "Écrivez votre réponse ou choisissez une réponse type." in response.text
    assert not waiting_thread.messages.filter(from_advisor=True).exists()


def test_the_send_button_also_saves_the_assignment(customer, waiting_thread):
    colleague = AdvisorFactory()
    AdvisorTeam.objects.create(name="Bern").members.add(colleague, customer.advisor)
    client = log_in_verified(Client(), customer.advisor)
    response = client.post(change_url(waiting_thread), {
        "assigned_to": colleague.pk, "status": "open", "reply": "Je transmets.", **SEND})
    assert response.status_code == 302
    waiting_thread.refresh_from_db()
    assert waiting_thread.assigned_to == colleague
    assert waiting_thread.messages.get(from_advisor=True).body == "Je transmets."
