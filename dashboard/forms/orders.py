"""Forms of what operators do to an order: tag, cancel, refund.

Field names are the platform's where a form's data goes to the store, so the store's
field errors land on the right field.
"""

from django import forms


class TagForm(forms.Form):
    tag = forms.CharField(
        label="Tag", max_length=50, strip=True, widget=forms.TextInput(attrs={"placeholder": "Add a tag"})
    )

    def clean_tag(self):
        tag = self.cleaned_data["tag"]
        if "," in tag:
            raise forms.ValidationError("One tag at a time, without commas.")
        return tag


class CancelOrderForm(forms.Form):
    """`refundable`: whether the order has a payment to refund; without one, "Also refund
    the whole order" is not offered (dashboard.selectors.orders.order_actions)."""

    cancel_reason = forms.CharField(label="Reason", max_length=255, strip=True)
    full_refund = forms.BooleanField(label="Also refund the whole order", required=False)
    send_cancel_notification = forms.BooleanField(label="E-mail the customer", required=False)

    def __init__(self, *args, refundable: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not refundable:
            del self.fields["full_refund"]


RESTOCK_CHOICES = [("no_restock", "Do not restock"), ("return", "Return to stock"), ("cancel", "Cancel (not shipped)")]


class RefundForm(forms.Form):
    """One quantity per order line (`line_<id>`), the shipping, a note.

    Built from the order: `RefundForm(data, order=order, shipping_refundable=...)`, the
    shipping still refundable (dashboard.selectors.orders.order_actions); when none is
    left (refunded already, or free), "Refund shipping" is not offered.
    """

    refund_shipping = forms.BooleanField(label="Refund shipping", required=False)
    restock_type = forms.ChoiceField(label="Stock", choices=RESTOCK_CHOICES, initial="no_restock")
    note = forms.CharField(
        label="Note (optional)", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    send_refund_notification = forms.BooleanField(label="E-mail the customer", required=False)
    confirmed_amount = forms.DecimalField(required=False, widget=forms.HiddenInput, decimal_places=2, max_digits=14)
    # Given with each calculation and carried by its confirmation: confirming twice (a
    # double click, a retried request) refunds once (dashboard.services.orders.order_refund).
    idempotency_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, order: dict, shipping_refundable=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.shipping_refundable = shipping_refundable
        if shipping_refundable is not None and shipping_refundable <= 0:
            del self.fields["refund_shipping"]
        self.order_lines = [line for line in order.get("lines") or [] if isinstance(line, dict) and "id" in line]
        for line in self.order_lines:
            available = int(line.get("current_quantity", line.get("quantity", 0)) or 0)
            title = line.get("product_title") or line.get("sku") or f"Line {line['id']}"
            if line.get("variant_title"):
                title = f"{title} ({line['variant_title']})"
            self.fields[f"line_{line['id']}"] = forms.IntegerField(
                label=title,
                min_value=0,
                max_value=available,
                initial=0,
                required=False,
                widget=forms.NumberInput(attrs={"class": "form-control-sm", "max": available, "min": 0}),
                help_text=f"of {available}",
            )

    def line_fields(self):
        return [(line, self[f"line_{line['id']}"]) for line in self.order_lines]

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not any(self.lines().values()) and not cleaned.get("refund_shipping"):
            if "refund_shipping" in self.fields:
                raise forms.ValidationError("Choose at least one item or the shipping to refund.")
            raise forms.ValidationError("Choose at least one item to refund.")
        return cleaned

    def lines(self) -> dict[int, int]:
        return {
            line["id"]: int(self.cleaned_data.get(f"line_{line['id']}") or 0)
            for line in self.order_lines
            if f"line_{line['id']}" in self.cleaned_data
        }
