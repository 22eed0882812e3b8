from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from claims.models import ClaimKind
from core.uploads import MAX_PDF_PAGES, UploadRejected, ValidatedUpload, validate_upload

if TYPE_CHECKING:
    from accounts.models import Customer, InsuredPerson

MAX_FILES_PER_CLAIM = 10
MAX_PAGES_PER_CLAIM = MAX_PDF_PAGES
ACCEPT = "image/*,application/pdf,.heic,.heif"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; each one is checked by ``validate_upload`` in the form."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if data is None or data == []:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [item for item in items if item]


class ClaimUploadForm(forms.Form):
    insured_person: forms.ModelChoiceField[InsuredPerson] = forms.ModelChoiceField(
        label=_("Pour qui?"), queryset=None, empty_label=None,
    )
    kind = forms.ChoiceField(
        label=_("Type de justificatif"), choices=ClaimKind.choices,
        initial=ClaimKind.DOCTOR_INVOICE, widget=forms.RadioSelect,
    )
    pages = MultipleFileField(
        label=_("Prendre une photo"), required=False,
        help_text=_("Une photo par page, bien à plat et lisible. JPEG, PNG, HEIC ou PDF, "
                    "20 Mo au plus par fichier."),
        widget=MultipleFileInput(attrs={"accept": ACCEPT, "capture": "environment"}),
    )
    # The metaclass moves declared fields into ``base_fields``: ``self.files`` stays the
    # request's uploaded files, whatever the stubs infer from this class attribute.
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Ou choisir des fichiers (photos, PDF)"), required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
    )
    note = forms.CharField(
        label=_("Remarque"), required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, customer: Customer,
                 shared: Iterable[tuple[str, ValidatedUpload]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # ``self.fields`` holds copies of the declared fields, typed as plain ``Field``.
        insured_person = cast("forms.ModelChoiceField[InsuredPerson]",
                              self.fields["insured_person"])
        insured_person.queryset = customer.insured_persons.all()
        # Files shared from the phone (core.sharing), already validated when received.
        self.shared: list[tuple[str, ValidatedUpload]] = list(shared)
        self.uploads: list[tuple[str, ValidatedUpload]] = []
        self.file_errors: list[dict[str, str]] = []

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what ``Form.clean`` returns
        chosen = list(cleaned.get("pages") or []) + list(cleaned.get("files") or [])
        if not chosen and not self.shared:
            if not self.has_error("pages") and not self.has_error("files"):
                self.add_error("pages", _("Ajoutez au moins une photo ou un fichier."))
            return cleaned
        if len(chosen) + len(self.shared) > MAX_FILES_PER_CLAIM:
            self.add_error("pages", _("%(n)s fichiers au plus par envoi.")
                           % {"n": MAX_FILES_PER_CLAIM})
            return cleaned
        uploads = list(self.shared)
        for uploaded in chosen:
            name = (uploaded.name or "").rsplit("/", 1)[-1][:120]
            try:
                uploads.append((name, validate_upload(uploaded)))
            except UploadRejected as refused:
                message = _("« %(name)s » : %(reason)s") % {
                    "name": name, "reason": " ".join(refused.messages)}
                self.file_errors.append({"name": name, "message": str(message)})
                self.add_error("pages", message)
        if self.file_errors:
            return cleaned
        total_pages = sum(upload.page_count for _name, upload in uploads)
        if total_pages > MAX_PAGES_PER_CLAIM:
            self.add_error("pages", _("%(n)s pages au plus par envoi.")
                           % {"n": MAX_PAGES_PER_CLAIM})
            return cleaned
        self.uploads = uploads
        return cleaned
