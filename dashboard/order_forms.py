"""Forms of the new-customer and new-order pages, and the transactions list's filters.

Field names are the platform's where the data goes to the store (`email`,
`phone_number`, `line4` for the city...), so the store's field errors land on the
right field.
"""

from __future__ import annotations

import re
import uuid

from django import forms

from .filters import YES_NO_ANY, DateInput, FilterForm, ValuesField
from .models import PhoneOrder
from .services.phone_orders import EXTERNAL_METHODS

LANGUAGES = [
    ("", "—"),
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
    ("it", "Italiano"),
    ("nl", "Nederlands"),
    ("pt", "Português"),
    ("sv", "Svenska"),
    ("no", "Norsk"),
    ("da", "Dansk"),
    ("fi", "Suomi"),
    ("th", "ภาษาไทย"),
]
PHONE_SEPARATORS = re.compile(r"[\s\-().]")
PHONE = re.compile(r"^\+?[0-9]{7,15}$")
MAX_LINES = 50
RADIO = forms.RadioSelect(attrs={"class": "form-check-input"})
MAX_QUANTITY = 999


def clean_phone(value: str) -> str:
    """Digits, optionally an international "+" first, with spaces, dashes, dots or
    parentheses between them; 7 to 15 digits."""
    value = (value or "").strip()
    if not value:
        return ""
    compact = PHONE_SEPARATORS.sub("", value)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not PHONE.match(compact) or (compact.lstrip("+").startswith("0") and compact.startswith("+")):
        raise forms.ValidationError("Enter a valid phone number, e.g. +1 212 555 0142.")
    return value


class CustomerForm(forms.Form):
    """A new customer: the fields `POST users/` takes."""

    email = forms.EmailField(label="E-mail address", max_length=254)
    first_name = forms.CharField(label="First name", max_length=255, required=False)
    last_name = forms.CharField(label="Last name", max_length=255, required=False)
    phone_number = forms.CharField(
        label="Phone", max_length=64, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    language = forms.ChoiceField(label="Language", choices=LANGUAGES, required=False)
    accepts_marketing = forms.BooleanField(label="Accepts marketing e-mails", required=False)
    tags = ValuesField(label="Tags", max_length=500, required=False, help_text="Comma separated.")

    def clean_phone_number(self):
        return clean_phone(self.cleaned_data["phone_number"])

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        if any(len(tag) > 100 for tag in tags):
            raise forms.ValidationError("A tag has at most 100 characters.")
        return tags

    def api_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["email"] = data["email"].strip()
        return data


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
    external_method = forms.ChoiceField(label="Paid by", choices=EXTERNAL_METHODS, required=False)
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
            elif cleaned["external_method"] != "cash" and not cleaned.get("external_reference"):
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


TRANSACTION_TYPES = [
    ("debit", "Sale / capture"),
    ("authorize", "Authorization"),
    ("refund", "Refund"),
    ("void", "Void"),
]
TRANSACTION_STATUSES = [("succeeded", "Succeeded"), ("failed", "Failed")]


class TransactionFilterForm(FilterForm):
    """The transactions list's filters: the platform's `/transactions/` parameters."""

    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any"), *TRANSACTION_STATUSES])
    type = forms.ChoiceField(label="Type", required=False, choices=[("", "Any"), *TRANSACTION_TYPES])
    payment_method = forms.ChoiceField(
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
    date_created_from = forms.DateField(label="From", required=False, widget=DateInput)
    date_created_to = forms.DateField(label="To", required=False, widget=DateInput)
    amount_min = forms.DecimalField(label="Amount from", required=False, min_value=0, decimal_places=2)
    amount_max = forms.DecimalField(label="Amount to", required=False, min_value=0, decimal_places=2)
    is_external = forms.ChoiceField(label="External", required=False, choices=YES_NO_ANY)
    external_id = forms.CharField(label="External id", required=False, max_length=255)

    date_ranges = (("date_created_from", "date_created_to"),)

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("amount_min"), cleaned.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", "The upper amount is below the lower one.")
        return cleaned
