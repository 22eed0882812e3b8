from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Comptes et clients")

    def ready(self):
        from two_factor.plugins.registry import registry

        from accounts import signals  # noqa: F401 - connects the audit receivers
        from accounts.methods import AuthenticatorAppMethod, SMSCodeMethod

        registry.unregister("generator")
        registry.register(AuthenticatorAppMethod())
        registry.register(SMSCodeMethod())
