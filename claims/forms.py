from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from claims.cost_guarantees import PlannedDateInPast
from claims.models import ClaimKind, WardClass
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
        uploads = validate_files(self, "pages", chosen, self.file_errors, list(self.shared))
        if uploads is not None:
            self.uploads = uploads
        return cleaned


def validate_files(form: forms.Form, field: str, chosen: Iterable[Any],
                   file_errors: list[dict[str, str]],
                   uploads: list[tuple[str, ValidatedUpload]] | None = None,
                   ) -> list[tuple[str, ValidatedUpload]] | None:
    """Each chosen file through ``validate_upload`` (by content: type, size, pages, active
    content), then the pages of the whole sending. The (name, upload) pairs, or None when a
    file or the total was refused: each refusal is an error of ``field`` naming the file,
    and is listed in ``file_errors``."""
    uploads = list(uploads or [])
    for uploaded in chosen:
        name = (uploaded.name or "").rsplit("/", 1)[-1][:120]
        try:
            uploads.append((name, validate_upload(uploaded)))
        except UploadRejected as refused:
            message = _("« %(name)s » : %(reason)s") % {
                "name": name, "reason": " ".join(refused.messages)}
            file_errors.append({"name": name, "message": str(message)})
            form.add_error(field, message)
    if file_errors:
        return None
    total_pages = sum(upload.page_count for _name, upload in uploads)
    if total_pages > MAX_PAGES_PER_CLAIM:
        form.add_error(field, _("%(n)s pages au plus par envoi.") % {"n": MAX_PAGES_PER_CLAIM})
        return None
    return uploads


# --- Cost guarantees ------------------------------------------------------------------------

NO_HOSPITAL_STAY = ""


class CostGuaranteeForm(forms.Form):
    """A cost guarantee request: for whom, where, when, what, and the doctor's documents
    (checked exactly as a claim's pages, ``validate_files``)."""

    insured_person: forms.ModelChoiceField[InsuredPerson] = forms.ModelChoiceField(
        label=_("Pour qui?"), queryset=None, empty_label=None,
    )
    provider_name = forms.CharField(
        label=_("Hôpital, clinique ou prestataire"), max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    provider_place = forms.CharField(
        label=_("Lieu"), max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    planned_date = forms.DateField(
        label=_("Date prévue"), input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Date invalide, p. ex. 14.03.2027.")},
    )
    treatment = forms.CharField(
        label=_("Motif ou traitement prévu"), max_length=1000,
        help_text=_("Par exemple: opération du genou (prothèse), 3 jours d'hospitalisation. "
                    "1000 caractères au plus."),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 1000}),
    )
    ward_class = forms.ChoiceField(
        label=_("Séjour à l'hôpital: division souhaitée"), required=False,
        initial=NO_HOSPITAL_STAY, widget=forms.RadioSelect,
        choices=[(NO_HOSPITAL_STAY, _("Pas de séjour à l'hôpital")), *WardClass.choices],
    )
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Documents du médecin"), required=False,
        help_text=_("Ordonnance, rapport ou devis: PDF ou photo (JPEG, PNG, HEIC), 20 Mo au "
                    "plus par fichier."),
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args: Any, customer: Customer, today: date | None = None,
                 kept: Iterable[tuple[str, ValidatedUpload]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Files of an earlier try of this form, kept while a field was corrected.
        self.kept: list[tuple[str, ValidatedUpload]] = list(kept)
        insured_person = cast("forms.ModelChoiceField[InsuredPerson]",
                              self.fields["insured_person"])
        insured_person.queryset = customer.insured_persons.all()
        self.today = today or timezone.localdate()
        self.fields["planned_date"].widget.attrs["min"] = self.today.isoformat()
        self.uploads: list[tuple[str, ValidatedUpload]] = []
        self.file_errors: list[dict[str, str]] = []

    def clean_planned_date(self) -> date:
        planned: date = self.cleaned_data["planned_date"]
        if planned < self.today:
            raise forms.ValidationError(str(PlannedDateInPast().message))
        return planned

    def clean(self) -> dict[str, Any]:
        super().clean()
        self.uploads = doctors_files(self, self.file_errors, kept=self.kept,
                                     none_chosen=_("Ajoutez au moins un document de votre "
                                                   "médecin."))
        return self.cleaned_data


def doctors_files(form: forms.Form, file_errors: list[dict[str, str]], *,
                  none_chosen: str | Promise,
                  kept: Iterable[tuple[str, ValidatedUpload]] = ()
                  ) -> list[tuple[str, ValidatedUpload]]:
    """The files of ``form``'s "files" field, each checked as a claim's page
    (``validate_files``), after the ``kept`` ones (already checked); none when one was
    refused, each refusal an error of the field."""
    chosen = list(form.cleaned_data.get("files") or [])
    kept = list(kept)
    if not chosen and not kept:
        if not form.has_error("files"):
            form.add_error("files", str(none_chosen))
        return []
    if len(chosen) + len(kept) > MAX_FILES_PER_CLAIM:
        form.add_error("files", _("%(n)s fichiers au plus par envoi.") % {"n": MAX_FILES_PER_CLAIM})
        return []
    return validate_files(form, "files", chosen, file_errors, kept) or []


class GuaranteeDocumentsForm(forms.Form):
    """More documents for a request the advisor asked information about."""

    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Documents du médecin"), required=False,
        help_text=_("PDF ou photo (JPEG, PNG, HEIC), 20 Mo au plus par fichier."),
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.uploads: list[tuple[str, ValidatedUpload]] = []
        self.file_errors: list[dict[str, str]] = []

    def clean(self) -> dict[str, Any]:
        super().clean()
        self.uploads = doctors_files(self, self.file_errors,
                                     none_chosen=_("Choisissez au moins un fichier."))
        return self.cleaned_data
