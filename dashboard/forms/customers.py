"""The new-customer form (on its own page, and inline on the new-order page).

Field names are the platform's (`email`, `phone_number`...), so the store's field
errors land on the right field.
"""

from __future__ import annotations

import re

from django import forms

from .fields import ValuesField

LANGUAGES = [
    ("", "—"),
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
    ("it", "Italiano"),
    ("nl", "Nederlands"),
    ("pt", "Português"),
    ("sv", "Svenska"),
    ("no", "Norsk"),
    ("da", "Dansk"),
    ("fi", "Suomi"),
    ("th", "ภาษาไทย"),
]
PHONE_SEPARATORS = re.compile(r"[\s\-().]")
PHONE = re.compile(r"^\+?[0-9]{7,15}$")


def clean_phone(value: str) -> str:
    """Digits, optionally an international "+" first, with spaces, dashes, dots or
    parentheses between them; 7 to 15 digits."""
    value = (value or "").strip()
    if not value:
        return ""
    compact = PHONE_SEPARATORS.sub("", value)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not PHONE.match(compact) or (compact.lstrip("+").startswith("0") and compact.startswith("+")):
        raise forms.ValidationError("Enter a valid phone number, e.g. +1 212 555 0142.")
    return value


class CustomerForm(forms.Form):
    """A new customer: the fields `POST users/` takes."""

    email = forms.EmailField(label="E-mail address", max_length=254)
    first_name = forms.CharField(label="First name", max_length=255, required=False)
    last_name = forms.CharField(label="Last name", max_length=255, required=False)
    phone_number = forms.CharField(
        label="Phone", max_length=64, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    language = forms.ChoiceField(label="Language", choices=LANGUAGES, required=False)
    accepts_marketing = forms.BooleanField(label="Accepts marketing e-mails", required=False)
    tags = ValuesField(label="Tags", max_length=500, required=False, help_text="Comma separated.")

    def clean_phone_number(self):
        return clean_phone(self.cleaned_data["phone_number"])

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        if any(len(tag) > 100 for tag in tags):
            raise forms.ValidationError("A tag has at most 100 characters.")
        return tags

    def api_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["email"] = data["email"].strip()
        return data
