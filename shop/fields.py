"""Model and form fields shared by the apps: money in minor units, verified images."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.images import verify_image
from shop.money import currency_exponent, to_major, to_minor


class MoneyFormField(forms.DecimalField):
    """Shows and accepts an amount in major units (rupiah); cleans to minor units (sen)."""

    def __init__(self, *args, **kwargs):
        kwargs.pop("max_digits", None)
        kwargs.pop("decimal_places", None)
        kwargs.setdefault("min_value", Decimal(0))
        super().__init__(*args, max_digits=17, decimal_places=currency_exponent(), **kwargs)
        self.widget.attrs.setdefault("step", "any")

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            major = to_major(value)
            return major.quantize(Decimal(1)) if major == major.to_integral_value() else major
        return value

    def clean(self, value):
        major = super().clean(value)
        if major is None:
            return None
        try:
            return to_minor(major)
        except ValueError as exc:
            raise ValidationError(_("Enter a valid amount."), code="invalid") from exc

    def has_changed(self, initial, data):
        return super().has_changed(self.prepare_value(initial), data)


class MoneyField(models.BigIntegerField):
    """An amount in the site currency's minor unit. Forms show it in major units."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": MoneyFormField, **kwargs})


class VerifiedImageFormField(forms.ImageField):
    """An image field that accepts only verified JPEG/PNG/WebP and returns a re-encoded copy."""

    default_error_messages = {
        "invalid_image": _(
            "This file is not a JPEG, PNG or WebP image. Please upload a photo in one of those formats."
        ),
    }

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        return verify_image(upload)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.FileInput) and "accept" not in widget.attrs:
            attrs["accept"] = "image/jpeg,image/png,image/webp"
        return attrs


class VerifiedImageField(models.ImageField):
    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": VerifiedImageFormField, **kwargs})
