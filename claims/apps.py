from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = _("Remboursements")

    def ready(self) -> None:
        from claims import events  # noqa: F401 - registers its audit event kinds
