"""Forms of the new-order page: the order's own fields, its addresses and its lines.

Field names are the platform's where the data goes to the store (`line4` for the
city...), so the store's field errors land on the right field.
"""

from __future__ import annotations

import re
import uuid

from django import forms

from ..models import PhoneOrder
from .customers import clean_phone
from .fields import ValuesField

MAX_LINES = 50
RADIO = forms.RadioSelect(attrs={"class": "form-check-input"})
MAX_QUANTITY = 999


class AddressForm(forms.Form):
    """A new address (shipping or billing), as `CreateOrder` takes it."""

    first_name = forms.CharField(label="First name", max_length=255)
    last_name = forms.CharField(label="Last name", max_length=255)
    line1 = forms.CharField(label="Address", max_length=255)
    line2 = forms.CharField(label="Address line 2", max_length=255, required=False)
    line4 = forms.CharField(label="City", max_length=255)
    state = forms.CharField(label="State / region", max_length=255, required=False)
    postcode = forms.CharField(label="Postcode", max_length=64, required=False)
    country = forms.CharField(
        label="Country",
        min_length=2,
        max_length=2,
        help_text="Two-letter code, e.g. US, DE, TH.",
        widget=forms.TextInput(attrs={"autocomplete": "country", "size": 3}),
    )
    phone_number = forms.CharField(
        label="Phone", max_length=64, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )

    def clean_country(self):
        country = self.cleaned_data["country"].strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise forms.ValidationError("Enter a two-letter country code, e.g. US.")
        return country

    def clean_phone_number(self):
        return clean_phone(self.cleaned_data["phone_number"])

    def api_data(self) -> dict:
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}


def saved_address(address: dict) -> dict:
    """A customer's saved address as `CreateOrder` takes it."""
    keys = ["first_name", "last_name", "line1", "line2", "line3", "line4", "state", "postcode", "country"]
    data = {key: str(address.get(key) or "") for key in keys}
    data["phone_number"] = str(address.get("phone_number") or "")
    return {key: value for key, value in data.items() if value}


def address_choices(addresses: list[dict]) -> list[tuple[str, str]]:
    choices = []
    for address in addresses:
        parts = [
            f"{address.get('first_name') or ''} {address.get('last_name') or ''}".strip(),
            address.get("line1"),
            address.get("line4"),
            address.get("postcode"),
            address.get("country"),
        ]
        label = ", ".join(str(p) for p in parts if p)
        if address.get("is_default_for_shipping"):
            label += " (default)"
        choices.append((f"saved:{address.get('id')}", label))
    return [*choices, ("new", "A new address")]


class OrderForm(forms.Form):
    """The order's own fields; the customer, the lines and the addresses are parsed
    by the view from the same POST (see `parse_lines`)."""

    key = forms.UUIDField(widget=forms.HiddenInput)
    customer_id = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    shipping_code = forms.ChoiceField(label="Shipping", choices=[], required=False)
    shipping_choice = forms.ChoiceField(label="Ship to", choices=[], widget=RADIO, required=False)
    billing_same = forms.BooleanField(label="Billing address is the shipping address", required=False)
    billing_choice = forms.ChoiceField(label="Bill to", choices=[], widget=RADIO, required=False)
    tags = ValuesField(
        label="Tags",
        max_length=500,
        required=False,
        help_text="Comma separated, e.g. phone-order, gift.",
    )
    send_receipt = forms.BooleanField(label="E-mail the store's receipt to the customer", required=False)
    payment = forms.ChoiceField(
        label="Payment",
        choices=[
            (PhoneOrder.Payment.LINK, "Send a payment link (PayPal)"),
            (PhoneOrder.Payment.EXTERNAL, "Paid outside the store (cash, bank transfer…)"),
        ],
        widget=RADIO,
        initial=PhoneOrder.Payment.LINK,
    )
    external_method = forms.ChoiceField(label="Paid by", choices=PhoneOrder.ExternalMethod.choices, required=False)
    external_reference = forms.CharField(
        label="Reference",
        max_length=255,
        required=False,
        help_text="The transfer's reference, receipt or check number.",
    )

    def __init__(self, *args, shipping_methods=(), addresses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shipping_code"].choices = [(m.code, m.label) for m in shipping_methods]
        choices = address_choices(list(addresses))
        self.fields["shipping_choice"].choices = choices
        self.fields["billing_choice"].choices = choices

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        if len(tags) > 20 or any(len(tag) > 100 for tag in tags):
            raise forms.ValidationError("At most 20 tags of at most 100 characters.")
        return tags

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("payment") == PhoneOrder.Payment.EXTERNAL:
            if not cleaned.get("external_method"):
                self.add_error("external_method", "Say how the customer paid.")
            elif cleaned["external_method"] != PhoneOrder.ExternalMethod.CASH and not cleaned.get("external_reference"):
                self.add_error("external_reference", "Enter the payment's reference.")
        return cleaned


def new_key() -> uuid.UUID:
    return uuid.uuid4()


def parse_lines(data) -> tuple[list[tuple[int, int]], list[str]]:
    """The order lines from the POST: parallel `variant` and `quantity` values. The
    same variant twice is one line; quantities must be 1 to MAX_QUANTITY."""
    variants, quantities = data.getlist("variant"), data.getlist("quantity")
    lines: dict[int, int] = {}
    errors = []
    for index, raw in enumerate(variants[:MAX_LINES]):
        try:
            variant_id = int(raw)
        except (TypeError, ValueError):
            continue
        if variant_id <= 0:
            continue
        raw_quantity = quantities[index] if index < len(quantities) else "1"
        try:
            quantity = int(raw_quantity)
        except (TypeError, ValueError):
            errors.append(f"“{raw_quantity}” is not a quantity.")
            quantity = 1
        if not 1 <= quantity <= MAX_QUANTITY:
            errors.append(f"Quantities are 1 to {MAX_QUANTITY}.")
            quantity = min(max(quantity, 1), MAX_QUANTITY)
        lines[variant_id] = min(lines.get(variant_id, 0) + quantity, MAX_QUANTITY)
    return list(lines.items()), errors
