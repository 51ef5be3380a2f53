"""One store's seed, start to end: the store's row, then its catalogue and stock, staff,
help-desk setup, customers, orders, notes and tickets, all in one transaction.

The order of the steps is the order of the random draws, so it is part of the data:
change it, or add a draw anywhere, and the same seed gives other data (the dump
comparison in docs/sandbox.md shows whether a change kept it).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from ..models import Store
from ..profiles import profile_for
from .catalogue import create_catalogue, create_stock
from .customers import create_customer_notes, create_customers, update_customer_counters
from .draws import StoreSeed
from .orders import create_order_notes, create_orders, order_schedule
from .staff import create_staff
from .tickets import create_ticket_setup, create_tickets


@dataclass
class SeedOptions:
    orders: int = 2000
    customers: int = 600
    tickets: int = 300
    page_size: int | None = None
    rate_limit: float | None = None
    seed: int = 42
    anchor: dt.datetime | None = None  # the data ends here; default: today, 00:00 UTC


def default_anchor() -> dt.datetime:
    today = timezone.now().astimezone(dt.UTC).date()
    return dt.datetime.combine(today, dt.time.min, tzinfo=dt.UTC)


def seed_store(subdomain: str, options: SeedOptions, log=print) -> Store:
    profile = profile_for(subdomain)
    anchor = options.anchor or default_anchor()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # This connection only: a seed that dies half-way is simply run again.
            cursor.execute("PRAGMA synchronous=OFF")
    with transaction.atomic():
        store = Store.objects.create(
            subdomain=subdomain,
            name=profile.name,
            tagline=profile.tagline,
            currency=profile.currency,
            timezone=profile.timezone,
            language=profile.language,
            country=profile.country,
            tax_title=profile.tax_title,
            tax_rate=Decimal(profile.tax_rate),
            prices_include_tax=profile.prices_include_tax,
            tax_id=profile.tax_id,
            contact_address=profile.contact_address,
            page_size=options.page_size,
            rate_limit_per_second=options.rate_limit,
        )
        seed = StoreSeed(store, seed=options.seed, anchor=anchor)
        products = create_catalogue(seed)
        create_stock(seed, products)
        staff = create_staff(seed)
        ticket_setup = create_ticket_setup(seed)

        n_customers = max(1, options.customers)
        schedule = order_schedule(seed, orders=options.orders, customers=n_customers)
        first_orders: dict[int, dt.datetime] = {}
        for when, index in schedule:
            first_orders.setdefault(index, when)
        customers_with_addresses = create_customers(seed, n_customers, first_orders)
        customers = [customer for customer, _ in customers_with_addresses]
        orders, lines_per_order = create_orders(
            seed, schedule, customers_with_addresses, products=products, staff=staff
        )
        update_customer_counters(seed, customers, orders)
        create_order_notes(seed, orders, customers, staff)
        create_customer_notes(seed, customers, staff)
        create_tickets(
            seed,
            options.tickets,
            customers=customers,
            orders=orders,
            lines_per_order=lines_per_order,
            products=products,
            staff=staff,
            setup=ticket_setup,
        )
    log(
        f"  {subdomain}: {options.orders} orders, {n_customers} customers, {options.tickets} tickets "
        f"({profile.currency}, {profile.timezone})"
    )
    return store
