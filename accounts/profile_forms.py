"""Forms of the profile page: each validates one section and says clearly what is wrong."""

import re
from datetime import timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Correspondence, NotifyChannel
from kptportal.sms import InvalidPhoneNumber, is_mobile_number, normalise_phone_number

LOCALITY_RE = re.compile(r"^[^\W\d_]+(?:[ '’.\-/]+[^\W\d_]+)*\.?$")
STREET_RE = re.compile(r"^(?=.*[^\W\d_]).{3,120}$")
MAX_DAYS_AHEAD = 366


def swiss_postcode(value: str) -> str:
    value = (value or "").strip()
    if not re.fullmatch(r"\d{4}", value) or not 1000 <= int(value) <= 9699:
        raise forms.ValidationError(
            _("Le NPA suisse se compose de 4 chiffres, de 1000 à 9699, par exemple 1003."),
            code="postcode")
    return value


class AddressForm(forms.Form):
    street = forms.CharField(label=_("Rue et numéro"), max_length=120,
                             widget=forms.TextInput(attrs={"autocomplete": "street-address"}))
    postcode = forms.CharField(label=_("NPA"), max_length=4,
                               widget=forms.TextInput(attrs={"autocomplete": "postal-code",
                                                             "inputmode": "numeric"}))
    locality = forms.CharField(label=_("Localité"), max_length=80,
                               widget=forms.TextInput(attrs={"autocomplete": "address-level2"}))
    effective_on = forms.DateField(
        label=_("Valable dès le"), help_text=_("Aujourd'hui ou une date future (jj.mm.aaaa)."),
        input_formats=["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"],
        widget=forms.DateInput(attrs={"placeholder": _("jj.mm.aaaa"), "autocomplete": "off"},
                               format="%d.%m.%Y"),
        error_messages={"invalid": _("Saisissez une date valable, par exemple 01.04.2026.")},
    )

    def clean_street(self):
        street = " ".join(self.cleaned_data["street"].split())
        if not STREET_RE.match(street):
            raise forms.ValidationError(_("Indiquez la rue et le numéro, p. ex. Rue du Lac 12."),
                                        code="street")
        return street

    def clean_postcode(self):
        return swiss_postcode(self.cleaned_data["postcode"])

    def clean_locality(self):
        locality = " ".join(self.cleaned_data["locality"].split())
        if len(locality) < 2 or not LOCALITY_RE.match(locality):
            raise forms.ValidationError(
                _("Indiquez la localité en lettres, p. ex. Lausanne ou La Chaux-de-Fonds."),
                code="locality")
        return locality

    def clean_effective_on(self):
        day = self.cleaned_data["effective_on"]
        today = timezone.localdate()
        if day < today:
            raise forms.ValidationError(
                _("La date ne peut pas être dans le passé: choisissez aujourd'hui ou plus tard."),
                code="past")
        if day > today + timedelta(days=MAX_DAYS_AHEAD):
            raise forms.ValidationError(
                _("Choisissez une date dans les douze prochains mois."), code="too_far")
        return day


class PhoneField(forms.CharField):
    """A phone number as people type it, cleaned to E.164 (+41790000001)."""

    default_error_messages = {
        "phone": _("Ce numéro de téléphone n'est pas valable. Exemple: 079 123 45 67 ou "
                   "+41 79 123 45 67."),
    }

    def __init__(self, *, mobile_only=False, **kwargs):
        self.mobile_only = mobile_only
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel",
                                                           "autocomplete": "tel"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return ""
        try:
            number = normalise_phone_number(value)
        except InvalidPhoneNumber:
            raise forms.ValidationError(self.error_messages["phone"], code="phone") from None
        if self.mobile_only and not is_mobile_number(number):
            raise forms.ValidationError(
                _("Ce numéro n'est pas un numéro de mobile: il doit pouvoir recevoir des SMS."),
                code="not_mobile")
        return number


class ContactForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"),
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}),
                             error_messages={"invalid": _("Saisissez une adresse e-mail "
                                                          "valable, p. ex. nom@exemple.ch.")})
    landline_phone = PhoneField(label=_("Téléphone fixe"), required=False)


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Langue de correspondance"),
                                 choices=settings.LANGUAGES)
    correspondence = forms.ChoiceField(
        label=_("Correspondance"), choices=Correspondence.choices, widget=forms.RadioSelect,
        # xgettext:no-python-format
        help_text=_("Uniquement en ligne: 5% de rabais sur les complémentaires éligibles "
                    "dès le mois suivant."))
    notify_channel = forms.ChoiceField(
        label=_("M'avertir quand du nouveau arrive"), choices=NotifyChannel.choices,
        help_text=_("Un court message sans contenu, au plus un par heure."))


class PasswordCheckMixin:
    """Sensitive changes ask for the password again."""

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data.get("password", "")
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Le mot de passe n'est pas correct."),
                                        code="password_incorrect")
        return password


class MobileForm(PasswordCheckMixin, forms.Form):
    mobile_phone = PhoneField(label=_("Nouveau numéro de mobile"), mobile_only=True,
                              help_text=_("Nous y envoyons un code à 6 chiffres."))
    password = forms.CharField(label=_("Votre mot de passe actuel"), strip=False,
                               widget=forms.PasswordInput(
                                   attrs={"autocomplete": "current-password"}))

    def clean_mobile_phone(self):
        number = self.cleaned_data["mobile_phone"]
        if number == self.user.mobile_phone:
            raise forms.ValidationError(_("C'est déjà votre numéro de mobile."),
                                        code="unchanged")
        return number


class MobileCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code reçu par SMS"), max_length=6, min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "pattern": "[0-9]{6}"}),
        error_messages={"min_length": _("Le code a 6 chiffres."),
                        "max_length": _("Le code a 6 chiffres.")})

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError(_("Le code a 6 chiffres."), code="format")
        return code
