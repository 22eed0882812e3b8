from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The top of the house: it may use every app, so it wires them together."""

    default = True
    name = "kptportal"
    verbose_name = _("Portail KPT")

    def ready(self) -> None:
        from django.apps import apps
        from django.db.models.signals import post_migrate

        from kptportal import events  # noqa: F401 - registers its audit event kinds
        from kptportal.roles import sync_groups_after_migrate
        from kptportal.wiring import connect_apps

        connect_apps()
        from kptportal import metrics

        metrics.connect()
        # post_migrate is sent once per app that has models, after every migration ran; this
        # app has none of its own, so the groups are set when auth's is sent.
        post_migrate.connect(sync_groups_after_migrate, sender=apps.get_app_config("auth"))
