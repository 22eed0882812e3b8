"""Registers the SMS-code device with django-two-factor-auth's login wizard."""

from django.utils.translation import gettext_lazy as _
from two_factor.plugins.registry import MethodBase

from kptportal.sms import mask_phone_number


class SMSCodeMethod(MethodBase):
    code = "sms_code"
    verbose_name = _("Code par SMS")

    def get_devices(self, user):
        return user.smsdevice_set.filter(confirmed=True)

    def recognize_device(self, device):
        from accounts.models import SMSDevice

        return isinstance(device, SMSDevice)

    def get_token_form_class(self):
        from accounts.forms import LoginCodeForm

        return LoginCodeForm

    def get_action(self, device):
        return _("Recevoir un code par SMS au %(number)s") % {
            "number": mask_phone_number(device.number)}

    def get_verbose_action(self, device):
        return _("Nous avons envoyé un code à 6 chiffres au %(number)s. Il est valable "
                 "5 minutes.") % {"number": mask_phone_number(device.number)}


class AuthenticatorAppMethod(MethodBase):
    """two_factor's TOTP method, with the portal's audited code form and wording."""

    code = "generator"
    verbose_name = _("Application d'authentification")

    def get_devices(self, user):
        return user.totpdevice_set.filter(confirmed=True)

    def recognize_device(self, device):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        return isinstance(device, TOTPDevice)

    def get_token_form_class(self):
        from accounts.forms import AuthenticatorCodeForm

        return AuthenticatorCodeForm

    def get_action(self, device):
        return _("Utiliser mon application d'authentification")

    def get_verbose_action(self, device):
        return _("Saisissez le code à 6 chiffres affiché par votre application "
                 "d'authentification.")
