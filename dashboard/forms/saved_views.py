"""Forms of saved views: save the list's current filters under a name, rename/share."""

from django import forms

from ..models import SavedView


class SavedViewForm(forms.Form):
    NAME_NEEDED = "Give the view a name (at most 80 characters)."
    name = forms.CharField(
        label="Name",
        max_length=80,
        strip=True,
        error_messages={"required": NAME_NEEDED, "max_length": NAME_NEEDED},
    )
    shared = forms.BooleanField(label="Share with the team", required=False)


class SaveViewForm(SavedViewForm):
    """From a list's toolbar: which list, and its filters (re-validated by the list's own
    filter form before anything is kept)."""

    kind = forms.ChoiceField(choices=SavedView.Kind.choices, widget=forms.HiddenInput)
    store = forms.SlugField(required=False, max_length=63, widget=forms.HiddenInput)
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])
