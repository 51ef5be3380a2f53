"""Request bodies, validated as the platform's DRF serializers would (400 with field errors)."""

import re

from rest_framework import serializers

from ..models import EXPORT_TYPES, WEBHOOK_EVENTS, Ticket
from ..versions import KNOWN_VERSIONS


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField()


class OrderUpdateSerializer(serializers.Serializer):
    tags = serializers.ListField(child=serializers.CharField(allow_null=True, max_length=100), required=False)
    status = serializers.ChoiceField(choices=["open", "archived"], required=False)


class CancelOrderSerializer(serializers.Serializer):
    cancel_reason = serializers.CharField(max_length=255)
    full_refund = serializers.BooleanField(required=False, default=False)
    send_cancel_notification = serializers.BooleanField(required=False, default=False)


class RefundLineSerializer(serializers.Serializer):
    line_id = serializers.IntegerField()
    quantity = serializers.IntegerField(min_value=1)
    restock_type = serializers.ChoiceField(choices=["cancel", "no_restock", "return"], required=False)


class RefundShippingSerializer(serializers.Serializer):
    amount_excl_tax = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    full_refund = serializers.BooleanField(required=False, default=False)


class CalculateRefundSerializer(serializers.Serializer):
    refund_lines = RefundLineSerializer(many=True, required=False, default=list)
    refund_shipping = RefundShippingSerializer(required=False, allow_null=True, default=None)


class RefundTransactionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    is_external = serializers.BooleanField(required=False, default=False)


class RefundLineRequestSerializer(RefundLineSerializer):
    restock_type = serializers.ChoiceField(choices=["cancel", "no_restock", "return"])


class RefundOrderSerializer(serializers.Serializer):
    transactions = RefundTransactionSerializer(many=True, allow_empty=False)
    refund_lines = RefundLineRequestSerializer(many=True, required=False, default=list)
    refund_shipping = RefundShippingSerializer(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    send_refund_notification = serializers.BooleanField(required=False, default=False)


class TicketCommentSerializer(serializers.Serializer):
    body = serializers.CharField(allow_null=True, allow_blank=False)
    is_public = serializers.BooleanField(required=False, default=True)
    author = serializers.IntegerField(required=False, allow_null=True)
    from_email = serializers.EmailField(required=False, allow_null=True)
    attachments = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)

    def validate_author(self, value):
        store = self.context["store"]
        if value is not None and not store.staff.filter(id=value).exists():
            raise serializers.ValidationError(f'Invalid pk "{value}" - object does not exist.')
        return value


class TicketUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Ticket.STATUSES, required=False)
    priority = serializers.ChoiceField(choices=Ticket.PRIORITIES, required=False)
    subject = serializers.CharField(required=False, max_length=255)
    assignee = serializers.IntegerField(required=False, allow_null=True)
    ticket_type = serializers.IntegerField(required=False, allow_null=True)
    tags = serializers.ListField(child=serializers.CharField(allow_null=True, max_length=100), required=False)
    products = serializers.ListField(child=serializers.IntegerField(), required=False)
    comment = TicketCommentSerializer(required=False)

    def validate_assignee(self, value):
        store = self.context["store"]
        if value is not None and not store.staff.filter(id=value).exists():
            raise serializers.ValidationError(f'Invalid pk "{value}" - object does not exist.')
        return value

    def validate_ticket_type(self, value):
        store = self.context["store"]
        if value is not None and not store.ticket_types.filter(id=value).exists():
            raise serializers.ValidationError(f'Invalid pk "{value}" - object does not exist.')
        return value


class WebhookSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=255)
    target = serializers.URLField(max_length=255)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WEBHOOK_EVENTS), allow_empty=False)
    api_version = serializers.ChoiceField(choices=KNOWN_VERSIONS, required=False)
    secret_key = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=255)
    active = serializers.BooleanField(required=False)


class ExportSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=list(EXPORT_TYPES))
    date_from = serializers.DateTimeField()
    date_to = serializers.DateTimeField()

    def validate(self, attrs):
        if attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": ["Must not be before date_from."]})
        return attrs


# --- customers and orders created through the API ----------------------------------------------

LANGUAGES = ["en", "fr", "th", "de", "sv", "no", "it", "es", "nl", "pt", "da", "fi"]
PHONE_SEPARATORS = re.compile(r"[\s\-().]")
PHONE = re.compile(r"^\+?[1-9]\d{6,14}$")
INVALID_PHONE = "Enter a valid phone number (e.g. +12125552368)."


def clean_phone(value):
    """A phone number in international (E.164) or national digits; spaces, dashes,
    dots and parentheses allowed between them."""
    if value in (None, ""):
        return None
    compact = PHONE_SEPARATORS.sub("", value)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not PHONE.match(compact.lstrip("0") if not compact.startswith("+") else compact):
        raise serializers.ValidationError(INVALID_PHONE)
    return value.strip()


class CreateUserSerializer(serializers.Serializer):
    """`POST /users/`: the `User` fields a client may set. E-mail is unique per store."""

    email = serializers.EmailField(max_length=254)
    first_name = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    phone_number = serializers.CharField(max_length=64, required=False, allow_null=True, allow_blank=True)
    language = serializers.ChoiceField(choices=LANGUAGES, required=False, allow_null=True, allow_blank=True)
    accepts_marketing = serializers.BooleanField(required=False, default=False)
    is_blocked = serializers.BooleanField(required=False, default=False)
    tags = serializers.ListField(
        child=serializers.CharField(allow_null=True, max_length=100), required=False, default=list
    )
    metadata = serializers.JSONField(required=False, allow_null=True)
    ip = serializers.IPAddressField(required=False, allow_null=True)
    user_agent = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=512)

    def validate_phone_number(self, value):
        return clean_phone(value)

    def validate_email(self, value):
        if self.context["store"].customers.filter(email__iexact=value).exists():
            raise serializers.ValidationError("A customer with this email already exists.")
        return value


class OrderUserSerializer(CreateUserSerializer):
    """`user` of `POST /orders/`: an existing customer by `id`, or a new one."""

    id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    email = serializers.EmailField(max_length=254, required=False, allow_null=True)

    def validate_email(self, value):
        return value  # checked with the rest of the order, once `id` is known


class AddressSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=255)
    last_name = serializers.CharField(max_length=255)
    line1 = serializers.CharField(max_length=255)
    line2 = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    line3 = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    line4 = serializers.CharField(max_length=255)
    state = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    postcode = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    country = serializers.RegexField(r"^[A-Za-z]{2}$", error_messages={"invalid": "Enter an ISO 3166-1 country code."})
    phone_number = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_phone_number(self, value):
        return clean_phone(value) or ""


class CreateOrderLineSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1, max_value=10000)
    price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True)
    is_upsell = serializers.BooleanField(required=False, default=False)
    metadata = serializers.JSONField(required=False, allow_null=True)


class PaymentDetailSerializer(serializers.Serializer):
    card_token = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=255)
    external_payment_method = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=64)
    payment_return_url = serializers.URLField(required=False, allow_null=True, max_length=1000)
    reference_transaction_id = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=255)
    payment_gateway = serializers.IntegerField(required=False, allow_null=True)
    payment_gateway_group = serializers.IntegerField(required=False, allow_null=True)
    paypal_account = serializers.IntegerField(required=False, allow_null=True)
    language = serializers.ChoiceField(choices=LANGUAGES, required=False, allow_null=True, allow_blank=True)
    statement_descriptor = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=22)
    save_card = serializers.BooleanField(required=False, default=True)


PAYMENT_METHODS = [
    "card_token",
    "saved_card",
    "apple_pay",
    "google_pay",
    "external",
    "paypal",
    "affirm",
    "bancontact",
    "giropay",
    "ideal",
    "klarna",
    "link",
    "sepa_debit",
    "sofort",
    "twint",
]


class CreateOrderSerializer(serializers.Serializer):
    lines = CreateOrderLineSerializer(many=True, allow_empty=False)
    user = OrderUserSerializer(required=False, allow_null=True)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", required=False, allow_blank=True)
    shipping_address = AddressSerializer(required=False, allow_null=True)
    billing_address = AddressSerializer(required=False, allow_null=True)
    billing_same_as_shipping_address = serializers.BooleanField(required=False, default=False)
    use_default_shipping_address = serializers.BooleanField(required=False, default=False)
    use_default_billing_address = serializers.BooleanField(required=False, default=False)
    shipping_code = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=128)
    shipping_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    tags = serializers.ListField(
        child=serializers.CharField(allow_null=True, max_length=100), required=False, default=list
    )
    send_receipt = serializers.BooleanField(required=False, default=True)
    payment_method = serializers.ChoiceField(choices=PAYMENT_METHODS, required=False, allow_null=True)
    payment_details = PaymentDetailSerializer(required=False, allow_null=True)
    attribution = serializers.DictField(required=False)
    metadata = serializers.JSONField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=["open", "archived"], required=False, allow_null=True)
    date_placed = serializers.DateTimeField(required=False, allow_null=True)
    vouchers = serializers.ListField(child=serializers.CharField(), required=False, allow_null=True)
    offers = serializers.ListField(child=serializers.IntegerField(), required=False)

    def validate_vouchers(self, value):
        if value:
            raise serializers.ValidationError(f"“{value[0]}” is not a valid voucher code.")
        return value

    def validate_metadata(self, value):
        if value is not None and not isinstance(value, dict):
            raise serializers.ValidationError("Must be an object.")
        return value
