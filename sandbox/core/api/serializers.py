"""Request bodies, validated as the platform's DRF serializers would (400 with field errors)."""

from rest_framework import serializers

from ..models import EXPORT_TYPES, WEBHOOK_EVENTS, Ticket


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
    api_version = serializers.ChoiceField(choices=["2024-04-01", "2023-02-10", "unstable"], required=False)
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
