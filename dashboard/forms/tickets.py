"""Forms of a ticket's page: reply (internal note or public reply), change its properties."""

from django import forms

from ..formatting import humanize_code
from .drawn import Drawn, DrawnField
from .fields import AssigneeField, ValuesField
from .filters import TICKET_PRIORITIES, TICKET_STATUSES


class TicketReplyForm(forms.Form):
    body = forms.CharField(label="Message", max_length=20000, strip=True, widget=forms.Textarea(attrs={"rows": 4}))
    # Set by the button pressed: "Add internal note" or "Send public reply". Without
    # one, a message stays internal: nothing reaches the customer by accident.
    visibility = forms.ChoiceField(
        choices=[("internal", "Internal note"), ("public", "Public reply")], required=False, widget=forms.HiddenInput
    )

    @property
    def is_public(self) -> bool:
        return self.cleaned_data.get("visibility") == "public"


class TicketPropertiesForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=[(s, humanize_code(s)) for s in TICKET_STATUSES])
    priority = forms.ChoiceField(label="Priority", choices=[(p, humanize_code(p)) for p in TICKET_PRIORITIES])
    assignee = AssigneeField(label="Assignee")  # the store's users: `offer_staff` in the view
    tags = ValuesField(label="Tags", required=False, max_length=500, help_text="Comma separated.")
    # The ticket's fields and `updated_at` as the form was drawn (dashboard/forms/drawn.py):
    # only what the operator changed from them is sent, and a change made meanwhile by a
    # colleague or the store is shown rather than overwritten (dashboard/services/edits.py).
    drawn = DrawnField(kind="ticket")

    # The ticket's fields this form edits, as the store names them.
    EDITS = ("status", "priority", "assignee", "tags")

    @classmethod
    def initial_from(cls, ticket: dict) -> dict:
        return {
            "status": ticket.get("status"),
            "priority": ticket.get("priority"),
            "assignee": ticket.get("assignee"),
            "tags": ", ".join(str(t) for t in ticket.get("tags") or []),
            "drawn": cls.drawn_of(ticket).token(),
        }

    @classmethod
    def drawn_of(cls, ticket: dict) -> Drawn:
        version = ticket.get("updated_at")
        return Drawn(
            kind="ticket",
            object_id=str(ticket.get("id")),
            values={name: ticket.get(name) for name in cls.EDITS},
            version=version if isinstance(version, str) else None,
        )
