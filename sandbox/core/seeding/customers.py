"""Customers and their addresses (one, sometimes a second), the counters the platform keeps
on them (orders, total spent, the "vip" tag), and a few notes by the staff."""

import datetime as dt
import json
from decimal import Decimal

from django.db import connection

from ..models import Customer, CustomerAddress, CustomerNote, StaffUser
from ..money import ZERO
from .bulk import CREATE_BATCH
from .draws import StoreSeed, ascii_slug, weighted

CUSTOMER_NOTE_TEMPLATES = [
    "Prefers contact by e-mail.",
    "Wholesale inquiry: forwarded to sales.",
    "Frequent returns; check condition on arrival.",
    "VIP: handle with priority.",
    "Asked not to receive marketing calls.",
]


def create_customers(
    seed: StoreSeed, count: int, first_orders: dict[int, dt.datetime]
) -> list[tuple[Customer, list[CustomerAddress]]]:
    """`count` customers with their addresses, by index; `first_orders` (index -> when) says
    who has ordered, and since when: they joined shortly before. Rows are created in the
    order the customers joined, so that `-id` is "newest first"."""
    rows = customer_rows(seed, count, first_orders)
    by_joined = sorted(range(count), key=lambda i: rows[i][0].date_joined)
    created = Customer.objects.bulk_create([rows[i][0] for i in by_joined], batch_size=CREATE_BATCH)
    customers: list[Customer] = [None] * count
    for i, customer in zip(by_joined, created, strict=True):
        customers[i] = customer
    addresses = []
    for i in range(count):
        for address in rows[i][1]:
            address.customer = customers[i]
            addresses.append(address)
    CustomerAddress.objects.bulk_create(addresses, batch_size=CREATE_BATCH)
    return [(customers[i], rows[i][1]) for i in range(count)]


def customer_rows(
    seed: StoreSeed, count: int, first_orders: dict[int, dt.datetime]
) -> list[tuple[Customer, list[CustomerAddress]]]:
    fake, rng, profile = seed.fake, seed.rng, seed.profile
    user_agents = [fake.user_agent() for _ in range(25)]
    rows = []
    used_emails = set()
    for index in range(count):
        person = _person(seed)
        slug = ascii_slug(person["first_name"]) + "." + ascii_slug(person["last_name"])
        if slug.strip(".") == "" or len(slug) < 4:
            slug = f"customer{index + 1}"
        email = f"{slug.strip('.')}@{fake.free_email_domain()}"
        if email in used_emails:
            email = f"{slug.strip('.')}{index + 1}@{fake.free_email_domain()}"
        used_emails.add(email)
        first_order = first_orders.get(index)
        if first_order:
            joined = first_order - dt.timedelta(minutes=rng.randrange(5, 60 * 24 * 20))
            joined = max(joined, seed.start - dt.timedelta(days=60))
        else:
            joined = seed.random_moment(seed.start, seed.anchor)
        language = profile.language if rng.random() < 0.85 else "en"
        customer = Customer(
            store=seed.store,
            email=email,
            first_name=person["first_name"],
            last_name=person["last_name"],
            phone_number=fake.phone_number() if rng.random() < 0.8 else None,
            language=language,
            user_type="customer" if first_order else weighted(rng, [("lead", 70), ("customer", 30)]),
            date_joined=joined,
            updated_at=joined,
            is_blocked=rng.random() < 0.01,
            accepts_marketing=rng.random() < 0.45,
            tags=[],
            ip=fake.ipv4_public(),
            user_agent=rng.choice(user_agents),
            metadata={},
        )
        addresses = [_address_row(seed, person)]
        if rng.random() < 0.15:
            addresses.append(_address_row(seed, _person(seed) if rng.random() < 0.5 else person))
        addresses[0].is_default_for_billing = addresses[0].is_default_for_shipping = True
        rows.append((customer, addresses))
    return rows


def _person(seed: StoreSeed) -> dict:
    first, last = seed.fake.first_name(), seed.fake.last_name()
    return {"first_name": first, "last_name": last}


def _address_row(seed: StoreSeed, person: dict) -> CustomerAddress:
    fake, rng, profile = seed.fake, seed.rng, seed.profile
    if profile.neighbours and rng.random() < 0.05:
        country, city, state, postcode = rng.choice(profile.neighbours)
    else:
        country, city, postcode = profile.country, fake.city(), fake.postcode()
        state = _state(fake)
    return CustomerAddress(
        first_name=person["first_name"],
        last_name=person["last_name"],
        line1=fake.street_address(),
        line2="" if rng.random() < 0.8 else f"Apt {rng.randrange(1, 40)}",
        line4=city,
        state=state,
        postcode=postcode,
        country=country,
        phone_number=fake.phone_number(),
    )


def _state(fake) -> str:
    for attribute in ("state_abbr", "state", "province"):
        if hasattr(fake, attribute):
            return getattr(fake, attribute)()
    return ""


def update_customer_counters(seed: StoreSeed, customers: list[Customer], orders) -> None:
    """Orders and total spent per customer, as the platform keeps them (canceled and test
    orders do not count), and the "vip" tag for big spenders."""
    spent: dict[int, tuple[int, Decimal]] = {}
    for order in orders:
        if order.status == "canceled" or order.is_test:
            continue
        n, total = spent.get(order.customer_id, (0, ZERO))
        spent[order.customer_id] = (n + 1, total + order.total_incl_tax - order.total_refunded)
    vip_threshold = Decimal(1000 * seed.profile.price_factor)
    updates = []
    for customer in customers:
        n, total = spent.get(customer.id, (0, ZERO))
        updates.append((n, total, json.dumps(["vip"] if total > vip_threshold else []), customer.id))
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Customer._meta.db_table)
        cursor.executemany(
            f"UPDATE {table} SET orders_count = %s, total_spent = %s, tags = %s WHERE id = %s",  # noqa: S608
            updates,
        )


def create_customer_notes(seed: StoreSeed, customers: list[Customer], staff: list[StaffUser]) -> None:
    rng, anchor = seed.rng, seed.anchor
    notes = []
    for customer in customers:
        if rng.random() < 0.05:
            when = customer.date_joined + dt.timedelta(days=rng.randrange(1, 30))
            when = min(when, max(anchor, customer.date_joined))
            notes.append(
                CustomerNote(
                    customer=customer,
                    author=rng.choice(staff),
                    message=rng.choice(CUSTOMER_NOTE_TEMPLATES),
                    created_at=when,
                    updated_at=when,
                )
            )
    CustomerNote.objects.bulk_create(notes, batch_size=CREATE_BATCH)
