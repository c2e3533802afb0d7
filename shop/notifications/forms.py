"""The notification settings form: email and in-app switches per optional kind, and the
language of the emails. Kinds sharing a ``group`` share one row (and one pair of switches)."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from shop.models import User
from shop.notifications import kinds
from shop.notifications.selectors import current_choices


@dataclass
class SettingRow:
    key: str
    label: str
    kinds: list[kinds.Kind]
    email_field: str
    in_app_field: str
    emails: bool  # whether any kind of the row sends email at all


def setting_rows() -> list[SettingRow]:
    """The optional kinds, one row per settings group (or per kind without one), in
    registration order."""
    rows: dict[str, SettingRow] = {}
    for kind in kinds.optional_kinds():
        key = kind.group or kind.name
        if key not in rows:
            rows[key] = SettingRow(
                key=key,
                label=str(kind.label),
                kinds=[],
                email_field=f"email__{key}",
                in_app_field=f"in_app__{key}",
                emails=False,
            )
        rows[key].kinds.append(kind)
        rows[key].emails = rows[key].emails or kind.emails
    return list(rows.values())


def _language_choices():
    return [(code, name) for code, name in settings.LANGUAGES]


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of your emails"), choices=_language_choices)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.rows = setting_rows()
        choices = current_choices(user=user)
        available = {code for code, _name in settings.LANGUAGES}
        self.fields["language"].initial = user.language if user.language in available else get_language()
        for row in self.rows:
            first = choices[row.kinds[0].name]
            self.fields[row.email_field] = forms.BooleanField(
                label=_("Email"), required=False, initial=first["email"], disabled=not row.emails
            )
            self.fields[row.in_app_field] = forms.BooleanField(
                label=_("In the app"), required=False, initial=first["in_app"]
            )
            row.email_bound = self[row.email_field]
            row.in_app_bound = self[row.in_app_field]

    def kind_choices(self) -> dict[str, dict[str, bool]]:
        """What ``services.set_preferences`` takes, from the cleaned data."""
        choices = {}
        for row in self.rows:
            wanted = {
                "email": bool(self.cleaned_data.get(row.email_field)),
                "in_app": bool(self.cleaned_data.get(row.in_app_field)),
            }
            for kind in row.kinds:
                choices[kind.name] = wanted
        return choices
