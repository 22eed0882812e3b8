"""The advisor learns that a customer wrote: an e-mail that says so and nothing else."""

from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from core.celery import RETRY_OPTIONS
from core.outbox import RowBusy, acting_once


@shared_task(bind=True, **RETRY_OPTIONS)
def tell_advisor_of_customer_message(self: Task[..., bool], thread_id: int) -> bool:
    """E-mail the thread's advisor: no name, no subject, no content (health data stays in
    the portal). True when an e-mail went out; once per outbox row (``acting_once``)."""
    from messaging.models import Thread

    thread = Thread.objects.select_related("assigned_to").filter(pk=thread_id).first()
    advisor = thread.assigned_to if thread else None
    if advisor is None or not advisor.is_active or not advisor.email:
        return False
    try:
        with acting_once(self.request.id) as acting:
            if acting:
                _mail(advisor, thread_id)
            return acting
    except RowBusy as exc:
        raise self.retry(countdown=30, exc=exc) from exc


def _mail(advisor: Any, thread_id: int) -> None:
    with translation.override(advisor.language or settings.LANGUAGE_CODE):
        send_mail(
            _("Nouveau message d'un client (conversation n° %(n)s)") % {"n": thread_id},
            _("Bonjour,\n\nUn client vous a écrit dans la conversation n° %(n)s. Ouvrez "
              "l'espace conseillers pour la lire et y répondre.\n\nCe message ne contient "
              "aucun détail sur le client.") % {"n": thread_id},
            settings.DEFAULT_FROM_EMAIL, [advisor.email],
        )
