"""django-two-factor-auth gateway: login codes go through the portal's SMS interface."""

from django.utils.translation import gettext as _

from kptportal.sms import send_sms


class PortalSMSGateway:
    def send_sms(self, device, token: str) -> None:
        send_sms(str(device.number), _("Votre code KPT: %(code)s. Ne le communiquez à personne.")
                 % {"code": token})

    def make_call(self, device, token: str) -> None:
        raise NotImplementedError("The portal sends codes by SMS only.")
