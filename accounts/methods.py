"""The second factors django-two-factor-auth's login wizard offers: the SMS code, an
authenticator app, a passkey."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from two_factor.plugins.registry import MethodBase

from core.sms import mask_phone_number

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.utils.functional import Promise
    from django_otp.models import Device
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_otp_webauthn.models import WebAuthnCredential

    from accounts.forms import AuthenticatorCodeForm, LoginCodeForm, PasskeyTokenForm
    from accounts.models import SMSDevice, User


class SMSCodeMethod(MethodBase):
    code = "sms_code"
    verbose_name = _("Code par SMS")

    def get_devices(self, user: User) -> QuerySet[SMSDevice]:
        return user.smsdevice_set.filter(confirmed=True)

    def recognize_device(self, device: Device) -> bool:
        from accounts.models import SMSDevice

        return isinstance(device, SMSDevice)

    def get_token_form_class(self) -> type[LoginCodeForm]:
        from accounts.forms import LoginCodeForm

        return LoginCodeForm

    def get_action(self, device: SMSDevice) -> str:
        return _("Recevoir un code par SMS au %(number)s") % {
            "number": mask_phone_number(device.number)}

    def get_verbose_action(self, device: SMSDevice) -> str:
        return _("Nous avons envoyé un code à 6 chiffres au %(number)s. Il est valable "
                 "5 minutes.") % {"number": mask_phone_number(device.number)}


class AuthenticatorAppMethod(MethodBase):
    """two_factor's TOTP method, with the portal's audited code form and wording."""

    code = "generator"
    verbose_name = _("Application d'authentification")

    def get_devices(self, user: User) -> QuerySet[TOTPDevice]:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        return TOTPDevice.objects.filter(user=user, confirmed=True)

    def recognize_device(self, device: Device) -> bool:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        return isinstance(device, TOTPDevice)

    def get_token_form_class(self) -> type[AuthenticatorCodeForm]:
        from accounts.forms import AuthenticatorCodeForm

        return AuthenticatorCodeForm

    def get_action(self, device: TOTPDevice) -> str | Promise:
        return _("Utiliser mon application d'authentification")

    def get_verbose_action(self, device: TOTPDevice) -> str | Promise:
        return _("Saisissez le code à 6 chiffres affiché par votre application "
                 "d'authentification.")


class PasskeyMethod(MethodBase):
    """A passkey as the second step of the login: one ceremony offers all of the login's
    passkeys, so the wizard lists it once among the other ways."""

    code = "passkey"
    verbose_name = _("Clé d'accès")

    def get_devices(self, user: User) -> QuerySet[WebAuthnCredential]:
        from accounts.passkeys import passkeys_of

        return passkeys_of(user)

    def get_other_authentication_devices(self, user: User,
                                         main_device: Device) -> list[WebAuthnCredential]:
        if self.recognize_device(main_device):
            return []
        return list(self.get_devices(user)[:1])

    def recognize_device(self, device: Device) -> bool:
        from django_otp_webauthn.models import WebAuthnCredential

        return isinstance(device, WebAuthnCredential)

    def get_token_form_class(self) -> type[PasskeyTokenForm]:
        from accounts.forms import PasskeyTokenForm

        return PasskeyTokenForm

    def get_action(self, device: WebAuthnCredential) -> str | Promise:
        return _("Utiliser ma clé d'accès")

    def get_verbose_action(self, device: WebAuthnCredential) -> str | Promise:
        return _("Votre appareil vous demandera votre empreinte, votre visage ou son code.")
