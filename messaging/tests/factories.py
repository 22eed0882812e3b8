import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.tests.factories import CustomerFactory
from core.tests.samples import pdf_bytes
from messaging.models import Message, Thread


class ThreadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Thread

    customer = factory.SubFactory(CustomerFactory)
    subject = factory.Sequence(lambda n: f"Question {n}")
    assigned_to = factory.LazyAttribute(lambda o: o.customer.advisor)
    last_activity_at = factory.LazyFunction(timezone.now)


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    thread = factory.SubFactory(ThreadFactory)
    author = factory.LazyAttribute(
        lambda o: o.thread.customer.advisor if o.from_advisor else o.thread.customer.account)
    from_advisor = False
    body = "Bonjour, une question."


def advisor_reply(thread, body="Voici la réponse.", **kwargs):
    return MessageFactory(thread=thread, from_advisor=True, body=body, **kwargs)


def pdf_upload(name: str = "facture.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(text="Facture"), content_type="application/pdf")
