"""Filter forms of the list pages, bound to `request.GET`.

Field names are the platform's query parameter names, so `form.upstream_params()` goes
to the store as it is and a filtered URL reads like the API's. The exports page and the
bulk actions (`forms.jobs`) reuse `OrderFilterForm` and `TicketFilterForm`:

    form = OrderFilterForm(request.GET)
    form.is_valid()
    params = form.upstream_params()    # {"status": ["open"], "date_placed_from": "2024-05-01", ...}
    form.chips(request.GET)            # the active filters, each with a URL that removes it

An invalid field is left out of the upstream parameters and shows its error in place;
the valid ones still apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django import forms
from django.http import QueryDict

from ..formatting import humanize_code
from .fields import (
    AssigneeField,
    ChoicesDropdown,
    FilterDateField,
    OrderNumberField,
    SearchField,
    SharedChoiceField,
    SharedMultipleChoiceField,
    SharedTypedChoiceField,
    ValuesField,
    ValuesInput,
)

ORDER_STATUSES = ["open", "archived", "canceled"]


PAYMENT_STATUSES = [
    "pending",
    "authorized",
    "expiring",
    "expired",
    "paid",
    "partially_paid",
    "partially_refunded",
    "refunded",
    "partially_voided",
    "voided",
]


FULFILLMENT_STATUSES = [
    "unfulfilled",
    "processing",
    "partially_fulfilled",
    "fulfilled",
    "on_hold",
    "incomplete",
    "rejected",
    "not_required",
]


TICKET_STATUSES = ["new", "open", "pending", "solved", "closed"]


TICKET_PRIORITIES = ["high", "medium", "low"]

YES_NO_ANY = [("", "Any"), ("true", "Yes"), ("false", "No")]


def _choices(codes):
    return [(code, humanize_code(code)) for code in codes]


@dataclass(frozen=True)
class Chip:
    label: str
    value: str
    remove_query: str  # the query string without this filter ("?a=b", or "" for none)


class FilterForm(forms.Form):
    """Base of the list filters: upstream parameters and removable chips."""

    # Filters not shown as chips (the tickets' status is shown by its tabs).
    chip_exclude: tuple[str, ...] = ()

    def clean(self):
        cleaned = super().clean()
        for start, end in getattr(self, "date_ranges", ()):
            a, b = cleaned.get(start), cleaned.get(end)
            if a and b and a > b:
                self.add_error(end, "The end date is before the start date.")
        return cleaned

    def valid_data(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}

    def upstream_params(self) -> dict:
        params = {}
        for name, value in self.valid_data().items():
            if value in (None, "", [], ()):
                continue
            if isinstance(value, date):
                params[name] = value.isoformat()
            elif isinstance(value, list | tuple):
                params[name] = list(value)
            else:
                params[name] = str(value)
        return params

    # The name the exports code (dashboard/jobs) asks for.
    def filter_params(self) -> dict:
        return self.upstream_params()

    @property
    def is_filtered(self) -> bool:
        return bool(self.upstream_params())

    def _display(self, name, value) -> str:
        field = self.fields[name]
        choices = {str(key): label for key, label in getattr(field, "choices", ()) or ()}
        return str(choices.get(str(value), value))

    def chips(self, query: QueryDict) -> list[Chip]:
        chips = []
        for name, value in self.upstream_params().items():
            if name in self.chip_exclude:
                continue
            label = self.fields[name].label or humanize_code(name)
            for single in value if isinstance(value, list) else [value]:
                remaining = query.copy()
                remaining.pop("cursor", None)
                if isinstance(value, list):
                    kept = [v for v in self._raw_values(query, name) if v != single]
                    remaining.setlist(name, kept)
                else:
                    remaining.pop(name, None)
                encoded = remaining.urlencode()
                chips.append(Chip(label, self._display(name, single), f"?{encoded}" if encoded else ""))
        return chips

    def _raw_values(self, query: QueryDict, name: str) -> list[str]:
        values = []
        for raw in query.getlist(name):
            values.extend(part.strip() for part in raw.split(",") if part.strip())
        return values


class OrderFilterForm(FilterForm):
    search_text = SearchField(
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Number, name, e-mail, phone"}),
    )
    status = SharedMultipleChoiceField(
        label="Status", required=False, choices=_choices(ORDER_STATUSES), widget=ChoicesDropdown
    )
    payment_status = SharedMultipleChoiceField(
        label="Payment", required=False, choices=_choices(PAYMENT_STATUSES), widget=ChoicesDropdown
    )
    fulfillment_status = SharedMultipleChoiceField(
        label="Fulfillment", required=False, choices=_choices(FULFILLMENT_STATUSES), widget=ChoicesDropdown
    )
    date_placed_from = FilterDateField(label="Placed from")
    date_placed_to = FilterDateField(label="Placed to")
    tags = ValuesField(
        label="Tags",
        required=False,
        max_length=500,
        widget=ValuesInput(attrs={"placeholder": "vip, gift"}),
        help_text="Comma separated; an order with any of them matches.",
    )
    is_test = SharedChoiceField(
        label="Test orders", required=False, choices=[("", "Any"), ("true", "Only test"), ("false", "No test")]
    )

    date_ranges = (("date_placed_from", "date_placed_to"),)


class CustomerFilterForm(FilterForm):
    email = forms.CharField(
        label="E-mail", required=False, max_length=254, widget=forms.TextInput(attrs={"type": "search"})
    )
    name = forms.CharField(
        label="Name", required=False, max_length=200, widget=forms.TextInput(attrs={"type": "search"})
    )
    date_joined_from = FilterDateField(label="Joined from")
    date_joined_to = FilterDateField(label="Joined to")
    accepts_marketing = SharedChoiceField(label="Accepts marketing", required=False, choices=YES_NO_ANY)
    is_blocked = SharedChoiceField(label="Blocked", required=False, choices=YES_NO_ANY)

    date_ranges = (("date_joined_from", "date_joined_to"),)


class TicketFilterForm(FilterForm):
    """The tickets inbox. `status` is the tab; the rest are the filters beside it.

    `assignee` and `ticket_type` are ids that mean something in one store only; the
    all-stores inbox uses `CrossStoreTicketFilterForm`, which leaves them out.
    """

    # The tab: shown as tabs, carried by the form as a hidden field.
    status = SharedChoiceField(
        label="Status", required=False, choices=[("", "All"), *_choices(TICKET_STATUSES)], widget=forms.HiddenInput
    )
    filter_text = SearchField(
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Ticket id, subject, e-mail"}),
    )
    # The platform's `order_number`: the tickets about one order.
    order_number = OrderNumberField(
        label="Order", widget=forms.TextInput(attrs={"type": "search", "placeholder": "e.g. #101950"})
    )
    priority = SharedChoiceField(label="Priority", required=False, choices=[("", "Any"), *_choices(TICKET_PRIORITIES)])
    assignee = AssigneeField(label="Assignee", empty_label="Anyone")
    ticket_type = SharedTypedChoiceField(label="Type", required=False, coerce=int, empty_value=None, choices=[])
    created_from = FilterDateField(label="Created from")
    created_to = FilterDateField(label="Created to")

    date_ranges = (("created_from", "created_to"),)
    chip_exclude = ("status",)

    def __init__(self, *args, ticket_types: list[dict] | None = None, staff: list[dict] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if "assignee" in self.fields:
            if staff is None:
                # The store's users could not be listed: accept an id so a bookmarked URL still works.
                self.fields["assignee"] = forms.IntegerField(
                    label="Assignee", required=False, min_value=1, widget=forms.HiddenInput
                )
            else:
                asked = self.data.get("assignee") if self.is_bound else None
                current = int(asked) if isinstance(asked, str) and asked.isdigit() and len(asked) < 12 else None
                self.fields["assignee"].offer_staff(staff, current=current)
        if "ticket_type" in self.fields:
            choices = [(t["id"], t.get("name") or f"Type {t['id']}") for t in ticket_types or [] if "id" in t]
            self.fields["ticket_type"].choices = [("", "Any"), *choices]
            if not choices:
                # The types could not be loaded: accept an id so a bookmarked URL still works.
                self.fields["ticket_type"] = forms.IntegerField(
                    label="Type", required=False, min_value=1, widget=forms.HiddenInput
                )


class StoresFilterMixin:
    """A `stores` filter for the all-stores pages: which of the operator's stores to ask."""

    def _add_stores_field(self, store_choices):
        self.fields["stores"] = forms.MultipleChoiceField(
            label="Stores", required=False, choices=list(store_choices), widget=ChoicesDropdown
        )

    def upstream_params(self) -> dict:
        params = super().upstream_params()
        params.pop("stores", None)
        return params

    def selected_stores(self) -> list[str]:
        return list(self.valid_data().get("stores") or [])

    def chips(self, query: QueryDict) -> list[Chip]:
        chips = super().chips(query)
        for subdomain in self.selected_stores():
            remaining = query.copy()
            remaining.pop("cursor", None)
            remaining.setlist("stores", [s for s in query.getlist("stores") if s != subdomain])
            encoded = remaining.urlencode()
            chips.append(Chip("Store", self._display("stores", subdomain), f"?{encoded}" if encoded else ""))
        return chips


class CrossStoreOrderFilterForm(StoresFilterMixin, OrderFilterForm):
    def __init__(self, *args, store_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._add_stores_field(store_choices)


class CrossStoreTicketFilterForm(StoresFilterMixin, TicketFilterForm):
    chip_exclude = ()

    def __init__(self, *args, store_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        # No tabs here: the status is a filter like the others.
        self.fields["status"].widget = forms.Select(choices=self.fields["status"].choices)
        del self.fields["assignee"]
        del self.fields["ticket_type"]
        self._add_stores_field(store_choices)


class AuditFilterForm(FilterForm):
    """The audit log's filters (Storedesk's own database, not the store)."""

    operator = forms.CharField(
        label="Operator", required=False, max_length=254, widget=forms.TextInput(attrs={"type": "search"})
    )
    action = SharedChoiceField(label="Action", required=False, choices=[])
    object_type = SharedChoiceField(label="Object", required=False, choices=[])
    object_id = SearchField(label="Object id", max_length=64)
    date_from = FilterDateField(label="From")
    date_to = FilterDateField(label="To")

    date_ranges = (("date_from", "date_to"),)

    def __init__(self, *args, actions=(), object_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Both lists come from the store's entries (a new kind of entry shows up by itself).
        self.fields["action"].choices = [("", "Any"), *[(a, a) for a in actions]]
        self.fields["object_type"].choices = [("", "Any"), *[(t, humanize_code(t)) for t in object_types]]


TRANSACTION_TYPES = [
    ("debit", "Sale / capture"),
    ("authorize", "Authorization"),
    ("refund", "Refund"),
    ("void", "Void"),
]
TRANSACTION_STATUSES = [("succeeded", "Succeeded"), ("failed", "Failed")]


class TransactionFilterForm(FilterForm):
    """The transactions list's filters: the platform's `/transactions/` parameters."""

    status = SharedChoiceField(label="Status", required=False, choices=[("", "Any"), *TRANSACTION_STATUSES])
    type = SharedChoiceField(label="Type", required=False, choices=[("", "Any"), *TRANSACTION_TYPES])
    payment_method = SharedChoiceField(
        label="Method",
        required=False,
        choices=[
            ("", "Any"),
            ("card_token", "Card"),
            ("paypal", "PayPal"),
            ("apple_pay", "Apple Pay"),
            ("google_pay", "Google Pay"),
            ("external", "External"),
        ],
    )
    date_created_from = FilterDateField(label="From")
    date_created_to = FilterDateField(label="To")
    amount_min = forms.DecimalField(label="Amount from", required=False, min_value=0, decimal_places=2)
    amount_max = forms.DecimalField(label="Amount to", required=False, min_value=0, decimal_places=2)
    is_external = SharedChoiceField(label="External", required=False, choices=YES_NO_ANY)
    external_id = forms.CharField(label="External id", required=False, max_length=255)

    date_ranges = (("date_created_from", "date_created_to"),)

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("amount_min"), cleaned.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", "The upper amount is below the lower one.")
        return cleaned


def filters_as_query(params: dict) -> list[tuple[str, str]]:
    """Filters (as saved on a job) back to query-string pairs, for links."""
    pairs = []
    for key, value in params.items():
        if key == "tags" and isinstance(value, list):
            pairs.append((key, ", ".join(value)))
        elif isinstance(value, list):
            pairs.extend((key, str(v)) for v in value)
        else:
            pairs.append((key, str(value)))
    return pairs
