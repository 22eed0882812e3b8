"""Labels for the admin's form inputs that Django leaves unnamed (WCAG 1.3.1 / 4.1.2, axe `label`).

- A tabular inline shows each field's label once, as a column header: the inputs below get an
  ``aria-label`` (the field's name), so a screen reader announces what each cell is.
- The "delete" checkbox of each inline row gets "Supprimer la ligne N".
- The split date/time widget renders two inputs behind one label without ``for``: each gets
  "<field> – date" / "<field> – heure".

Applied once to every ModelAdmin and inline (``install()`` from the admin's AppConfig), so the
admin classes of every app are covered without each of them knowing about it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib import admin
from django.contrib.admin import widgets as admin_widgets
from django.utils.text import capfirst
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django.db.models import Field, Model
    from django.forms import BaseFormSet, BaseInlineFormSet, Form, Widget
    from django.forms import Field as FormField
    from django.http import HttpRequest

_FormSetT = TypeVar("_FormSetT", bound="BaseFormSet[Any]")

_installed = False


def _inner(widget: Widget) -> Widget:
    return widget.widget if isinstance(widget, admin_widgets.RelatedFieldWidgetWrapper) else widget


def label_widgets(model_admin: admin.options.BaseModelAdmin[Any], db_field: Field[Any, Any],
                  formfield: FormField | None) -> FormField | None:
    if formfield is None:
        return formfield
    name = capfirst(formfield.label or db_field.verbose_name)
    widget = _inner(formfield.widget)
    if isinstance(widget, admin_widgets.AdminSplitDateTime):
        date_widget, time_widget = widget.widgets
        date_widget.attrs.setdefault("aria-label", _("%(field)s – date") % {"field": name})
        time_widget.attrs.setdefault("aria-label", _("%(field)s – heure") % {"field": name})
    elif isinstance(model_admin, admin.TabularInline):
        widget.attrs.setdefault("aria-label", str(name))
    return formfield


def label_inline_rows(formset_class: type[_FormSetT], *, tabular: bool) -> type[_FormSetT]:
    """Every row of an inline: the delete box named with its row; in a tabular inline, each
    input named after its column (also the fields a custom form declares itself)."""

    # The base is the admin's own formset, known only at run time.
    class LabelledFormSet(formset_class):  # type: ignore[misc, valid-type]
        def add_fields(self, form: Form, index: int | None) -> None:
            super().add_fields(form, index)
            if tabular:
                for field in form.fields.values():
                    widget = _inner(field.widget)
                    if field.label and not isinstance(widget, admin_widgets.AdminSplitDateTime):
                        widget.attrs.setdefault("aria-label", str(capfirst(field.label)))
            if "DELETE" in form.fields and index is not None:
                form.fields["DELETE"].widget.attrs["aria-label"] = (
                    _("Supprimer la ligne %(n)s") % {"n": index + 1})

    LabelledFormSet.__name__ = formset_class.__name__
    return LabelledFormSet


def install() -> None:
    global _installed
    if _installed:
        return
    original = admin.options.BaseModelAdmin.formfield_for_dbfield

    def formfield_for_dbfield(self: admin.options.BaseModelAdmin[Any], db_field: Field[Any, Any],
                              request: HttpRequest, **kwargs: Any) -> FormField | None:
        return label_widgets(self, db_field, original(self, db_field, request, **kwargs))

    # Patched on Django's base classes so that every app's admin classes get the labels.
    admin.options.BaseModelAdmin.formfield_for_dbfield = formfield_for_dbfield  # type: ignore[method-assign]

    original_get_formset = admin.options.InlineModelAdmin.get_formset

    def get_formset(self: admin.options.InlineModelAdmin[Any, Any], request: HttpRequest,
                    obj: Model | None = None,
                    **kwargs: Any) -> type[BaseInlineFormSet[Any, Any, Any]]:
        return label_inline_rows(original_get_formset(self, request, obj, **kwargs),
                                 tabular=isinstance(self, admin.TabularInline))

    admin.options.InlineModelAdmin.get_formset = get_formset  # type: ignore[method-assign]
    _installed = True
