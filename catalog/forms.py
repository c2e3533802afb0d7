from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, Store
from catalog.selectors import DEFAULT_SORT, SORTS, ProductFilters
from shop.fields import MoneyFormField, VerifiedImageFormField


class ProductFilterForm(forms.Form):
    """The product list's query string. Invalid values are reported, never a 500."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All categories"),
    )
    min_price = MoneyFormField(label=_("Min price"), required=False)
    max_price = MoneyFormField(label=_("Max price"), required=False)
    in_stock = forms.BooleanField(label=_("In stock only"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"), choices=[(key, label) for key, (label, _order) in SORTS.items()], required=False
    )

    def clean(self):
        data = super().clean()
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            self.add_error("max_price", _("The maximum price is below the minimum."))
        return data

    def to_filters(self, **fixed) -> ProductFilters:
        """Valid values become filters; invalid ones are dropped and listed in ``errors``."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if self.is_bound and not self.is_valid():
            data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        filters = ProductFilters(
            q=(data.get("q") or "").strip(),
            category=data.get("category"),
            min_price=data.get("min_price"),
            max_price=data.get("max_price"),
            in_stock=bool(data.get("in_stock")),
            sort=data.get("sort") or ("relevance" if (data.get("q") or "").strip() else DEFAULT_SORT),
            errors=dict(self.errors) if self.is_bound else {},
        )
        for name, value in fixed.items():
            setattr(filters, name, value)
        return filters


class OpenStoreForm(forms.ModelForm):
    logo = VerifiedImageFormField(label=_("Logo"), required=False)

    class Meta:
        model = Store
        fields = ["name", "slug", "description", "whatsapp", "logo"]
        labels = {"slug": _("Store address")}
        help_texts = {
            "slug": _(
                "Letters, numbers and hyphens; your store will live at /s/<address>/. Leave empty to use the name."
            ),
            "whatsapp": _("Optional. Shoppers can message you on WhatsApp."),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
