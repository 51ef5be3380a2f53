"""Fields and widgets the dashboard's forms share: dates, lists typed in a text box,
checkboxes in a disclosure."""

from __future__ import annotations

from django import forms


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ValuesInput(forms.TextInput):
    """A text box for a list parameter: `?tags=a&tags=b` shows as "a, b"; "a, b" sends both."""

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            values = data.getlist(name)
        else:
            value = data.get(name)
            values = value if isinstance(value, list) else ([value] if value else [])
        return ", ".join(v for v in values if v)

    def format_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return super().format_value(value)


class ValuesField(forms.CharField):
    """A comma-separated list ("vip, gift" -> ["vip", "gift"]): trimmed, without blanks
    or repeats. Used for every list typed in a text box (filters, tags of orders,
    customers and tickets)."""

    widget = ValuesInput

    def to_python(self, value):
        text = super().to_python(value)
        seen = []
        for part in text.split(","):
            part = part.strip()
            if part and part not in seen:
                seen.append(part)
        return seen

    def run_validators(self, value):
        # `max_length` limits the text typed, not the number of values.
        super().run_validators(", ".join(value))


class ChoicesDropdown(forms.CheckboxSelectMultiple):
    """Checkboxes, shown in a `<details>` disclosure (works without JavaScript)."""


NOT_A_STORE_USER = "Choose someone from the list: that person is not a user of this store."


def staff_choices(staff: list[dict] | None, *, current=None) -> list[tuple]:
    """The store's users by name (`selectors.tickets.store_staff_list`), and `current`
    (a ticket's assignee) when the store did not list them, so that it stays shown."""
    choices = [(member["id"], member["name"]) for member in staff or ()]
    if isinstance(current, int) and current > 0 and current not in {c[0] for c in choices}:
        choices.append((current, f"Store user #{current}"))
    return choices


class AssigneeField(forms.TypedChoiceField):
    """A ticket's assignee: one of the store's users, by name, or nobody ("Unassigned"),
    sent to the store as their id or null. The choices are set per form
    (`offer_staff`): they are the store's."""

    def __init__(self, *, empty_label: str = "Unassigned", **kwargs):
        self.empty_label = empty_label
        kwargs.setdefault("required", False)
        kwargs.setdefault("error_messages", {"invalid_choice": NOT_A_STORE_USER})
        super().__init__(coerce=int, empty_value=None, choices=[("", empty_label)], **kwargs)

    def offer_staff(self, staff: list[dict] | None, *, current=None) -> None:
        self.choices = [("", self.empty_label), *staff_choices(staff, current=current)]
