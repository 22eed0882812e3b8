from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from documents.access import types_named
from documents.models import DocumentType

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import InsuredPerson
    from documents.models import Document

_Documents = TypeVar("_Documents", bound="QuerySet[Document]")


class DocumentFilterForm(forms.Form):
    """Filters of the list; every field optional, bad values answered with a message."""

    q = forms.CharField(label=_("Rechercher (titre ou type)"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}))
    type = forms.ChoiceField(label=_("Type"), required=False,
                             choices=[("", _("Tous les types"))] + DocumentType.choices)
    person = forms.TypedChoiceField(label=_("Personne assurée"), required=False, coerce=int,
                                    empty_value=None)
    year = forms.TypedChoiceField(label=_("Année"), required=False, coerce=int,
                                  empty_value=None)

    def __init__(self, *args: Any, persons: Iterable[InsuredPerson] = (),
                 years: Iterable[int] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # self.fields holds copies of the fields declared above, typed only as Field.
        person_field = cast(forms.TypedChoiceField, self.fields["person"])
        year_field = cast(forms.TypedChoiceField, self.fields["year"])
        person_field.choices = [("", _("Toutes les personnes"))] + [
            (person.pk, f"{person.first_name} {person.last_name}") for person in persons
        ]
        year_field.choices = [("", _("Toutes les années"))] + [
            (year, str(year)) for year in years
        ]

    def filter(self, queryset: _Documents) -> _Documents:
        data = self.cleaned_data
        if data.get("type"):
            queryset = queryset.filter(type=data["type"])
        if data.get("person"):
            queryset = queryset.filter(insured_person_id=data["person"])
        if data.get("year"):
            queryset = queryset.filter(issue_date__year=data["year"])
        if data.get("q"):
            # "attestation fiscale" finds a German household's "Steuerbescheinigung 2025":
            # a type is found by its name in any of the portal's languages.
            found = Q(title__icontains=data["q"])
            types = types_named(data["q"])
            queryset = queryset.filter(found | Q(type__in=types) if types else found)
        return queryset


class TaxCertificateRequestForm(forms.Form):
    """The year of a tax certificate, among the past years with data."""

    year = forms.TypedChoiceField(
        label=_("Année"), coerce=int, empty_value=None,
        error_messages={"invalid_choice": _("Choisissez une des années de la liste."),
                        "required": _("Choisissez une année.")})

    def __init__(self, *args: Any, years: Iterable[int] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["year"])
        field.choices = [(year, str(year)) for year in years]
