"""What a thread is about (a document, a claim) without messaging importing those apps.

The owning app registers a resolver once, e.g. in ``documents/apps.py``::

    def ready(self):
        from messaging.about import register

        register("document", documents.selectors.message_label)

A resolver takes ``(customer, object_id)`` and returns a short label (``"Décompte du
12.03.2026"``) when the object belongs to that household, else None. Anything not
registered, not a number or not the household's is ignored: the link never reveals data.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from accounts.models import Customer

Resolver = Callable[[Customer, int], str | None]

_resolvers: dict[str, Resolver] = {}

# The query parameters a link may carry, e.g. /messages/new/?document=42.
KINDS = ("document", "claim")


@dataclass(frozen=True)
class About:
    kind: str
    object_id: int
    label: str


def register(kind: str, resolver: Resolver) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; add it to messaging.about.KINDS")
    _resolvers[kind] = resolver


def unregister(kind: str) -> None:
    _resolvers.pop(kind, None)


def resolve(customer: Customer, kind: str, raw_id: object) -> About | None:
    resolver = _resolvers.get(kind)
    if resolver is None:
        return None
    try:
        object_id = int(str(raw_id))
    except ValueError:
        return None
    if object_id <= 0:
        return None
    label = resolver(customer, object_id)
    if not label:
        return None
    return About(kind, object_id, str(label)[:200])


def from_params(customer: Customer, params: Mapping[str, object]) -> About | None:
    """The first valid ``?document=`` / ``?claim=`` reference in a query dict, if any."""
    for kind in KINDS:
        if kind in params:
            return resolve(customer, kind, params.get(kind))
    return None
