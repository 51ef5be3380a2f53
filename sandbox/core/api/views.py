"""The Admin API (`/<store>/api/admin/...`), for the operations Storedesk uses.

Every view is a DRF view: bearer token of this store (401), the endpoint's scope
(403), the store's rate limit (429 with Retry-After), cursor pagination, errors as
`{"detail": ...}` or field errors. The shapes come from `representations`.
"""

from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from .. import exports, services
from .. import representations as rep
from ..models import (
    Customer,
    Export,
    Order,
    OrderLine,
    Product,
    StockRecord,
    Ticket,
    TicketComment,
    TicketType,
    Transaction,
    Webhook,
)
from ..shipping import shipping_methods
from ..versions import API_VERSION
from . import filters, serializers
from .exceptions import InvalidRequest


class StoreAPIView(APIView):
    scope_resource = ""
    cursor_ordering = "-id"
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @property
    def store(self):
        return self.request._request.sandbox_store

    @property
    def app(self):
        return self.request.auth.application if self.request.auth else None

    def valid(self, serializer_class, **kwargs):
        serializer = serializer_class(data=self.request.data, context={"store": self.store}, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def paginated(self, queryset, render):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response([render(obj) for obj in page])


def _digits(value: str) -> int:
    if not filters.is_number(value):
        raise Http404
    return int(value)


def _id(value: int) -> int:
    """A database id, or 404 for numbers no row can have."""
    if not 0 < value <= filters.MAX_INT:
        raise Http404
    return value


# --- store ----------------------------------------------------------------------------


class StoreView(StoreAPIView):
    scope_resource = "store"

    def get(self, request, **kwargs):
        return Response([rep.store_repr(self.store)])


# --- orders ----------------------------------------------------------------------------


def order_queryset(store):
    return Order.objects.filter(store=store).select_related("customer")


def get_order(store, number: str) -> Order:
    order = order_queryset(store).filter(number=_digits(number)).first()
    if order is None:
        raise Http404
    order.store = store
    return order


class OrderListView(StoreAPIView):
    scope_resource = "orders"
    cursor_ordering = "-number"

    def get(self, request, **kwargs):
        store = self.store
        queryset = filters.filter_orders(order_queryset(store), store, filters.bind(filters.OrderFilters, request))

        def render(order):
            order.store = store
            return rep.order_list_repr(order)

        return self.paginated(queryset, render)

    def post(self, request, **kwargs):
        """Place an order (`CreateOrder`): 201 with the order; a redirect payment adds
        `payment_complete_url`, where the buyer pays (see payments.py)."""
        from .. import payments

        data = self.valid(serializers.CreateOrderSerializer)
        try:
            order, extra = services.order_create(
                store=self.store,
                data=data,
                staff=request.user,
                app=self.app,
                pay_url=lambda session: payments.payment_url(request._request, session),
            )
        except services.OrderInvalid as exc:
            raise ValidationError(exc.errors) from exc
        return Response({**rep.order_repr(order, services.order_lines(order)), **extra}, status=status.HTTP_201_CREATED)


class OrderDetailView(StoreAPIView):
    scope_resource = "orders"

    def get(self, request, number, **kwargs):
        order = get_order(self.store, number)
        return Response(rep.order_repr(order, services.order_lines(order)))

    def patch(self, request, number, **kwargs):
        order = get_order(self.store, number)
        data = self.valid(serializers.OrderUpdateSerializer, partial=True)
        services.order_update(order=order, tags=data.get("tags"), status=data.get("status"))
        order = get_order(self.store, number)
        return Response(rep.order_repr(order, services.order_lines(order)))


def _conflict(exc) -> InvalidRequest:
    return InvalidRequest(str(exc))


class OrderCancelView(StoreAPIView):
    scope_resource = "orders"

    def post(self, request, number, **kwargs):
        order = get_order(self.store, number)
        data = self.valid(serializers.CancelOrderSerializer)
        try:
            services.order_cancel(
                order=order, reason=data["cancel_reason"], full_refund=data["full_refund"], user=request.user
            )
        except services.Conflict as exc:
            raise _conflict(exc) from exc
        order = get_order(self.store, number)
        return Response(rep.order_repr(order, services.order_lines(order)))


class OrderRefundCalculateView(StoreAPIView):
    scope_resource = "orders"

    def post(self, request, number, **kwargs):
        order = get_order(self.store, number)
        data = self.valid(serializers.CalculateRefundSerializer)
        try:
            result = services.order_refund_calculate(
                order=order, refund_lines=data["refund_lines"], refund_shipping=data["refund_shipping"]
            )
        except services.Conflict as exc:
            raise _conflict(exc) from exc
        return Response(result)


class OrderRefundView(StoreAPIView):
    scope_resource = "orders"

    def post(self, request, number, **kwargs):
        order = get_order(self.store, number)
        data = self.valid(serializers.RefundOrderSerializer)
        try:
            refund = services.order_refund(
                order=order,
                transactions=data["transactions"],
                refund_lines=data["refund_lines"],
                refund_shipping=data["refund_shipping"],
                note=data["note"],
                user=request.user,
            )
        except services.OrderInvalid as exc:
            raise ValidationError(exc.errors) from exc
        return Response(refund)


# --- customers ---------------------------------------------------------------------------


def get_customer(store, customer_id: int) -> Customer:
    customer = Customer.objects.filter(store=store, id=_id(customer_id)).first()
    if customer is None:
        raise Http404
    return customer


class UserListView(StoreAPIView):
    scope_resource = "users"

    def get(self, request, **kwargs):
        store = self.store
        found = filters.bind(filters.UserFilters, request)
        if found["user_type"] == "dashboard":
            # The store's staff: the people a ticket can be assigned to. Their ids are
            # those of tickets' `assignee` and comments' `author`.
            staff = filters.filter_staff(store.staff.filter(is_active=True).select_related("store"), store, found)
            return self.paginated(staff, rep.staff_user_repr)
        queryset = filters.filter_users(
            Customer.objects.filter(store=store).prefetch_related("addresses"), store, found
        )
        return self.paginated(queryset, rep.customer_repr)

    def post(self, request, **kwargs):
        data = self.valid(serializers.CreateUserSerializer)
        customer = services.customer_create(store=self.store, data=data)
        return Response(rep.customer_repr(customer, []), status=status.HTTP_201_CREATED)


class UserDetailView(StoreAPIView):
    scope_resource = "users"

    def get(self, request, id, **kwargs):
        return Response(rep.customer_repr(get_customer(self.store, id)))


class UserOrdersView(StoreAPIView):
    """The document types this answer as one `UserOrderInline`; the platform lists them.

    The sandbox answers a JSON array of `UserOrderInline`, newest first.
    """

    scope_resource = "users"

    def get(self, request, id, **kwargs):
        store = self.store
        customer = get_customer(store, id)
        orders = list(
            Order.objects.filter(store=store, customer=customer)
            .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("id")))
            .order_by("-number")
        )
        result = []
        for order in orders:
            order.store = store
            order.customer = customer
            result.append(rep.user_order_repr(order, list(order.lines.all())))
        return Response(result)


class UserAddressesView(StoreAPIView):
    scope_resource = "users"

    def get(self, request, id, **kwargs):
        customer = get_customer(self.store, id)
        return self.paginated(customer.addresses.all(), rep.address_repr)


class UserNotesView(StoreAPIView):
    scope_resource = "users"

    def get(self, request, id, **kwargs):
        customer = get_customer(self.store, id)
        return self.paginated(customer.notes.select_related("author", "app"), rep.customer_note_repr)

    def post(self, request, id, **kwargs):
        customer = get_customer(self.store, id)
        data = self.valid(serializers.MessageSerializer)
        note = services.customer_note_add(customer=customer, message=data["message"], author=request.user, app=self.app)
        return Response(rep.customer_note_repr(note))


class OrderNotesView(StoreAPIView):
    scope_resource = "orders"

    def get(self, request, number, **kwargs):
        order = get_order(self.store, number)
        return self.paginated(order.notes.select_related("author", "app"), rep.order_note_repr)

    def post(self, request, number, **kwargs):
        order = get_order(self.store, number)
        data = self.valid(serializers.MessageSerializer)
        note = services.order_note_add(order=order, message=data["message"], author=request.user, app=self.app)
        return Response(rep.order_note_repr(note))


# --- tickets -----------------------------------------------------------------------------


def ticket_queryset(store):
    return (
        Ticket.objects.filter(store=store)
        .select_related("order")
        .prefetch_related(Prefetch("comments", queryset=TicketComment.objects.order_by("id")), "tags")
    )


def get_ticket(store, ticket_id: int) -> Ticket:
    ticket = ticket_queryset(store).filter(id=_id(ticket_id)).first()
    if ticket is None:
        raise Http404
    return ticket


class TicketListView(StoreAPIView):
    scope_resource = "tickets"

    def get(self, request, **kwargs):
        store = self.store
        queryset = filters.filter_tickets(ticket_queryset(store), store, filters.bind(filters.TicketFilters, request))
        return self.paginated(queryset, rep.ticket_repr)


class TicketDetailView(StoreAPIView):
    scope_resource = "tickets"

    def get(self, request, id, **kwargs):
        return Response(rep.ticket_repr(get_ticket(self.store, id)))

    def patch(self, request, id, **kwargs):
        ticket = get_ticket(self.store, id)
        data = self.valid(serializers.TicketUpdateSerializer, partial=True)
        comment = data.pop("comment", None)
        services.ticket_update(ticket=ticket, changes=data, comment=comment, author=request.user)
        return Response(rep.ticket_repr(get_ticket(self.store, id)))


class TicketCommentsView(StoreAPIView):
    """Both answer the ticket with its comment thread (the document's `Ticket` schema)."""

    scope_resource = "tickets"

    def get(self, request, id, **kwargs):
        return Response(rep.ticket_repr(get_ticket(self.store, id)))

    def post(self, request, id, **kwargs):
        ticket = get_ticket(self.store, id)
        data = self.valid(serializers.TicketCommentSerializer)
        services.ticket_comment_add(ticket=ticket, comment=data, author=request.user)
        return Response(rep.ticket_repr(get_ticket(self.store, id)))


class TicketTypeListView(StoreAPIView):
    scope_resource = "tickets"

    def get(self, request, **kwargs):
        f = filters.bind(filters.TicketTypeFilters, request)
        queryset = TicketType.objects.filter(store=self.store)
        if f["name"]:
            queryset = queryset.filter(name__icontains=f["name"])
        return self.paginated(queryset, rep.ticket_type_repr)


class TicketTypeDetailView(StoreAPIView):
    scope_resource = "tickets"

    def get(self, request, id, **kwargs):
        ticket_type = TicketType.objects.filter(store=self.store, id=_id(id)).first()
        if ticket_type is None:
            raise Http404
        return Response(rep.ticket_type_repr(ticket_type))


# --- webhooks ------------------------------------------------------------------------------------


def get_webhook(store, webhook_id: int) -> Webhook:
    webhook = Webhook.objects.filter(store=store, id=_id(webhook_id)).first()
    if webhook is None:
        raise Http404
    return webhook


class WebhookListView(StoreAPIView):
    scope_resource = "webhooks"

    def get(self, request, **kwargs):
        f = filters.bind(filters.WebhookFilters, request)
        return self.paginated(filters.filter_webhooks(Webhook.objects.filter(store=self.store), f), rep.webhook_repr)

    def post(self, request, **kwargs):
        data = self.valid(serializers.WebhookSerializer)
        webhook = Webhook.objects.create(
            store=self.store,
            app=self.app,
            name=data.get("name"),
            target=data["target"],
            events=data["events"],
            api_version=data.get("api_version") or API_VERSION,
            secret_key=data.get("secret_key") or Webhook.new_secret(),
            active=data.get("active", True),
        )
        return Response(rep.webhook_repr(webhook), status=status.HTTP_201_CREATED)


class WebhookDetailView(StoreAPIView):
    scope_resource = "webhooks"

    def get(self, request, id, **kwargs):
        return Response(rep.webhook_repr(get_webhook(self.store, id)))

    def put(self, request, id, **kwargs):
        return self._update(id, partial=False)

    def patch(self, request, id, **kwargs):
        return self._update(id, partial=True)

    def _update(self, webhook_id, *, partial):
        webhook = get_webhook(self.store, webhook_id)
        data = self.valid(serializers.WebhookSerializer, partial=partial)
        for field in ("name", "target", "events", "api_version", "active"):
            if field in data:
                setattr(webhook, field, data[field])
        if data.get("secret_key"):
            webhook.secret_key = data["secret_key"]
        webhook.save()
        return Response(rep.webhook_repr(webhook))

    def delete(self, request, id, **kwargs):
        get_webhook(self.store, id).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- exports --------------------------------------------------------------------------------------


def get_export(store, export_id: int) -> Export:
    export = Export.objects.filter(store=store, id=_id(export_id)).first()
    if export is None:
        raise Http404
    return export


class ExportListView(StoreAPIView):
    scope_resource = "exports"

    def render(self, export):
        return rep.export_repr(
            export, self.request.build_absolute_uri(f"/{self.store.subdomain}/api/admin/exports/{export.id}/")
        )

    def get(self, request, **kwargs):
        f = filters.bind(filters.ExportFilters, request)
        queryset = Export.objects.filter(store=self.store).defer("content")
        if f["type"]:
            queryset = queryset.filter(type=f["type"])
        queryset = queryset.filter(
            filters.date_range("created_at", self.store, f["date_created_from"], f["date_created_to"])
        )
        return self.paginated(queryset, self.render)

    def post(self, request, **kwargs):
        data = self.valid(serializers.ExportSerializer)
        export = exports.export_create(
            store=self.store, type=data["type"], date_from=data["date_from"], date_to=data["date_to"], app=self.app
        )
        return Response(self.render(export), status=status.HTTP_201_CREATED)


class ExportTypesView(StoreAPIView):
    scope_resource = "exports"

    def get(self, request, **kwargs):
        return Response(rep.export_types_repr())


class ExportDetailView(ExportListView):
    def get(self, request, id, **kwargs):
        return Response(self.render(get_export(self.store, id)))


class ExportDownloadView(StoreAPIView):
    scope_resource = "exports"

    def get(self, request, id, **kwargs):
        export = get_export(self.store, id)
        if export.status != Export.AVAILABLE:
            raise InvalidRequest("This export is not available yet.")
        return Response({"url": request.build_absolute_uri(exports.signed_path(export))})


# --- catalogue ------------------------------------------------------------------------------------


def _variants(product: Product) -> list[dict]:
    sellable = list(product.children.all()) if product.structure == Product.PARENT else [product]
    return [rep.variant_repr(p, list(p.prices.all()), list(p.stockrecords.all())) for p in sellable]


class ProductListView(StoreAPIView):
    """Parents and standalone products with their variants, prices and stock."""

    scope_resource = "catalogue"

    def get(self, request, **kwargs):
        store = self.store
        f = filters.bind(filters.ProductFilters, request)
        queryset = filters.filter_products(
            Product.objects.filter(store=store).exclude(structure=Product.CHILD),
            f,
        ).prefetch_related(
            "prices",
            "stockrecords",
            Prefetch("children", queryset=Product.objects.prefetch_related("prices", "stockrecords").order_by("id")),
        )

        def render(product):
            product.store = store
            return rep.product_list_repr(product, _variants(product))

        return self.paginated(queryset, render)


class ProductDetailView(StoreAPIView):
    """A product (a parent or a standalone product) with its variants, as `Product`. A
    child is not a product of its own here: it is reached as a variant."""

    scope_resource = "catalogue"

    def get(self, request, id, **kwargs):
        store = self.store
        product = (
            Product.objects.filter(store=store, id=_id(id))
            .exclude(structure=Product.CHILD)
            .prefetch_related(
                "prices",
                "stockrecords",
                Prefetch(
                    "children", queryset=Product.objects.prefetch_related("prices", "stockrecords").order_by("id")
                ),
            )
            .first()
        )
        if product is None:
            raise Http404
        product.store = store
        return Response(rep.product_repr(product, _variants(product)))


class ProductVariantView(StoreAPIView):
    """One sellable product (a child, or a standalone product) as a `ProductVariant`."""

    scope_resource = "catalogue"

    def get(self, request, id, **kwargs):
        product = (
            Product.objects.filter(store=self.store, id=_id(id))
            .exclude(structure=Product.PARENT)
            .prefetch_related("prices", "stockrecords")
            .first()
        )
        if product is None:
            raise Http404
        return Response(rep.variant_repr(product))


def stockrecord_queryset(store):
    return StockRecord.objects.filter(product__store=store).select_related("product", "location")


class StockRecordListView(StoreAPIView):
    scope_resource = "catalogue"

    def get(self, request, **kwargs):
        f = filters.bind(filters.StockRecordFilters, request)
        return self.paginated(filters.filter_stockrecords(stockrecord_queryset(self.store), f), rep.stockrecord_repr)


class StockRecordDetailView(StoreAPIView):
    scope_resource = "catalogue"

    def get(self, request, id, **kwargs):
        record = stockrecord_queryset(self.store).filter(id=_id(id)).first()
        if record is None:
            raise Http404
        return Response(rep.stockrecord_repr(record))


class ShippingMethodListView(StoreAPIView):
    """The document asks for no particular scope here: any token of the store will do."""

    scope_resource = None

    def get(self, request, **kwargs):
        methods = shipping_methods(self.store)
        return Response({"next": None, "previous": None, "results": [rep.shipping_method_repr(m) for m in methods]})


class ShippingMethodDetailView(StoreAPIView):
    scope_resource = None

    def get(self, request, id, **kwargs):
        method = next((m for m in shipping_methods(self.store) if m.id == id), None)
        if method is None:
            raise Http404
        return Response(rep.shipping_method_repr(method))


# --- transactions ------------------------------------------------------------------------------------


def transaction_queryset(store):
    return Transaction.objects.filter(store=store).select_related("order", "order__customer")


def render_transaction(row):
    refundable = None
    if row.order is not None and row.type in ("sale", "capture") and row.status == "succeeded":
        amounts = {t["id"]: amount for t, amount in services.refundable_transactions(row.order)}
        refundable = amounts.get(row.id)
    return rep.transaction_repr(row, refundable)


class TransactionListView(StoreAPIView):
    scope_resource = "transactions"

    def get(self, request, **kwargs):
        store = self.store
        f = filters.bind(filters.TransactionFilters, request)
        return self.paginated(filters.filter_transactions(transaction_queryset(store), store, f), render_transaction)


class TransactionDetailView(StoreAPIView):
    scope_resource = "transactions"

    def get(self, request, id, **kwargs):
        row = transaction_queryset(self.store).filter(id=_id(id)).first()
        if row is None:
            raise Http404
        return Response(render_transaction(row))


def not_found(request, **kwargs):
    return JsonResponse({"detail": "Not found."}, status=404)
