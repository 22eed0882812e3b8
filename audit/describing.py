"""Events in words: each app registers how its events read on the activity page and export."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from audit.kinds import kind_of
from audit.models import AuditEvent


@dataclass(frozen=True)
class Description:
    """What an event says to the customer; ``who`` only where the kind knows better than the
    log (a failed login typed with the contract number is "someone", not "you")."""

    what: str
    who: str | None = None


Describer = Callable[[AuditEvent], Description | None]

_describers: dict[str, Describer] = {}


def describer(app: str) -> Callable[[Describer], Describer]:
    """``@describer("documents")`` on a function that describes that app's events."""
    def decorate(function: Describer) -> Describer:
        if app in _describers:
            raise ImproperlyConfigured(f"a describer for {app!r} is registered twice")
        _describers[app] = function
        return function
    return decorate


def describe(event: AuditEvent) -> Description:
    """The event in words: its app's describer, or else its kind's label."""
    kind = kind_of(event.kind)
    if kind is not None and kind.app in _describers:
        description = _describers[kind.app](event)
        if description is not None:
            return description
    return Description(what=str(kind.label) if kind is not None else event.kind)
