from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from policies.contract_changes import MODEL_HINTS, deductible_text, model_label


class ChangeForm(forms.Form):
    """Next year's model and deductible, among those open today."""

    model = forms.ChoiceField(label=_("Modèle d'assurance"), widget=forms.RadioSelect,
                              error_messages={"invalid_choice": _(
                                  "Ce modèle ne peut plus être choisi pour le 1er janvier.")})
    deductible = forms.TypedChoiceField(label=_("Franchise annuelle"), coerce=int,
                                        widget=forms.RadioSelect,
                                        error_messages={"invalid_choice": _(
                                            "Cette franchise ne peut pas être choisie pour "
                                            "le 1er janvier.")})

    def __init__(self, *args: Any, deductibles: tuple[int, ...], models: tuple[str, ...],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_field = cast(forms.ChoiceField, self.fields["model"])
        deductible_field = cast(forms.TypedChoiceField, self.fields["deductible"])
        model_field.choices = [(code, model_label(code)) for code in models]
        deductible_field.choices = [
            (amount, deductible_text(amount)) for amount in deductibles]

    def model_options(self) -> list[tuple[Any, str]]:
        """Each model's radio with a line saying what it means."""
        return [(radio, str(MODEL_HINTS.get(radio.data["value"], "")))
                for radio in self["model"]]
