"""Checkout's HTML forms: they parse and validate input; every rule that decides what is
charged lives in ``checkout.services`` and ``checkout.pricing``."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from checkout.models import PROVINCE_CHOICES, Address, PaymentMethod
from shop.fields import VerifiedImageFormField

# --- Addresses ------------------------------------------------------------------------------


class AddressForm(forms.ModelForm):
    """An address book entry. It checks the input; ``services.create_address`` and
    ``update_address`` save it (and normalise the phone number)."""

    # Longer than the stored number: people type spaces and dashes, which clean_phone drops.
    phone = forms.CharField(
        label=capfirst(Address._meta.get_field("phone").verbose_name),
        max_length=24,
        help_text=_("A mobile number the courier can call, for example 0812 3456 7890 or +62 812 3456 7890."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    make_default = forms.BooleanField(label=_("Use as my default address"), required=False)

    class Meta:
        model = Address
        fields = ["label", "recipient", "phone", "street", "district", "city", "province", "postal_code"]
        help_texts = {
            "street": _("Street, house number, RT/RW, building or landmark."),
        }
        widgets = {
            "label": forms.TextInput(attrs={"placeholder": _("Home"), "autocomplete": "off"}),
            "recipient": forms.TextInput(attrs={"autocomplete": "name"}),
            "street": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "district": forms.TextInput(attrs={"autocomplete": "address-level3"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "province": forms.Select(attrs={"autocomplete": "address-level1"}),
            "postal_code": forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [("", _("Choose a province")), *PROVINCE_CHOICES]
        if self.instance.pk and self.instance.is_default:
            del self.fields["make_default"]  # already the default; another one takes over by being chosen

    def clean_phone(self) -> str:
        # People write numbers with spaces, dashes and dots: keep the digits (and a leading +).
        phone = self.cleaned_data.get("phone", "")
        return "".join(ch for ch in phone if ch.isdigit() or ch == "+")

    def clean_postal_code(self) -> str:
        return self.cleaned_data.get("postal_code", "").strip()

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}

    def add_service_error(self, error) -> None:
        """Put a service's ``ValidationError`` on the fields it names (or on the form)."""
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


# --- Checkout and orders --------------------------------------------------------------------


class CheckoutForm(forms.Form):
    """What "Place order" posts. No price or total: the server computes them; the digest only
    says which quote the shopper saw, so a changed one is refused rather than charged."""

    address = forms.ModelChoiceField(
        label=_("Ship to"),
        queryset=Address.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a shipping address."),
            "invalid_choice": _("Choose one of your addresses."),
        },
    )
    discount_code = forms.CharField(label=_("Discount code"), required=False, max_length=30)
    payment_method = forms.ChoiceField(
        label=_("Payment method"),
        choices=PaymentMethod.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a payment method."),
            "invalid_choice": _("Choose a payment method."),
        },
    )
    note = forms.CharField(
        label=_("Note to the sellers"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
    idempotency_key = forms.CharField(
        max_length=64,
        widget=forms.HiddenInput,
        error_messages={"required": _("Missing checkout key; reload the page.")},
    )
    quote_digest = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address"].queryset = Address.objects.filter(user=user)

    def add_service_error(self, error) -> None:
        """Put a service's ``ValidationError`` on the fields it names (or on the form)."""
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


class TransferProofForm(forms.Form):
    image = VerifiedImageFormField(
        label=_("Proof of transfer"),
        help_text=_("A photo or screenshot of the transfer receipt (JPEG, PNG or WebP)."),
        error_messages={"required": _("Choose the picture of your transfer receipt.")},
    )
