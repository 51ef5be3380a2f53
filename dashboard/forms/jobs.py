"""Forms of the exports page and of the bulk actions.

The filters are the list pages' own (`forms.filters`): field names are the
platform's query parameters, and `upstream_params()` is what goes to the store. The
exports form and the bulk-orders form extend the orders list's `OrderFilterForm`, so
"Export these orders" and "all orders matching this filter" mean exactly what the list
shows; the bulk-tickets form extends the inbox's `TicketFilterForm`.
"""

from __future__ import annotations

import re
import uuid

from django import forms

from ..formatting import humanize_code
from ..jobs import columns as cols
from ..models import Job
from .fields import NOT_A_STORE_USER, SharedChoiceField, staff_choices
from .filters import TICKET_PRIORITIES, TICKET_STATUSES, FilterForm, OrderFilterForm, TicketFilterForm


class ListFiltersMixin:
    """For a form that extends a list's filter form with fields of its own (stores,
    action, ids, ...): `filter_params()` is only the list's filters, those of
    `list_filters`."""

    list_filters: type[FilterForm]

    def filter_params(self) -> dict:
        names = set(self.list_filters.base_fields)
        return {k: v for k, v in self.upstream_params().items() if k in names}


class IdempotencyKeyMixin(forms.Form):
    """A hidden key per rendered form: a repeated submit finds the job the first one made."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def clean_idempotency_key(self):
        key = self.cleaned_data.get("idempotency_key") or ""
        return key if re.fullmatch(r"[A-Za-z0-9_-]{0,64}", key) else ""


class ExportForm(ListFiltersMixin, IdempotencyKeyMixin, OrderFilterForm):
    list_filters = OrderFilterForm

    stores = forms.MultipleChoiceField(
        label="Stores",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"required": "Choose at least one store."},
    )
    resource = forms.ChoiceField(
        label="What to export",
        choices=[
            (Job.Resource.ORDERS, "Orders (one row per order)"),
            (Job.Resource.ORDER_LINES, "Order lines (one row per line)"),
        ],
        initial=Job.Resource.ORDERS,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    format = forms.ChoiceField(
        label="Format",
        choices=Job.Format.choices,
        initial=Job.Format.CSV,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    source = forms.ChoiceField(
        label="How",
        required=False,
        choices=Job.Source.choices,
        initial=Job.Source.API,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        help_text="The platform's own export takes a date range only (both dates), and has its own columns.",
    )
    columns = forms.MultipleChoiceField(
        label="Columns",
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text="Leave all unticked for the default set. Dates are in each store's timezone; money is a number "
        "with a currency column.",
    )

    field_order = ["stores", "resource", "format", "source"]

    def __init__(self, *args, stores=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed_stores = {s.subdomain: s for s in stores}
        for name in ("status", "payment_status", "fulfillment_status"):
            self.fields[name].widget.attrs["class"] = "form-check-input"
        self.fields["stores"].choices = [(s.subdomain, s.display_name) for s in stores]
        seen, choices = set(), []
        for resource in (Job.Resource.ORDERS, Job.Resource.ORDER_LINES):
            for key, label in cols.column_choices(resource):
                if key not in seen:
                    seen.add(key)
                    choices.append((key, label))
        self.fields["columns"].choices = choices
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
            if len(stores) == 1:
                self.initial.setdefault("stores", [stores[0].subdomain])

    def clean_source(self):
        return self.cleaned_data.get("source") or Job.Source.API

    def clean(self):
        data = super().clean()
        resource = data.get("resource")
        chosen = data.get("columns") or []
        if data.get("source") == Job.Source.PLATFORM:
            dates = ("date_placed_from", "date_placed_to")
            for name in dates:
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, "A platform export needs both dates.")
            others = [n for n in OrderFilterForm.base_fields if n not in dates and data.get(n)]
            if others:
                names = ", ".join(str(self.fields[n].label).lower() for n in others)
                self.add_error("source", f"A platform export filters by date only; clear: {names}.")
            data["columns"] = []
            return data
        if resource and chosen:
            valid = {c.key for c in cols.COLUMNS_BY_RESOURCE[resource]}
            data["columns"] = [c for c in chosen if c in valid]
            if not data["columns"]:
                self.add_error("columns", "None of these columns exist for this kind of export.")
        return data

    def chosen_stores(self) -> list:
        return [self.allowed_stores[s] for s in self.cleaned_data["stores"]]


def _parse_ids(raw: list[str], *, numeric: bool) -> list[str]:
    ids = []
    for chunk in raw:
        for value in re.split(r"[\s,]+", chunk or ""):
            if not value:
                continue
            if not re.fullmatch(r"[0-9]{1,20}" if numeric else r"[A-Za-z0-9_-]{1,64}", value):
                raise forms.ValidationError(f"“{value[:30]}” is not a valid id.")
            ids.append(value)
    return ids


class _BulkForm(ListFiltersMixin, IdempotencyKeyMixin):
    ids = forms.CharField(required=False, widget=forms.HiddenInput)
    all_matching = forms.BooleanField(required=False, label="All matching this filter")
    MAX_IDS = 10_000

    def __init__(self, data=None, *args, **kwargs):
        self._raw_ids = data.getlist("ids") if data is not None and hasattr(data, "getlist") else []
        if data is None:
            # Only shown, above the list (the list's filters go as hidden inputs drawn from
            # the page's filter form): a list page builds one on every view, and needs no
            # copy of the filter fields, only the form's own.
            self.base_fields = self._own_fields()
        super().__init__(data, *args, **kwargs)

    @classmethod
    def _own_fields(cls) -> dict:
        own = cls.__dict__.get("_own_fields_cache")
        if own is None:
            filters = cls.list_filters.base_fields
            own = {name: field for name, field in cls.base_fields.items() if name not in filters}
            cls._own_fields_cache = own
        return own

    def clean_ids(self):
        ids = _parse_ids(self._raw_ids or [self.cleaned_data.get("ids") or ""], numeric=True)
        if len(ids) > self.MAX_IDS:
            raise forms.ValidationError(f"At most {self.MAX_IDS} at once; use “all matching this filter”.")
        return ids

    def clean(self):
        data = super().clean()
        if not data.get("all_matching") and not data.get("ids") and "ids" not in self.errors:
            raise forms.ValidationError("Select at least one row, or “all matching this filter”.")
        return data


class BulkOrdersForm(_BulkForm, OrderFilterForm):
    list_filters = OrderFilterForm

    action = SharedChoiceField(
        choices=[(a, Job.Action(a).label) for a in (Job.Action.TAG_ADD, Job.Action.TAG_REMOVE, Job.Action.NOTE_ADD)]
    )
    value = forms.CharField(label="Tag or note", max_length=2000)

    def clean(self):
        data = super().clean()
        action, value = data.get("action"), (data.get("value") or "").strip()
        if action in (Job.Action.TAG_ADD, Job.Action.TAG_REMOVE) and (len(value) > 100 or "," in value):
            self.add_error("value", "A tag is at most 100 characters, without commas.")
        data["value"] = value
        return data


class BulkTicketsForm(_BulkForm, TicketFilterForm):
    """Set the status, priority or assignee of the selected tickets, or of every ticket
    matching the inbox's filters (its tab included).

    The toolbar offers one list of changes, grouped: "Set status" (New … Closed), "Set
    priority", "Assign to" (Unassigned and the store's users by name); its value is
    `change` ("ticket_status:solved", "ticket_assignee:12", "ticket_assignee:" for
    nobody). `action` and `value` may be sent instead, as before."""

    list_filters = TicketFilterForm
    ACTIONS = (Job.Action.TICKET_STATUS, Job.Action.TICKET_PRIORITY, Job.Action.TICKET_ASSIGNEE)

    change = SharedChoiceField(
        label="Change",
        required=False,
        choices=[],
        error_messages={"invalid_choice": "Choose a change from the list."},
        widget=forms.Select(attrs={"id": "bulk-tickets-change", "class": "form-select-sm w-auto"}),
    )
    action = SharedChoiceField(required=False, choices=[(a, Job.Action(a).label) for a in ACTIONS])
    value = forms.CharField(required=False, max_length=20)

    def __init__(self, *args, staff: list[dict] | None = None, **kwargs):
        super().__init__(*args, staff=staff, **kwargs)
        self.staff = staff
        # Without the store's users (they could not be listed), an id sent is offered as
        # it is; the store checks it on each ticket.
        sent = str(self.data.get("change") or "") if self.is_bound and staff is None else ""
        prefix = f"{Job.Action.TICKET_ASSIGNEE}:"
        current = sent[len(prefix) :] if sent.startswith(prefix) else ""
        current = int(current) if current.isdigit() and len(current) <= 12 else None
        people = [(prefix, "Unassigned")]
        people += [(f"{prefix}{key}", label) for key, label in staff_choices(staff, current=current)]
        self.fields["change"].choices = [
            ("", "Choose a change…"),
            ("Set status", [(f"ticket_status:{s}", humanize_code(s)) for s in TICKET_STATUSES]),
            ("Set priority", [(f"ticket_priority:{p}", humanize_code(p)) for p in TICKET_PRIORITIES]),
            ("Assign to", people),
        ]

    def clean(self):
        data = super().clean()
        if data.get("change"):
            action, _, value = data["change"].partition(":")
        else:
            action, value = data.get("action"), (data.get("value") or "").strip()
        if "change" in self.errors:
            pass
        elif not action:
            self.add_error("change", "Choose a change.")
        elif action == Job.Action.TICKET_STATUS and value not in TICKET_STATUSES:
            self.add_error("change", "Choose a ticket status.")
        elif action == Job.Action.TICKET_PRIORITY and value not in TICKET_PRIORITIES:
            self.add_error("change", "Choose a priority.")
        elif action == Job.Action.TICKET_ASSIGNEE and value and not self._assignable(value):
            self.add_error("change", NOT_A_STORE_USER)
        data["action"], data["value"] = action, value
        data["label"] = self._label(f"{action}:{value}") if not self.errors else ""
        return data

    def _label(self, change: str) -> str:
        """The chosen change's label in the list: "Solved", "High", a person's name."""
        for _group, options in self.fields["change"].choices[1:]:
            for key, label in options:
                if key == change:
                    return str(label)
        return ""

    def _assignable(self, value: str) -> bool:
        if not value.isdigit() or len(value) > 12:
            return False
        # The store's users could not be listed: the store itself checks each ticket.
        return self.staff is None or int(value) in {member["id"] for member in self.staff}
