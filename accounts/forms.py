from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn, TypeAlias

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from two_factor.forms import AuthenticationTokenForm, BackupTokenForm

from accounts import delayed_reset, events
from accounts.lockout import refuse_if_locked
from accounts.password_recheck import password_is_right, wrong_password_error
from accounts.validators import normalise_contract_number
from audit import log as audit
from core.sms import InvalidPhoneNumber, is_mobile_number, normalise_phone_number

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django_otp.models import Device

    from accounts.models import User

    # What the mixin below goes in front of; two_factor ships no type information.
    _TokenFormBase: TypeAlias = AuthenticationTokenForm
else:
    _TokenFormBase = object

SIX_DIGITS = RegexValidator(r"^\d{6}$", _("Le code se compose de 6 chiffres."))
CODE_WIDGET_ATTRS = {
    "autocomplete": "one-time-code",
    "inputmode": "numeric",
    "pattern": "[0-9]*",
    "maxlength": "6",
    "autofocus": "autofocus",
    "class": "input-code",
}
SAME_MESSAGE_FOR_CONTRACT_AND_PASSWORD = _(
    "Le numéro de contrat online ou le mot de passe est incorrect. Attention aux majuscules "
    "et minuscules du mot de passe."
)


class _LockAwareAuthenticationForm(AuthenticationForm):
    """Refuses, with the way out, a login the lockout rules keep closed, before the password
    is even checked (``accounts.lockout``)."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username:
            refuse_if_locked(self.request, username)
            # A delayed new password whose time has come counts from this very attempt.
            delayed_reset.apply_due(username=username)
        return super().clean()

    def refuse_this_kind_of_account(self) -> NoReturn:
        """The right password of an account that does not log in here (an advisor on the
        customers' page, a customer on the staff page): a failed login like a wrong password,
        counted by the lockout, so neither the message nor the tries left tell that the
        password was right."""
        user_login_failed.send(sender=__name__, request=self.request,
                               credentials={"username": self.cleaned_data.get("username")})
        raise ValidationError(self.error_messages["invalid_login"], code="invalid_login")


class ContractAuthenticationForm(_LockAwareAuthenticationForm):
    """Step 1 of the customer login: online contract number and password."""

    username = forms.CharField(
        label=_("Numéro de contrat online"), max_length=40,
        help_text=_("KPT suivi de 8 chiffres, tel qu'il figure sur votre contrat online."),
        widget=forms.TextInput(attrs={"autofocus": True, "autocapitalize": "characters",
                                      "autocomplete": "username", "spellcheck": "false",
                                      "placeholder": "KPT12345678"}),
    )
    password = forms.CharField(
        label=_("Mot de passe"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": SAME_MESSAGE_FOR_CONTRACT_AND_PASSWORD,
        "inactive": SAME_MESSAGE_FOR_CONTRACT_AND_PASSWORD,
    }

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        # ``request`` by name: the login wizard passes it only to forms whose signature has it.
        super().__init__(request, *args, **kwargs)
        # Sent back with a contract number: the password is what to type again (its field
        # comes back empty), so it takes the focus, without JavaScript.
        if self.is_bound and self.data.get(self.add_prefix("username"), "").strip():
            self.fields["username"].widget.attrs.pop("autofocus", None)
            self.fields["password"].widget.attrs["autofocus"] = True

    def clean_username(self) -> str:
        return normalise_contract_number(self.cleaned_data["username"])

    def confirm_login_allowed(self, user: User) -> None:
        super().confirm_login_allowed(user)
        if not hasattr(user, "customer"):  # advisors log in at /staff/login/
            self.refuse_this_kind_of_account()


class StaffAuthenticationForm(_LockAwareAuthenticationForm):
    """Step 1 of the advisors' login to the admin."""

    error_messages = {
        "invalid_login": _("Identifiant ou mot de passe incorrect."),
        "inactive": _("Identifiant ou mot de passe incorrect."),
    }

    def confirm_login_allowed(self, user: User) -> None:
        super().confirm_login_allowed(user)
        if not user.is_staff:
            self.refuse_this_kind_of_account()


class _CountedTokenMixin(_TokenFormBase):
    """Every wrong code is audited; a code spent by 5 wrong tries counts as a failed login."""

    request: HttpRequest | None = None
    user: User

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except ValidationError:
            audit.record(events.CODE_FAILED, request=self.request, user=self.user)
            raise


def count_spent_code_as_failed_login(request: HttpRequest, user: User) -> None:
    """Tell django-axes, so guessing codes across logins locks the contract too."""
    user_login_failed.send(
        sender=__name__,
        credentials={"username": user.get_username(), "second_factor": True},
        request=request,
    )


class LoginCodeForm(_CountedTokenMixin, AuthenticationTokenForm):
    otp_token = forms.CharField(
        label=_("Code reçu par SMS"), min_length=6, max_length=6, validators=[SIX_DIGITS],
        widget=forms.TextInput(attrs=CODE_WIDGET_ATTRS),
    )
    otp_error_messages = {
        **AuthenticationTokenForm.otp_error_messages,
        "invalid_token": _("Ce code n'est pas valable. Vérifiez le dernier SMS reçu ou "
                           "demandez un nouveau code."),
    }

    def __init__(self, user: User, initial_device: Device | None,
                 request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(user, initial_device, **kwargs)
        self.request = request


class AuthenticatorCodeForm(LoginCodeForm):
    otp_token = forms.CharField(
        label=_("Code de l'application"), min_length=6, max_length=6, validators=[SIX_DIGITS],
        widget=forms.TextInput(attrs=CODE_WIDGET_ATTRS),
    )


class LoginBackupCodeForm(_CountedTokenMixin, BackupTokenForm):
    otp_token = forms.CharField(label=_("Code de secours"), max_length=16,
                                widget=forms.TextInput(attrs={"autocomplete": "off",
                                                              "spellcheck": "false"}))

    def __init__(self, user: User, initial_device: Device | None,
                 request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(user, initial_device, **kwargs)
        self.request = request


class RegistrationForm(forms.Form):
    """An existing customer asks for an online contract (sent by post)."""

    customer_number = forms.RegexField(
        label=_("Numéro de client"), regex=r"^\d{6,12}$", max_length=12,
        help_text=_("Il figure en haut à droite de votre police d'assurance."),
        error_messages={"invalid": _("Le numéro de client se compose de 6 à 12 chiffres.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    birth_date = forms.DateField(
        label=_("Date de naissance de la personne titulaire de la police"),
        help_text=_("Format jj.mm.aaaa"),
        widget=forms.DateInput(attrs={"autocomplete": "bday", "placeholder": _("jj.mm.aaaa")}),
    )
    postcode = forms.RegexField(
        label=_("NPA de votre domicile"), regex=r"^\d{4}$", max_length=4,
        error_messages={"invalid": _("Le NPA se compose de 4 chiffres.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )


class NewPasswordMixin(forms.Form):
    new_password1 = forms.CharField(
        label=_("Nouveau mot de passe"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Au moins 10 caractères; évitez les mots de passe courants ou proches "
                    "de vos données personnelles."),
    )
    new_password2 = forms.CharField(
        label=_("Confirmer le nouveau mot de passe"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class ActivationForm(forms.Form):
    """Activation with the code from the letter: password and mobile number."""

    contract_number = forms.CharField(label=_("Numéro de contrat online"), max_length=40)
    activation_code = forms.CharField(
        label=_("Code d'activation"), max_length=20,
        help_text=_("Le code imprimé sur votre lettre d'activation."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    mobile_phone = forms.CharField(
        label=_("Numéro de mobile"), max_length=20,
        help_text=_("Vous y recevrez un code à chaque connexion."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel",
                                      "placeholder": "079 123 45 67"}),
    )

    def clean_contract_number(self) -> str:
        return normalise_contract_number(self.cleaned_data["contract_number"])

    def clean_activation_code(self) -> str:
        return self.cleaned_data["activation_code"].replace(" ", "").replace("-", "").upper()

    def clean_mobile_phone(self) -> str:
        try:
            number = normalise_phone_number(self.cleaned_data["mobile_phone"])
        except InvalidPhoneNumber as exc:
            raise ValidationError(_("Ce numéro de mobile n'est pas valable."),
                                  code="phone") from exc
        if not is_mobile_number(number):
            raise ValidationError(_("Ce numéro n'est pas un numéro de mobile: il doit pouvoir "
                                    "recevoir des SMS."), code="not_mobile")
        return number


class PortalSetPasswordForm(SetPasswordForm):
    """Django's set-password form (with the validators) and our labels."""

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].label = _("Nouveau mot de passe")
        self.fields["new_password2"].label = _("Confirmer le nouveau mot de passe")


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code reçu par SMS"), min_length=6, max_length=6,
                           validators=[SIX_DIGITS],
                           widget=forms.TextInput(attrs=CODE_WIDGET_ATTRS))


class PasswordResetRequestForm(forms.Form):
    contract_number = forms.CharField(
        label=_("Numéro de contrat online"), max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "characters",
                                      "placeholder": "KPT12345678"}),
    )
    birth_date = forms.DateField(
        label=_("Date de naissance"), help_text=_("Format jj.mm.aaaa"),
        widget=forms.DateInput(attrs={"autocomplete": "bday", "placeholder": _("jj.mm.aaaa")}),
    )

    def clean_contract_number(self) -> str:
        return normalise_contract_number(self.cleaned_data["contract_number"])


class ConfirmPasswordForm(forms.Form):
    """Sensitive changes ask for the password again."""

    password = forms.CharField(
        label=_("Votre mot de passe actuel"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        if not password_is_right(self.user, self.cleaned_data["password"]):
            raise wrong_password_error(self.user, _("Le mot de passe n'est pas correct."),
                                       code="password")
        return self.cleaned_data["password"]


class PortalPasswordChangeForm(PasswordChangeForm):
    """Django's password change, its current password checked within the hour's budget."""

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        if not password_is_right(self.user, old_password):
            raise wrong_password_error(self.user, self.error_messages["password_incorrect"],
                                       code="password_incorrect")
        return old_password


class AuthenticatorSetupForm(ConfirmPasswordForm):
    code = forms.CharField(label=_("Code affiché par l'application"), min_length=6,
                           max_length=6, validators=[SIX_DIGITS],
                           widget=forms.TextInput(attrs={**CODE_WIDGET_ATTRS, "autofocus": False}))


class PasskeyTokenForm(AuthenticationTokenForm):
    """The login's second step with a passkey: the browser's signed answer, from
    static/js/passkeys.js, checked by ``accounts.passkeys.confirm_login``."""

    otp_token = forms.CharField(
        required=False, max_length=20_000,
        widget=forms.HiddenInput(attrs={"data-passkey-response": ""}))

    def __init__(self, user: User, initial_device: Device | None,
                 request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(user, initial_device, **kwargs)
        self.request = request

    def clean(self) -> dict[str, Any]:
        from accounts import passkeys

        answer = self.cleaned_data.get("otp_token")
        if not answer or self.request is None:
            raise ValidationError(_("Votre navigateur n'a pas pu utiliser la clé d'accès. "
                                    "Réessayez, ou choisissez un autre moyen ci-dessous."),
                                  code="no_answer")
        try:
            device = passkeys.confirm_login(self.request, self.user, answer)
        except passkeys.PasskeyError as problem:
            raise ValidationError(problem.message, code="passkey") from None
        self.user.otp_device = device
        return self.cleaned_data


class PasskeyNameField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Nom de la clé d'accès"))
        kwargs.setdefault("help_text", _("Pour la reconnaître, p. ex. « iPhone de Anna »."))
        kwargs.setdefault("error_messages", {"required": _("Donnez un nom à cette clé d'accès.")})
        super().__init__(max_length=200, **kwargs)
        self.widget.attrs.update({"autocomplete": "off", "maxlength": "64"})

    def clean(self, value: Any) -> str:
        from accounts.passkeys import clean_name

        return clean_name(super().clean(value) or "")


class PasskeyAddForm(ConfirmPasswordForm):
    """Adding a passkey asks for the password again, as the other second factors do."""

    name = PasskeyNameField()
    field_order = ["name", "password"]


class PasskeyRenameForm(forms.Form):
    name = PasskeyNameField(help_text="")
