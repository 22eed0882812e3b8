from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "kptportal"
    verbose_name = "KPT portal"
