"""Tickets: the help desk's setup (ticket types and tags), then tickets from customers,
most about one of their orders, each with its thread of messages and notes."""

import datetime as dt
from typing import NamedTuple

from ..models import Customer, Product, StaffUser, Ticket, TicketComment, TicketTag, TicketType
from .bulk import CREATE_BATCH
from .draws import StoreSeed, weighted

TICKET_TYPES = ["Order status", "Returns & refunds", "Product question", "Shipping & delivery", "Billing", "Other"]
TICKET_TAGS = ["vip", "urgent", "damaged-item", "late-delivery", "return", "billing", "follow-up"]
TICKET_SUBJECTS = {
    "Order status": ["Where is my order #{number}?", "Order #{number} still not shipped", "Status of my order"],
    "Returns & refunds": ["Refund request for order #{number}", "How do I return {product}?", "Refund not received"],
    "Product question": ["Question about {product}", "Is {product} in stock?", "Sizing for {product}"],
    "Shipping & delivery": [
        "Package arrived damaged",
        "Can I change my shipping address?",
        "Delivery to {city} taking long",
    ],
    "Billing": ["Charged twice for order #{number}", "Discount code not working", "Need an invoice for #{number}"],
    "Other": ["Account e-mail change", "Partnership inquiry", "Feedback on my last purchase"],
}
CUSTOMER_MESSAGES = [
    "Hello, could you please help me with this? Thanks!",
    "Hi, I ordered a while ago and haven't heard anything since. Can you check?",
    "Hello team, something went wrong with my order, please advise.",
    "Hi there, I have a quick question before I order again.",
]
AGENT_REPLIES = [
    "Thanks for reaching out! I've checked your order and it's on its way.",
    "Sorry about that. I've issued a replacement; you'll get a tracking link shortly.",
    "I've processed the refund; it should appear on your statement within 5-7 days.",
    "Could you send us a photo of the item so we can sort this out?",
    "Happy to help: I've updated the address on your order.",
]
INTERNAL_NOTES = [
    "Checked with the warehouse: parcel left on time.",
    "Second contact about this order; escalate if it happens again.",
    "Refund approved by the team lead.",
    "Carrier claim opened.",
]
CUSTOMER_FOLLOWUPS = ["Thank you, that helps!", "Still waiting, any update?", "Great, received it today."]


class TicketSetup(NamedTuple):
    types: list[TicketType]
    tags: list[TicketTag]


def create_ticket_setup(seed: StoreSeed) -> TicketSetup:
    store = seed.store
    types = TicketType.objects.bulk_create([TicketType(store=store, name=name) for name in TICKET_TYPES])
    tags = TicketTag.objects.bulk_create([TicketTag(store=store, name=name) for name in TICKET_TAGS])
    return TicketSetup(types, tags)


def create_tickets(
    seed: StoreSeed,
    count: int,
    *,
    customers: list[Customer],
    orders,
    lines_per_order,
    products: list[Product],
    staff: list[StaffUser],
    setup: TicketSetup,
) -> None:
    """`count` tickets from customers, most about one of their orders, created oldest first;
    each with its thread (the customer's message, then the staff's replies and internal
    notes, and the customer's follow-ups) and, for some, a tag or two."""
    rng, store, anchor = seed.rng, seed.store, seed.anchor
    if not customers or count <= 0:
        return
    orders_by_customer: dict[int, list[int]] = {}
    for k, order in enumerate(orders):
        orders_by_customer.setdefault(order.customer_id, []).append(k)
    specs = []
    for _ in range(count):
        ticket_type = rng.choice(setup.types)
        customer = rng.choice(customers)
        order_index = None
        if customer.id in orders_by_customer and rng.random() < 0.65:
            order_index = rng.choice(orders_by_customer[customer.id])
        if order_index is not None:
            base = orders[order_index].date_placed
            created = base + dt.timedelta(minutes=rng.randrange(60, 60 * 24 * 25))
        else:
            created = seed.random_moment(max(customer.date_joined, seed.start), anchor, recent_bias=1.3)
        created = min(created, anchor - dt.timedelta(minutes=rng.randrange(1, 600)))
        specs.append((created, ticket_type, customer, order_index))
    specs.sort(key=lambda spec: spec[0])

    tickets, threads = [], []
    for created, ticket_type, customer, order_index in specs:
        order = orders[order_index] if order_index is not None else None
        lines = lines_per_order[order_index] if order_index is not None else []
        product = lines[0].title if lines else rng.choice(products).title
        address = (order.shipping_address or {}) if order else {}
        subject = rng.choice(TICKET_SUBJECTS[ticket_type.name]).format(
            number=order.number if order else rng.randrange(100001, 100999),
            product=product,
            city=address.get("line4", "my city"),
        )
        age = (anchor - created).days
        if age > 14:
            status = weighted(rng, [("closed", 60), ("solved", 35), ("pending", 5)])
        elif age > 3:
            status = weighted(rng, [("solved", 40), ("pending", 25), ("open", 30), ("new", 5)])
        else:
            status = weighted(rng, [("new", 45), ("open", 35), ("pending", 20)])
        assignee = None if status == "new" else rng.choice(staff)
        # The thread: the customer's message, then replies, internal notes and follow-ups.
        when = created
        thread = [(None, customer.email, rng.choice(CUSTOMER_MESSAGES), True, when)]
        if status != "new":
            for _ in range(weighted(rng, [(1, 40), (2, 30), (3, 20), (5, 10)])):
                when = min(when + dt.timedelta(minutes=rng.randrange(20, 60 * 30)), anchor)
                kind = weighted(rng, [("reply", 55), ("note", 25), ("customer", 20)])
                author = assignee or rng.choice(staff)
                if kind == "reply":
                    thread.append((author, None, rng.choice(AGENT_REPLIES), True, when))
                elif kind == "note":
                    thread.append((author, None, rng.choice(INTERNAL_NOTES), False, when))
                else:
                    thread.append((None, customer.email, rng.choice(CUSTOMER_FOLLOWUPS), True, when))
        tickets.append(
            Ticket(
                store=store,
                subject=subject,
                status=status,
                priority=weighted(rng, [("low", 30), ("medium", 50), ("high", 20)]),
                channel=weighted(
                    rng, [("email", 50), ("customer_account", 25), ("dashboard", 10), ("api", 5), ("follow_up", 10)]
                ),
                requester=customer,
                from_email=customer.email,
                assignee=assignee,
                order_id=order.id if order else None,
                ticket_type=ticket_type,
                products=[lines[0].product_id] if lines and rng.random() < 0.5 else [],
                created_at=created,
                updated_at=when,
            )
        )
        threads.append(thread)
    Ticket.objects.bulk_create(tickets, batch_size=CREATE_BATCH)

    comments, tag_links = [], []
    through = Ticket.tags.through
    for ticket, thread in zip(tickets, threads, strict=True):
        for author, from_email, body, is_public, when in thread:
            comments.append(
                TicketComment(
                    ticket=ticket, author=author, from_email=from_email, body=body, is_public=is_public, created_at=when
                )
            )
        if rng.random() < 0.3:
            for tag in rng.sample(setup.tags, weighted(rng, [(1, 75), (2, 25)])):
                tag_links.append(through(ticket_id=ticket.id, tickettag_id=tag.id))
    TicketComment.objects.bulk_create(comments, batch_size=CREATE_BATCH)
    through.objects.bulk_create(tag_links, batch_size=CREATE_BATCH)
