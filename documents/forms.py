from django import forms
from django.utils.translation import gettext_lazy as _

from documents.models import DocumentType


class DocumentFilterForm(forms.Form):
    """Filters of the list; every field optional, bad values answered with a message."""

    q = forms.CharField(label=_("Rechercher dans les titres"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}))
    type = forms.ChoiceField(label=_("Type"), required=False,
                             choices=[("", _("Tous les types"))] + DocumentType.choices)
    person = forms.TypedChoiceField(label=_("Personne assurée"), required=False, coerce=int,
                                    empty_value=None)
    year = forms.TypedChoiceField(label=_("Année"), required=False, coerce=int,
                                  empty_value=None)

    def __init__(self, *args, persons=(), years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", _("Toutes les personnes"))] + [
            (person.pk, f"{person.first_name} {person.last_name}") for person in persons
        ]
        self.fields["year"].choices = [("", _("Toutes les années"))] + [
            (year, str(year)) for year in years
        ]

    def filter(self, queryset):
        data = self.cleaned_data
        if data.get("type"):
            queryset = queryset.filter(type=data["type"])
        if data.get("person"):
            queryset = queryset.filter(insured_person_id=data["person"])
        if data.get("year"):
            queryset = queryset.filter(issue_date__year=data["year"])
        if data.get("q"):
            queryset = queryset.filter(title__icontains=data["q"])
        return queryset
