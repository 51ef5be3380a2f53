"""New random orders placed now, by existing customers, as checkout would place them:
the control endpoint's `orders/create/`. Built like the seeded ones (orders.OrderBuilder)
and written like the API's own orders (services), `order.created` included."""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from .. import services
from ..models import Order, OrderLine, Product, Store
from .orders import OrderBuilder


def orders_create_random(*, store: Store, count: int = 1, state: dict | None = None) -> list[Order]:
    """`state` may fix `status`, `payment_status` and `fulfillment_status` (the rest follows)."""
    wanted = {}
    for key, name in (
        ("status", "status"),
        ("payment_status", "payment_status"),
        ("fulfillment_status", "fulfillment"),
    ):
        if state and state.get(key):
            wanted[name] = state[key]
    created = []
    builder = OrderBuilder(
        store,
        rng=random.Random(),
        anchor=timezone.now(),
        products=list(store.products.exclude(structure=Product.PARENT)),
        staff=list(store.staff.all()),
    )
    # Customers with an address to ship to (those created through the API may have none).
    customers = [c for c in store.customers.prefetch_related("addresses").order_by("id") if c.addresses.all()]
    if not customers:
        return []
    for _ in range(count):
        with transaction.atomic():
            number = services.order_number_next(store)
            customer = random.choice(customers)
            addresses = list(customer.addresses.all())
            placed = timezone.now()
            builder.anchor = placed + dt.timedelta(seconds=1)
            draft, lines = builder.build(
                number=number,
                placed=placed,
                customer=customer,
                address=addresses[0],
                state={"status": "open", "fulfillment": "unfulfilled", **wanted},
            )
            fields = vars(draft)
            fields.pop("id")
            fields["updated_at"] = placed
            order = Order.objects.create(**fields)
            for line in lines:
                values = vars(line)
                values.pop("id", None)
                values["order_id"] = order.id
                OrderLine.objects.create(**values)
            services.transactions_sync(order)
            services.recount_customer(customer.id)
            order = Order.objects.select_related("store", "customer").get(id=order.id)
            services.order_event(order, "order.created")
        created.append(order)
    return created
