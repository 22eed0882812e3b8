"""A realistic conversation for KPT12345678, with an advisor reply not read yet. Idempotent."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from accounts.models import Customer
from messaging.models import AdvisorTeam, Message, Thread

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

SUBJECT = "Remboursement de lunettes pour Léo"
CUSTOMER_TEXT = (
    "Bonjour Madame Conseil,\n\nnotre fils Léo a besoin de nouvelles lunettes. Sont-elles "
    "prises en charge par notre assurance complémentaire, et quels justificatifs faut-il "
    "envoyer?\n\nMerci d'avance,\nAnna Muster"
)
ADVISOR_TEXT = (
    "Bonjour Madame Muster,\n\noui: l'assurance complémentaire de Léo rembourse les verres "
    "et montures jusqu'à CHF 150.– tous les trois ans. Envoyez-nous la facture de l'opticien "
    "avec l'ordonnance via « Remboursements » dans le portail.\n\nMeilleures salutations,\n"
    "Claire Conseil"
)


@transaction.atomic
def seed(stdout: SupportsWrite[str] | None = None) -> None:
    customer = (Customer.objects.select_related("advisor")
                .filter(account__username="KPT12345678").first())
    if customer is None or customer.advisor is None:
        return
    team, _ = AdvisorTeam.objects.get_or_create(name="Équipe Lausanne")
    team.members.add(customer.advisor)
    if Thread.objects.filter(customer=customer, subject=SUBJECT).exists():
        if stdout:
            stdout.write("messaging: demo conversation already there")
        return
    asked = timezone.now() - timedelta(days=2, hours=3)
    answered = asked + timedelta(hours=20)
    thread = Thread.objects.create(customer=customer, subject=SUBJECT,
                                   assigned_to=customer.advisor, created_at=asked,
                                   last_activity_at=answered)
    Message.objects.create(thread=thread, author=customer.account, body=CUSTOMER_TEXT,
                           created_at=asked, read_at=asked + timedelta(hours=2))
    Message.objects.create(thread=thread, author=customer.advisor, from_advisor=True,
                           body=ADVISOR_TEXT, created_at=answered)
    if stdout:
        stdout.write("messaging: demo conversation with an unread reply for KPT12345678")
