"""The Admin API (`/<store>/api/admin/...`), for the operations Storedesk uses.

Every view is a DRF view: bearer token of this store (401), the endpoint's scope
(403), the store's rate limit (429 with Retry-After), cursor pagination, errors as
`{"detail": ...}` or field errors. The shapes come from `representations`.
"""

from django.db.models import Prefetch
from django.http import Http404
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from .. import representations as rep
from ..models import Customer, Order, OrderLine, Ticket, TicketComment, TicketType
from . import filters


class StoreAPIView(APIView):
    scope_resource = ""
    cursor_ordering = "-id"
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @property
    def store(self):
        return self.request._request.sandbox_store

    def paginated(self, queryset, render):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response([render(obj) for obj in page])


def _digits(value: str) -> int:
    if not value.isdigit():
        raise Http404
    return int(value)


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


def order_lines(order):
    return list(OrderLine.objects.filter(order=order).select_related("product").order_by("id"))


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


class OrderDetailView(StoreAPIView):
    scope_resource = "orders"

    def get(self, request, number, **kwargs):
        order = get_order(self.store, number)
        return Response(rep.order_repr(order, order_lines(order)))


# --- customers ---------------------------------------------------------------------------


def get_customer(store, customer_id: int) -> Customer:
    customer = Customer.objects.filter(store=store, id=customer_id).first()
    if customer is None:
        raise Http404
    return customer


class UserListView(StoreAPIView):
    scope_resource = "users"

    def get(self, request, **kwargs):
        store = self.store
        queryset = filters.filter_users(
            Customer.objects.filter(store=store).prefetch_related("addresses"),
            store,
            filters.bind(filters.UserFilters, request),
        )
        return self.paginated(queryset, rep.customer_repr)


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


class OrderNotesView(StoreAPIView):
    scope_resource = "orders"

    def get(self, request, number, **kwargs):
        order = get_order(self.store, number)
        return self.paginated(order.notes.select_related("author", "app"), rep.order_note_repr)


# --- tickets -----------------------------------------------------------------------------


def ticket_queryset(store):
    return (
        Ticket.objects.filter(store=store)
        .select_related("order")
        .prefetch_related(Prefetch("comments", queryset=TicketComment.objects.order_by("id")), "tags")
    )


def get_ticket(store, ticket_id: int) -> Ticket:
    ticket = ticket_queryset(store).filter(id=ticket_id).first()
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


class TicketCommentsView(StoreAPIView):
    """GET answers the ticket with its comment thread (the document's `Ticket` schema)."""

    scope_resource = "tickets"

    def get(self, request, id, **kwargs):
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
        ticket_type = TicketType.objects.filter(store=self.store, id=id).first()
        if ticket_type is None:
            raise Http404
        return Response(rep.ticket_type_repr(ticket_type))


def not_found(request, **kwargs):
    from django.http import JsonResponse

    return JsonResponse({"detail": "Not found."}, status=404)
