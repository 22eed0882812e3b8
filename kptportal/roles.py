"""The staff roles as Django groups, each holding exactly the permissions of its job.

- **Conseillers** (advisors): review claims and cost guarantee requests, look up and contact
  customers, read their documents, answer their messages and login-help requests, unlock a
  contract. Never delete: retention and the audit trail forbid it.
- **Administrateurs** (administrators): the technical side: staff logins and groups, second
  factors, the lockout records, deferred tasks, data exports, products and advisor teams.

``sync_groups`` makes the groups hold exactly these lists. It runs in a data migration and
after every ``migrate`` (post_migrate), so a permission added here reaches existing databases
with the next deployment, and a test database flushed between tests gets its groups back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from accounts.staff import ADMINISTRATORS, ADVISORS

if TYPE_CHECKING:
    from django.apps import AppConfig
    from django.apps.registry import Apps

VIEW = ("view",)
VIEW_CHANGE = ("view", "change")
ALL = ("add", "change", "delete", "view")


def _model_perms(app_label: str, model: str, actions: Iterable[str]) -> list[tuple[str, str]]:
    return [(app_label, f"{action}_{model}") for action in actions]


ADVISOR_PERMISSIONS: list[tuple[str, str]] = [
    # Customers: look up (contact details read-only: the customer changes them), set the
    # household's advisor; persons and history read-only.
    *_model_perms("accounts", "customer", VIEW_CHANGE),
    ("accounts", "unlock_online_contract"),
    *_model_perms("accounts", "insuredperson", VIEW),
    *_model_perms("accounts", "correspondencechange", VIEW),
    *_model_perms("accounts", "pendingaddresschange", VIEW),
    # A new password waiting: cancelled for a customer who calls (a SIM swap).
    *_model_perms("accounts", "delayedpasswordreset", VIEW_CHANGE),
    *_model_perms("accounts", "payoutaccount", VIEW),
    *_model_perms("audit", "auditevent", VIEW),
    # Claims: the review queue and the review itself.
    *_model_perms("claims", "claim", VIEW_CHANGE),
    *_model_perms("claims", "claimtoreview", VIEW_CHANGE),
    *_model_perms("claims", "extractedfield", ("add", "change", "view")),
    *_model_perms("claims", "claimpage", VIEW),
    *_model_perms("claims", "statuschange", VIEW),
    # Cost guarantees: the queue, the doctor's documents (opening audited), the decision.
    *_model_perms("claims", "costguaranteerequest", VIEW_CHANGE),
    *_model_perms("claims", "costguaranteeattachment", VIEW),
    # Documents: find and open (audited).
    *_model_perms("documents", "document", VIEW),
    # Messages: threads, replies, attachments, login help.
    *_model_perms("messaging", "thread", VIEW_CHANGE),
    *_model_perms("messaging", "message", ("add", "view")),
    *_model_perms("messaging", "attachment", VIEW),
    *_model_perms("messaging", "loginhelprequest", VIEW_CHANGE),
    *_model_perms("messaging", "advisorteam", VIEW),
    # Insurance: what the customer has.
    *_model_perms("policies", "product", VIEW),
    *_model_perms("policies", "coverage", VIEW),
    # Deductible and model changes for next year: the queue, accept or refuse.
    *_model_perms("customer_requests", "contractchange", VIEW_CHANGE),
]

ADMINISTRATOR_PERMISSIONS: list[tuple[str, str]] = [
    *_model_perms("auth", "group", ALL),
    *_model_perms("auth", "permission", VIEW),
    *_model_perms("accounts", "user", ("add", "change", "view")),
    ("accounts", "unlock_online_contract"),
    *_model_perms("accounts", "smsdevice", VIEW_CHANGE),
    *_model_perms("accounts", "activationletter", VIEW),
    *_model_perms("accounts", "portalsession", VIEW),
    *_model_perms("audit", "auditevent", VIEW),
    *_model_perms("axes", "accessattempt", ("view", "delete")),
    *_model_perms("axes", "accessfailurelog", ("view", "delete")),
    *_model_perms("axes", "accesslog", VIEW),
    *_model_perms("otp_static", "staticdevice", ALL),
    *_model_perms("otp_static", "statictoken", ALL),
    *_model_perms("otp_totp", "totpdevice", ALL),
    *_model_perms("exports", "dataexport", VIEW),
    *_model_perms("core", "deferredtask", VIEW),
    *_model_perms("messaging", "advisorteam", ALL),
    *_model_perms("policies", "product", ("add", "change", "view")),
]

ROLES: dict[str, list[tuple[str, str]]] = {
    ADVISORS: ADVISOR_PERMISSIONS,
    ADMINISTRATORS: ADMINISTRATOR_PERMISSIONS,
}


def sync_groups(apps: Apps | None = None) -> dict[str, int]:
    """Create or update the role groups so each holds exactly its permissions (idempotent).

    ``apps`` is a migration's app registry, or None for the running project's. Permissions
    of models that do not exist (yet) are left out; the next ``migrate`` adds them.
    Returns how many permissions each group holds.
    """
    if apps is None:
        from django.apps import apps as project_apps

        apps = project_apps
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    held: dict[str, int] = {}
    for name, wanted in ROLES.items():
        group, _created = group_model.objects.get_or_create(name=name)
        permissions = [
            permission.pk
            for permission in permission_model.objects.filter(
                content_type__app_label__in={app for app, _codename in wanted},
                codename__in={codename for _app, codename in wanted},
            ).select_related("content_type")
            if (permission.content_type.app_label, permission.codename) in set(wanted)
        ]
        group.permissions.set(permissions)
        held[name] = len(permissions)
    return held


def sync_groups_after_migrate(sender: AppConfig, using: str = "default", verbosity: int = 0,
                              **kwargs: Any) -> None:
    """post_migrate receiver. Django creates each app's permissions in the same signal, app
    after app; the apps listed after this one would still lack theirs, so all are created
    first (idempotent), then the groups are set."""
    from django.apps import apps as project_apps
    from django.contrib.auth.management import create_permissions

    for app_config in project_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    sync_groups()
