"""The customer's own audit trail (/profile/activity/ and the export), in plain words.

``events_for(customer)`` selects what concerns the household: events on its login (failed
logins and lockouts typed with its contract number included) and on the household, of the
kinds the customer is shown. ``describe`` turns one event into a line: what (the describer of
the app that recorded it), who and where. Secrets are never in the log: nothing needs hiding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from audit import describing, kinds
from audit.models import AuditEvent
from core.user_agents import device_label

if TYPE_CHECKING:
    from accounts.models import Customer


def events_for(customer: Customer, topic: kinds.Topic | None = None) -> QuerySet[AuditEvent]:
    """The household's events the customer is shown (of one topic, or all), newest first."""
    scope = Q(customer=customer)
    if customer.account_id is not None:
        # Failed logins and lockouts carry the account they were aimed at.
        scope |= Q(user_id=customer.account_id)
    return (AuditEvent.objects.filter(scope, kind__in=kinds.shown_to_customer(topic))
            .select_related("actor").order_by("-created_at", "-id"))


@dataclass(frozen=True)
class ActivityLine:
    event: AuditEvent
    what: str
    who: str
    where: str


def _acted_for_them(event: AuditEvent) -> bool:
    return event.actor_id is not None and event.actor_id != event.user_id


def _who(event: AuditEvent) -> str:
    if _acted_for_them(event):
        if event.actor and event.actor.is_staff:
            return _("Votre conseiller·ère KPT")
        return _("KPT")
    if event.user_id is None:
        return _("KPT")
    return _("Vous")


def _where(event: AuditEvent) -> str:
    if _acted_for_them(event):
        return _("Espace conseillers")
    return device_label(event.user_agent) or (event.ip_address or "")


def describe(event: AuditEvent) -> ActivityLine:
    description = describing.describe(event)
    return ActivityLine(event=event, what=description.what,
                        who=description.who or _who(event), where=_where(event))
