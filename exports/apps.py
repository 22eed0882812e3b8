from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    default = True
    name = "exports"
    verbose_name = _("Exports de données")

    def ready(self) -> None:
        from exports import events  # noqa: F401 - registers its audit event kinds
