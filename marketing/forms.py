from django import forms
from django.utils.translation import gettext_lazy as _

from marketing.models import NOTE_MAX
from marketing.services.imports import MAX_BYTES


class SignupForm(forms.Form):
    """The store page's "news by email" form. The box is never ticked for the visitor."""

    email = forms.EmailField(label=_("Your email address"), max_length=254)
    agree = forms.BooleanField(
        label=_("I agree"), required=True, error_messages={"required": _("Tick the box to agree.")}
    )


class DetailsForm(forms.Form):
    """The seller's tags (comma separated) and private note on a contact."""

    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=900, help_text=_("Separate tags with commas: VIP, Reseller.")
    )
    note = forms.CharField(
        label=_("Private note"), required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )

    def tag_names(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["tags"].split(",") if name.strip()]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8, up to 2 MB and 5,000 rows."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload
