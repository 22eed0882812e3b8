import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.tests.samples import pdf_bytes
from messaging import about
from messaging.models import Attachment, Message, Thread
from messaging.tests.factories import (
    MessageFactory,
    ThreadFactory,
    advisor_reply,
    pdf_upload,
)

pytestmark = pytest.mark.django_db

INBOX = reverse("messaging:inbox")
NEW = reverse("messaging:new")


def thread_url(thread):
    return reverse("messaging:thread", args=[thread.pk])


def send_new(client, **extra):
    data = {"subject": "Lunettes", "body": "Sont-elles remboursées?", **extra}
    return client.post(NEW, data)


# --- Who may see what ------------------------------------------------------------------

def test_inbox_lists_only_the_households_threads(customer_client, customer, other_customer):
    ThreadFactory(customer=customer, subject="Mine")
    ThreadFactory(customer=other_customer, subject="Theirs")
    response = customer_client.get(INBOX)
    assert response.status_code == 200
    assert "Mine" in response.text and "Theirs" not in response.text


def test_inbox_lists_newest_activity_first(customer_client, customer):
    from datetime import timedelta

    from django.utils import timezone

    ThreadFactory(customer=customer, subject="Older",
                  last_activity_at=timezone.now() - timedelta(days=2))
    ThreadFactory(customer=customer, subject="Newer")
    text = customer_client.get(INBOX).text
    assert text.index("Newer") < text.index("Older")


def test_another_households_thread_answers_404(other_client, customer):
    thread = ThreadFactory(customer=customer)
    assert other_client.get(thread_url(thread)).status_code == 404
    assert other_client.post(thread_url(thread), {"body": "x"}).status_code == 404
    assert thread.messages.count() == 0


def test_another_households_attachment_answers_404(customer_client, other_client, customer):
    send_new(customer_client, attachments=[pdf_upload()])
    attachment = Attachment.objects.get()
    url = reverse("messaging:attachment", args=[attachment.pk])
    assert other_client.get(url).status_code == 404


def test_anonymous_visitor_is_sent_to_login(client, customer):
    thread = ThreadFactory(customer=customer)
    for url in (INBOX, NEW, thread_url(thread)):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_advisor_login_cannot_use_the_customer_pages(advisor_client):
    assert advisor_client.get(INBOX).status_code == 403


# --- Writing ---------------------------------------------------------------------------

def test_customer_starts_a_thread_with_a_pdf_for_their_advisor(customer_client, customer):
    response = send_new(customer_client, attachments=[pdf_upload("Facture opticien.pdf")])
    thread = Thread.objects.get()
    assert response.status_code == 302 and response["Location"] == thread_url(thread)
    assert thread.customer == customer and thread.assigned_to == customer.advisor
    assert thread.awaiting_reply_since is not None
    attachment = Attachment.objects.get()
    assert attachment.filename == "Facture_opticien.pdf"
    assert attachment.content_type == "application/pdf"


def test_customer_downloads_their_attachment(customer_client):
    send_new(customer_client, attachments=[pdf_upload()])
    attachment = Attachment.objects.get()
    response = customer_client.get(reverse("messaging:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment;" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_file_that_is_not_a_pdf_or_photo_is_refused_and_the_text_kept(customer_client):
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = send_new(customer_client, attachments=[fake])
    assert response.status_code == 200
    assert "type de fichier" in response.text
    assert "Sont-elles remboursées?" in response.text
    assert not Thread.objects.exists()


def test_a_pdf_with_javascript_is_refused(customer_client):
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(pdf_bytes())) as pdf:
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript,
                                                 JS=pikepdf.String("app.alert(1)"))
        out = io.BytesIO()
        pdf.save(out)
    bad = SimpleUploadedFile("a.pdf", out.getvalue())
    response = send_new(customer_client, attachments=[bad])
    assert "contenu actif" in response.text
    assert not Attachment.objects.exists()


def test_more_than_five_attachments_are_refused(customer_client):
    response = send_new(customer_client, attachments=[pdf_upload(f"{i}.pdf") for i in range(6)])
    assert "au plus 5" in response.text
    assert not Thread.objects.exists()


def test_an_empty_message_is_refused_with_a_message(customer_client):
    response = customer_client.post(NEW, {"subject": "", "body": ""})
    assert response.status_code == 200
    assert "field__error" in response.text
    assert not Thread.objects.exists()


def test_customer_reply_reopens_and_waits_for_an_answer(customer_client, customer):
    thread = ThreadFactory(customer=customer, status=Thread.Status.CLOSED)
    response = customer_client.post(thread_url(thread), {"body": "Encore une question"})
    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.status == Thread.Status.OPEN and thread.awaiting_reply_since is not None
    assert thread.messages.get().body == "Encore une question"


# --- Unread counts -----------------------------------------------------------------------

def test_unread_advisor_replies_show_in_the_inbox_and_the_menu(customer_client, customer):
    thread = ThreadFactory(customer=customer, subject="Lunettes")
    MessageFactory(thread=thread)
    advisor_reply(thread)
    advisor_reply(thread)
    response = customer_client.get(INBOX)
    assert "2 nouveaux" in response.text
    nav = next(i for i in response.context["nav_items"] if i["name"] == "messaging:inbox")
    assert nav["badge"] == 2


def test_the_menu_badge_counts_only_the_households_replies(customer_client, other_customer):
    advisor_reply(ThreadFactory(customer=other_customer))
    response = customer_client.get(INBOX)
    nav = next(i for i in response.context["nav_items"] if i["name"] == "messaging:inbox")
    assert nav["badge"] == 0


def test_opening_a_thread_marks_the_advisor_replies_read(customer_client, customer):
    thread = ThreadFactory(customer=customer)
    reply = advisor_reply(thread)
    response = customer_client.get(thread_url(thread))
    assert "nouveau" in response.text  # highlighted on this visit
    reply.refresh_from_db()
    assert reply.read_at is not None
    nav = next(i for i in response.context["nav_items"] if i["name"] == "messaging:inbox")
    assert nav["badge"] == 0


def test_the_customers_own_messages_never_count_as_unread(customer_client, customer):
    MessageFactory(thread=ThreadFactory(customer=customer))
    response = customer_client.get(INBOX)
    nav = next(i for i in response.context["nav_items"] if i["name"] == "messaging:inbox")
    assert nav["badge"] == 0


# --- "Question about this document" -------------------------------------------------------

@pytest.fixture
def documents_hook(customer):
    """Stand-in for the documents app: document 42 belongs to ``customer`` only."""
    previous = about._resolvers.get("document")
    about.register("document", lambda household, pk:
                   "Décompte du 12.03.2026" if household == customer and pk == 42 else None)
    yield
    about.unregister("document")
    if previous is not None:  # put back the real resolver the portal wires at start-up
        about.register("document", previous)


def test_a_link_from_a_document_prefills_the_subject(customer_client, documents_hook):
    response = customer_client.get(f"{NEW}?document=42")
    assert "Question: Décompte du 12.03.2026" in response.text
    customer_client.post(f"{NEW}?document=42", {"subject": "Q", "body": "Pourquoi?"})
    thread = Thread.objects.get()
    assert (thread.about_kind, thread.about_id) == ("document", 42)
    assert thread.about_label == "Décompte du 12.03.2026"


def test_a_link_to_another_households_document_reveals_nothing(other_client, documents_hook):
    response = other_client.get(f"{NEW}?document=42")
    assert "Décompte" not in response.text
    other_client.post(f"{NEW}?document=42", {"subject": "Q", "body": "?"})
    thread = Thread.objects.get()
    assert thread.about_kind == "" and thread.about_id is None and thread.about_label == ""


@pytest.mark.parametrize("raw", ["abc", "-1", "0", ""])
def test_a_malformed_reference_is_ignored(customer_client, documents_hook, raw):
    assert customer_client.get(f"{NEW}?document={raw}").status_code == 200


def test_the_inbox_forwards_a_document_link_to_the_new_message_form(customer_client):
    response = customer_client.get(f"{INBOX}?document=42")
    assert response.status_code == 302 and response["Location"] == f"{NEW}?document=42"


# --- Query counts --------------------------------------------------------------------------

def test_the_inbox_needs_a_constant_number_of_queries(customer_client, customer,
                                                      django_assert_max_num_queries):
    for _ in range(15):
        thread = ThreadFactory(customer=customer)
        MessageFactory(thread=thread)
        advisor_reply(thread)
    with django_assert_max_num_queries(12):
        response = customer_client.get(INBOX)
    assert response.text.count("thread-list__item") >= 15


def test_a_long_thread_needs_a_constant_number_of_queries(customer_client, customer,
                                                          django_assert_max_num_queries):
    customer_client.post(NEW, {"subject": "S", "body": "B", "attachments": [pdf_upload()]})
    thread = Thread.objects.get()
    for index in range(10):
        message = MessageFactory(thread=thread, from_advisor=index % 2 == 0)
        Attachment.objects.create(message=message, file="x.pdf", filename="x.pdf",
                                  content_type="application/pdf", size=1)
    with django_assert_max_num_queries(12):
        response = customer_client.get(thread_url(thread))
    assert response.text.count('class="bubble ') == Message.objects.count()


def test_a_refused_reply_keeps_the_text_and_the_conversation(customer_client, customer):
    thread = ThreadFactory(customer=customer)
    advisor_reply(thread, body="Envoyez la facture.")
    bad = SimpleUploadedFile("x.pdf", b"not a pdf")
    response = customer_client.post(thread_url(thread),
                                    {"body": "La voici", "attachments": [bad]})
    assert response.status_code == 200
    assert "La voici" in response.text and "Envoyez la facture." in response.text
    assert thread.messages.count() == 1
