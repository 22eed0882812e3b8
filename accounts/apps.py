from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Comptes et clients")

    def ready(self) -> None:
        from two_factor.plugins.registry import registry

        from accounts import events, signals  # noqa: F401 - audit kinds and receivers
        from accounts.methods import AuthenticatorAppMethod, PasskeyMethod, SMSCodeMethod

        registry.unregister("generator")
        registry.register(AuthenticatorAppMethod())
        registry.register(SMSCodeMethod())
        registry.register(PasskeyMethod())
