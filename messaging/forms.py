from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.sms import InvalidPhoneNumber, normalise_phone_number
from core.uploads import UploadRejected, ValidatedUpload, validate_upload

MAX_ATTACHMENTS = 5


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(
            attrs={"accept": "application/pdf,image/jpeg,image/png,image/heic,.heic"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def validated_attachments(files: list[Any]) -> list[tuple[str, ValidatedUpload]]:
    """The uploaded files checked as the customers' are (type, size, content), each with the
    name it was sent under; the first bad one is a form error naming it."""
    if len(files) > MAX_ATTACHMENTS:
        raise forms.ValidationError(
            _("Vous pouvez joindre au plus %(n)s fichiers.") % {"n": MAX_ATTACHMENTS})
    validated = []
    for uploaded in files:
        try:
            validated.append((uploaded.name, validate_upload(uploaded)))
        except UploadRejected as exc:
            raise forms.ValidationError(
                _("« %(name)s »: %(reason)s")
                % {"name": uploaded.name[:80], "reason": " ".join(exc.messages)}
            ) from exc
    return validated


def attachments_field() -> "MultipleFileField":
    return MultipleFileField(
        label=_("Pièces jointes"), required=False,
        help_text=_("Jusqu'à 5 fichiers PDF, JPEG, PNG ou HEIC, 20 Mo chacun."),
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Votre message"), max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    attachments = attachments_field()

    def clean_attachments(self) -> list[tuple[str, ValidatedUpload]]:
        return validated_attachments(self.cleaned_data.get("attachments") or [])


class NewThreadForm(MessageForm):
    subject = forms.CharField(label=_("Objet"), max_length=150)
    field_order = ["subject", "body", "attachments"]


class LoginHelpForm(forms.Form):
    name = forms.CharField(label=_("Nom et prénom"), max_length=120,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    contract_number = forms.CharField(
        label=_("Numéro de contrat ou de client"), max_length=20, required=False,
        help_text=_("Si vous le connaissez, p. ex. KPT12345678."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )
    birth_date = forms.DateField(
        label=_("Date de naissance"), help_text=_("Format jj.mm.aaaa"),
        widget=forms.TextInput(attrs={"autocomplete": "bday", "inputmode": "numeric",
                                      "placeholder": _("jj.mm.aaaa")}),
    )
    phone = forms.CharField(
        label=_("Téléphone où vous joindre"), max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    description = forms.CharField(
        label=_("Que s'est-il passé?"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("N'indiquez jamais votre mot de passe."),
    )

    def clean_birth_date(self) -> date:
        value = self.cleaned_data["birth_date"]
        if value > date.today() or value.year < 1900:
            raise forms.ValidationError(_("Vérifiez la date de naissance."))
        return value

    def clean_phone(self) -> str:
        try:
            return normalise_phone_number(self.cleaned_data["phone"])
        except InvalidPhoneNumber as exc:
            raise forms.ValidationError(
                _("Ce numéro de téléphone n'est pas valable, p. ex. 079 123 45 67.")) from exc

    def clean_contract_number(self) -> str:
        return self.cleaned_data["contract_number"].strip().upper()
