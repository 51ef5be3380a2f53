"""Fields and widgets the dashboard's forms share: dates, lists typed in a text box,
search boxes, order numbers, checkboxes in a disclosure."""

from __future__ import annotations

import copy
import re
from datetime import date

from django import forms


class SharedChoicesMixin:
    """A choice field whose choices every form instance shares, with its widget's. Django
    deep-copies each field of a form for every instance, and a choice field's choices
    twice (the field's, and the widget's, checked again one by one); a list page builds
    its filter form and its bulk form on every view, some forty choices between them.
    These choices are constants, and a form that needs others assigns new ones
    (`self.fields[name].choices = ...`), never changes them in place. What a form may
    change in place is still its own: the widget's attributes, the error messages and
    the validators (as `forms.Field.__deepcopy__` copies them)."""

    def __deepcopy__(self, memo):
        result = copy.copy(self)
        memo[id(self)] = result
        result.widget = copy.copy(self.widget)
        result.widget.attrs = self.widget.attrs.copy()
        result.error_messages = self.error_messages.copy()
        result.validators = self.validators[:]
        return result


class SharedChoiceField(SharedChoicesMixin, forms.ChoiceField):
    pass


class SharedTypedChoiceField(SharedChoicesMixin, forms.TypedChoiceField):
    pass


class SharedMultipleChoiceField(SharedChoicesMixin, forms.MultipleChoiceField):
    pass


# "#101950": a number as people write it (an order number, a ticket id).
_WITH_NUMBER_SIGN = re.compile(r"^#\s*(\d+)$")

# The days a date filter takes. A date picker lets a person type any year from 1 to
# 9999, but a day at either end of Python's calendar cannot be turned into the instants
# a filter needs (its end is the next day's midnight, in the store's time zone):
# `9999-12-31` overflowed into a 500 (issue 11). Nothing a store holds is outside this.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        attrs = {"min": EARLIEST_DAY.isoformat(), "max": LATEST_DAY.isoformat(), **(attrs or {})}
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class FilterDateField(forms.DateField):
    """A day of a date filter (lists, exports, bulk actions, the audit log): a day
    outside EARLIEST_DAY..LATEST_DAY is a form error, never a 500 further on."""

    widget = DateInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value and not EARLIEST_DAY <= value <= LATEST_DAY:
            # Short: it shows under the field, in a bar of filters.
            raise forms.ValidationError(
                "Enter a date from %(first)s to %(last)s.",
                code="out_of_range",
                params={"first": EARLIEST_DAY.year, "last": LATEST_DAY.year},
            )


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


def without_number_sign(text: str) -> str:
    """ "#101950" -> "101950"; any other text as it is."""
    match = _WITH_NUMBER_SIGN.match(text)
    return match.group(1) if match else text


class SearchField(forms.CharField):
    """A search box. "#101950" is searched as 101950: people copy an order number or a
    ticket id with its sign (the pages write them "#101950"), and the store's search
    does not know the sign."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)

    def to_python(self, value):
        return without_number_sign(super().to_python(value))


class OrderNumberField(SearchField):
    """One order number, with or without its sign ("#101950" or "101950")."""

    default_error_messages = {"invalid": "Enter an order number, like 101950."}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def to_python(self, value):
        number = super().to_python(value)
        if number and not number.isdigit():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


NOT_A_STORE_USER = "Choose someone from the list: that person is not a user of this store."


def staff_choices(staff: list[dict] | None, *, current=None) -> list[tuple]:
    """The store's users by name (`selectors.tickets.store_staff_list`), and `current`
    (a ticket's assignee) when the store did not list them, so that it stays shown."""
    choices = [(member["id"], member["name"]) for member in staff or ()]
    if isinstance(current, int) and current > 0 and current not in {c[0] for c in choices}:
        choices.append((current, f"Store user #{current}"))
    return choices


class AssigneeField(SharedTypedChoiceField):
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
