from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.errors import PortalError


class Probe(PortalError):
    message_template = _("Trop d'essais. Réessayez dans une heure.")


def test_the_message_is_translated_when_shown_not_when_raised():
    error = Probe()
    with translation.override("de"):
        german = error.message
    with translation.override("fr"):
        assert error.message == "Trop d'essais. Réessayez dans une heure."
    assert german != error.message and german


def test_parameters_are_filled_in_and_a_message_may_be_given_at_raise_time():
    assert PortalError("%(n)s de trop", n=3).message == "3 de trop"
    assert str(PortalError("sans paramètre 100%")) == "sans paramètre 100%"
