from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Infrastructure that knows no business app: SMS, files, uploads, money, Celery, the
    outbox, the admin's shared pieces."""

    default = True
    name = "core"
    verbose_name = _("Exploitation")

    def ready(self) -> None:
        from celery.signals import task_postrun, task_prerun

        from core import checks  # noqa: F401 - registers the deployment checks
        from core.celery import bind_request_id, release_request_id, task_began, task_ran

        task_prerun.connect(bind_request_id, weak=False)
        task_prerun.connect(task_began, weak=False)
        task_postrun.connect(task_ran, weak=False)
        task_postrun.connect(release_request_id, weak=False)


class PortalAdminConfig(admin_apps.AdminConfig):
    """The admin, with second-factor enforcement (core/admin_site.py) and labels for the
    inputs Django leaves unnamed (core/admin_a11y.py)."""

    default = False
    default_site = "core.admin_site.PortalAdminSite"

    def ready(self) -> None:
        super().ready()
        from core.admin_a11y import install
        from core.admin_site import name_third_party_apps

        install()
        name_third_party_apps()
