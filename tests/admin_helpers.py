"""Driving the Django admin from tests as a browser would."""

from django import forms
from django.urls import reverse

from catalog.admin.variant_forms import OptionsEditorWidget


def admin_url(model, view: str, *args) -> str:
    """``admin_url(Product, "change", pk)`` -> ``/admin/catalog/product/<pk>/change/``."""
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def form_data(response) -> dict:
    """POST data for an admin change form as the browser would send it back unchanged.

    The main form plus, for each inline, its management form and its existing rows.
    Add new inline rows with ``add_inline_row``.
    """
    data = {}

    def add(form):
        for name, field in form.fields.items():
            if isinstance(field, forms.FileField):
                continue
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(field, forms.BooleanField):
                if value:
                    data[key] = "on"
            elif isinstance(field.widget, forms.MultiWidget):
                for suffix, part in zip(field.widget.widgets_names, field.widget.decompress(value), strict=True):
                    data[f"{key}{suffix}"] = "" if part is None else str(part)
            elif isinstance(field.widget, OptionsEditorWidget):
                # The option editor's rows: names and values, in order.
                data[f"{key}-name"] = [str(name) for name in (value or {})]
                data[f"{key}-value"] = [str(item) for item in (value or {}).values()]
            elif isinstance(value, list | tuple):
                data[key] = [str(item) for item in value]
            elif value is not None:
                data[key] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.initial_forms:
            add(form)
        data[formset.management_form.add_prefix("TOTAL_FORMS")] = str(len(formset.initial_forms))
    return data
