"""Forms of macros: the Macros page's form, and applying one to a ticket."""

from __future__ import annotations

from django import forms

from storeapi.models import Store

from ..formatting import humanize_code
from ..macro_text import VARIABLES, unknown_variables
from ..models import Macro
from .drawn import DrawnField
from .fields import ValuesField
from .filters import TICKET_PRIORITIES, TICKET_STATUSES

MOST_TAGS = 10
LONGEST_TAG = 50


class MacroForm(forms.ModelForm):
    """`stores`: the stores the operator manages, the only ones a macro may be put in
    (empty choice: all of them, an all-stores macro)."""

    store = forms.ModelChoiceField(
        label="Stores",
        queryset=Store.objects.none(),
        required=False,
        empty_label="All stores I manage",
    )
    kind = forms.ChoiceField(
        label="Sent as",
        choices=Macro.Kind.choices,
        initial=Macro.Kind.PUBLIC,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    status = forms.ChoiceField(
        label="Set status",
        required=False,
        choices=[("", "Leave as it is")] + [(s, humanize_code(s)) for s in TICKET_STATUSES],
    )
    priority = forms.ChoiceField(
        label="Set priority",
        required=False,
        choices=[("", "Leave as it is")] + [(p, humanize_code(p)) for p in TICKET_PRIORITIES],
    )
    tags = ValuesField(
        label="Add tags", required=False, max_length=500, help_text="Comma separated. Never removes a tag."
    )

    class Meta:
        model = Macro
        fields = ["name", "store", "kind", "body", "status", "priority", "tags"]
        labels = {"name": "Name", "body": "Reply"}
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = Store.objects.filter(pk__in=[s.pk for s in stores]).order_by(
            "name", "subdomain"
        )
        self.fields["store"].label_from_instance = lambda store: store.display_name
        self.fields["body"].help_text = "Variables such as {{ customer.first_name }}: see the list of variables."
        if self.instance.pk and not self.is_bound:
            self.initial["tags"] = ", ".join(self.instance.tags or [])

    def save(self, commit=True):
        # A list field left out of the POST would keep its old value (ModelForm skips
        # omitted fields that have a default): the form's list is the macro's, always.
        self.instance.tags = self.cleaned_data.get("tags") or []
        return super().save(commit=commit)

    def clean_body(self):
        body = self.cleaned_data["body"]
        unknown = unknown_variables(body)
        if unknown:
            raise forms.ValidationError(
                "Unknown variable%(s)s: %(names)s. The variables are: %(known)s.",
                code="unknown_variable",
                params={
                    "s": "s" if len(unknown) > 1 else "",
                    "names": ", ".join(f"{{{{ {name} }}}}" for name in unknown),
                    "known": ", ".join(VARIABLES),
                },
            )
        return body

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        if len(tags) > MOST_TAGS:
            raise forms.ValidationError(f"At most {MOST_TAGS} tags.", code="too_many")
        if any(len(tag) > LONGEST_TAG for tag in tags):
            raise forms.ValidationError(f"A tag has at most {LONGEST_TAG} characters.", code="too_long")
        return tags


class MacroApplyForm(forms.Form):
    """The preview as sent: the reply as the operator edited it, and the ticket's
    properties as the preview showed them (dashboard/forms/drawn.py)."""

    body = forms.CharField(label="Reply", max_length=20000, strip=True, widget=forms.Textarea(attrs={"rows": 8}))
    drawn = DrawnField(kind="ticket")
