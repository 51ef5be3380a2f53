"""The note form of orders and customers (a note is visible to the store's staff only)."""

from django import forms


class NoteForm(forms.Form):
    message = forms.CharField(
        label="Note",
        max_length=5000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Visible to the store's staff only"}),
    )
