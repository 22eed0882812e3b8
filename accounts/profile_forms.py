"""Forms of the profile page: each validates one section and says clearly what is wrong."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Correspondence, NotifyChannel
from accounts.password_recheck import password_is_right, wrong_password_error
from core.iban import InvalidIban, payout_iban
from core.sms import InvalidPhoneNumber, is_mobile_number, normalise_phone_number

if TYPE_CHECKING:
    from accounts.models import User

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

    def clean_street(self) -> str:
        street = " ".join(self.cleaned_data["street"].split())
        if not STREET_RE.match(street):
            raise forms.ValidationError(_("Indiquez la rue et le numéro, p. ex. Rue du Lac 12."),
                                        code="street")
        return street

    def clean_postcode(self) -> str:
        return swiss_postcode(self.cleaned_data["postcode"])

    def clean_locality(self) -> str:
        locality = " ".join(self.cleaned_data["locality"].split())
        if len(locality) < 2 or not LOCALITY_RE.match(locality):
            raise forms.ValidationError(
                _("Indiquez la localité en lettres, p. ex. Lausanne ou La Chaux-de-Fonds."),
                code="locality")
        return locality

    def clean_effective_on(self) -> date:
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

    def __init__(self, *, mobile_only: bool = False, **kwargs: Any) -> None:
        self.mobile_only = mobile_only
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel",
                                                           "autocomplete": "tel"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
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

    cleaned_data: dict[str, Any]  # set by the form this is mixed into

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password", "")
        if not password_is_right(self.user, password):
            raise wrong_password_error(self.user, _("Le mot de passe n'est pas correct."),
                                       code="password_incorrect")
        return password


class MobileForm(PasswordCheckMixin, forms.Form):
    mobile_phone = PhoneField(label=_("Nouveau numéro de mobile"), mobile_only=True,
                              help_text=_("Nous y envoyons un code à 6 chiffres."))
    password = forms.CharField(label=_("Votre mot de passe actuel"), strip=False,
                               widget=forms.PasswordInput(
                                   attrs={"autocomplete": "current-password"}))

    def clean_mobile_phone(self) -> str:
        number = self.cleaned_data["mobile_phone"]
        if number == self.user.mobile_phone:
            raise forms.ValidationError(_("C'est déjà votre numéro de mobile."),
                                        code="unchanged")
        return number


HOLDER_RE = re.compile(r"^[^\W\d_]+(?:[ '’.,&\-/]+[^\W\d_]+)*\.?$")


class PayoutForm(PasswordCheckMixin, forms.Form):
    iban = forms.CharField(
        label=_("IBAN"), max_length=42,
        help_text=_("Un compte en Suisse ou au Liechtenstein, p. ex. CH56 0483 5012 3456 7800 "
                    "9."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                      "spellcheck": "false"}))
    holder = forms.CharField(
        label=_("Titulaire du compte"), max_length=70,
        help_text=_("Prénom et nom, comme la banque les connaît."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}))
    password = forms.CharField(label=_("Votre mot de passe actuel"), strip=False,
                               widget=forms.PasswordInput(
                                   attrs={"autocomplete": "current-password"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids: the mobile's form on the same page has a "password" field too.
        kwargs.setdefault("auto_id", "id_payout_%s")
        super().__init__(*args, **kwargs)

    def clean_iban(self) -> str:
        try:
            return payout_iban(self.cleaned_data["iban"])
        except InvalidIban as problem:
            raise forms.ValidationError(problem.message, code="iban") from None

    def clean_holder(self) -> str:
        holder = " ".join(self.cleaned_data["holder"].split())
        if len(holder) < 3 or not HOLDER_RE.match(holder):
            raise forms.ValidationError(
                _("Indiquez le prénom et le nom du ou de la titulaire, en lettres."),
                code="holder")
        return holder


class MobileCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code reçu par SMS"), max_length=6, min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "pattern": "[0-9]{6}"}),
        error_messages={"min_length": _("Le code a 6 chiffres."),
                        "max_length": _("Le code a 6 chiffres.")})

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError(_("Le code a 6 chiffres."), code="format")
        return code
