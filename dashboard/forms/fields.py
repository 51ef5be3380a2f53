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
