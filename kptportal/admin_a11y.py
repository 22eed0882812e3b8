"""Labels for the admin's form inputs that Django leaves unnamed (WCAG 1.3.1 / 4.1.2, axe `label`).

- A tabular inline shows each field's label once, as a column header: the inputs below get an
  ``aria-label`` (the field's name), so a screen reader announces what each cell is.
- The "delete" checkbox of each inline row gets "Supprimer la ligne N".
- The split date/time widget renders two inputs behind one label without ``for``: each gets
  "<field> – date" / "<field> – heure".

Applied once to every ModelAdmin and inline (``install()`` from the admin's AppConfig), so the
admin classes of every app are covered without each of them knowing about it.
"""

from django.contrib import admin
from django.contrib.admin import widgets as admin_widgets
from django.utils.text import capfirst
from django.utils.translation import gettext as _

_installed = False


def _inner(widget):
    return widget.widget if isinstance(widget, admin_widgets.RelatedFieldWidgetWrapper) else widget


def label_widgets(model_admin, db_field, formfield):
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


def label_inline_rows(formset_class, *, tabular: bool):
    """Every row of an inline: the delete box named with its row; in a tabular inline, each
    input named after its column (also the fields a custom form declares itself)."""

    class LabelledFormSet(formset_class):
        def add_fields(self, form, index):
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

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return label_widgets(self, db_field, original(self, db_field, request, **kwargs))

    admin.options.BaseModelAdmin.formfield_for_dbfield = formfield_for_dbfield

    original_get_formset = admin.options.InlineModelAdmin.get_formset

    def get_formset(self, request, obj=None, **kwargs):
        return label_inline_rows(original_get_formset(self, request, obj, **kwargs),
                                 tabular=isinstance(self, admin.TabularInline))

    admin.options.InlineModelAdmin.get_formset = get_formset
    _installed = True
