from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomerRequestsConfig(AppConfig):
    name = "customer_requests"
    verbose_name = _("Demandes des clients")

    def ready(self) -> None:
        from customer_requests import events  # noqa: F401 - registers its audit event kinds
