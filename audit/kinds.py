"""The kinds of audit events, registered by the app that records them.

Each app declares its kinds in its ``events.py`` (``LOGIN = register("accounts", "login",
_("Connexion"))``) and may register a describer (``audit.describing``) that turns one of its
events into words for the customer's activity page and the export. The audit log itself knows
no app's vocabulary.

A kind is a ``str`` (its code, ``"<app>.<name>"``), so it is stored, filtered and compared as
one; it also carries its label and whether the customer sees it on the activity page.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise


class Topic(StrEnum):
    """What an event is about, for the filter of the customer's activity page."""

    SECURITY = "security"  # logins, failed attempts, lockouts, passwords and second factors
    ACCESS = "access"  # someone opened or downloaded the household's data
    CHANGE = "change"  # the household's data or requests changed


class EventKind(str):
    app: str
    label: str | Promise
    shown_to_customer: bool
    topic: Topic

    def __new__(cls, app: str, name: str, label: str | Promise, *,
                shown_to_customer: bool = True, topic: Topic = Topic.CHANGE) -> EventKind:
        kind = super().__new__(cls, f"{app}.{name}")
        kind.app = app
        kind.label = label
        kind.shown_to_customer = shown_to_customer
        kind.topic = topic
        return kind


_kinds: dict[str, EventKind] = {}


def register(app: str, name: str, label: str | Promise, *,
             shown_to_customer: bool = True, topic: Topic = Topic.CHANGE) -> EventKind:
    kind = EventKind(app, name, label, shown_to_customer=shown_to_customer, topic=topic)
    if kind in _kinds:
        raise ImproperlyConfigured(f"audit event kind {kind!r} registered twice")
    _kinds[kind] = kind
    return kind


def kind_of(code: str) -> EventKind | None:
    return _kinds.get(code)


def all_kinds() -> list[EventKind]:
    return sorted(_kinds.values())


def shown_to_customer(topic: Topic | None = None) -> list[str]:
    return [str(kind) for kind in _kinds.values()
            if kind.shown_to_customer and (topic is None or kind.topic == topic)]
