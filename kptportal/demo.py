"""The whole demo: each app seeds its own part (``<app>/demo.py``), then the staff roles.

Fictitious data only; idempotent. ``manage.py seed_demo`` and the browser tests use this.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from django.db import transaction

from kptportal import roles

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

# In this order: each part builds on the ones before it. kptportal.demo_documents (the
# policies, premium invoices and benefit statements as documents) needs the policies', the
# documents' and the claims' parts: the settled demo claim is settled by one of its statements.
# customer_requests.demo (a past change of deductible, with its amendment) needs the advisor
# and the coverages.
SEEDING_MODULES = ["accounts.demo", "policies.demo", "documents.demo", "claims.demo",
                   "kptportal.demo_documents", "messaging.demo", "customer_requests.demo"]


@transaction.atomic
def seed_all(stdout: SupportsWrite[str] | None = None) -> None:
    for module in SEEDING_MODULES:
        importlib.import_module(module).seed(stdout=stdout)
    assign_demo_roles()


def assign_demo_roles() -> None:
    """The demo advisor is an advisor: the advisors' group, never a superuser."""
    from django.contrib.auth.models import Group

    from accounts.demo import ADVISOR_USERNAME
    from accounts.models import User

    roles.sync_groups()
    advisor = User.objects.get(username=ADVISOR_USERNAME)
    advisor.is_superuser = False
    advisor.save(update_fields=["is_superuser"])
    advisor.groups.set([Group.objects.get(name=roles.ADVISORS)])
