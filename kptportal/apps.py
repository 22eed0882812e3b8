from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PortalConfig(AppConfig):
    default = True
    name = "kptportal"
    verbose_name = "KPT portal"

    def ready(self):
        from kptportal import checks  # noqa: F401 - registers the deployment checks
        from kptportal.wiring import connect_apps

        connect_apps()


class PortalAdminConfig(admin_apps.AdminConfig):
    """The admin, with second-factor enforcement (see kptportal/admin_site.py)."""

    default = False
    default_site = "kptportal.admin_site.PortalAdminSite"

    def ready(self):
        super().ready()
        from kptportal.admin_a11y import install

        install()
