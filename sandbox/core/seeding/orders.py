"""Orders: when they are placed and by whom, each order with its lines, discounts,
shipping, statuses, transactions, refund and fulfillment (`OrderBuilder`), written in
bulk, and a few notes by the staff.

`OrderBuilder` also places the control endpoint's new orders at run time (live_orders.py),
so that those look like seeded ones.
"""

import datetime as dt
import random
from types import SimpleNamespace

from ..models import (
    Customer,
    CustomerAddress,
    Order,
    OrderLine,
    OrderNote,
    Product,
    StaffUser,
    Store,
    Transaction,
    tags_index,
)
from ..money import ZERO, cents, split_tax
from ..order_records import iso, order_address, refund_record, transaction_id, transaction_record, transaction_row
from ..profiles import profile_for
from . import bulk
from .bulk import CREATE_BATCH
from .draws import Choice, StoreSeed

ORDER_TAGS = ["vip", "gift", "wholesale", "priority", "fraud-review", "repeat-customer", "influencer"]
COUPONS = [("WELCOME10", 10), ("SPRING15", 15), ("VIP20", 20), ("FREESHIP", 5)]
OFFERS = ["Bundle & Save 10%", "Second item half price"]
PAYMENT_METHODS = [("card_token", 70), ("paypal", 18), ("apple_pay", 8), ("google_pay", 4)]
UTM = [
    (None, None, None, 40),
    ("google", "cpc", "brand-search", 20),
    ("facebook", "paid_social", "spring-sale", 12),
    ("instagram", "social", "ugc-stories", 8),
    ("newsletter", "email", "weekly-digest", 12),
    ("tiktok", "paid_social", "creator-collab", 8),
]
CARRIERS = [("UPS", "https://www.ups.com/track?tracknum={}"), ("DHL", "https://www.dhl.com/track?id={}")]

LINE_COUNT = Choice([(1, 50), (2, 30), (3, 14), (4, 6)])
QUANTITY = Choice([(1, 80), (2, 15), (3, 5)])
PAYMENT_METHOD = Choice(PAYMENT_METHODS)
SOURCE = Choice([("checkout", 88), ("dashboard", 6), ("admin_api", 3), ("subscription", 3)])
CAMPAIGN = Choice(UTM)
TAG_COUNT = Choice([(1, 80), (2, 20)])
NEW_PAYMENT = Choice([("paid", 60), ("authorized", 25), ("pending", 15)])
NEW_FULFILLMENT = Choice([("unfulfilled", 70), ("processing", 25), ("on_hold", 5)])
RECENT_PAYMENT = Choice([("paid", 92), ("authorized", 6), ("partially_refunded", 2)])
RECENT_FULFILLMENT = Choice([("fulfilled", 60), ("processing", 30), ("unfulfilled", 10)])
OLD_PAYMENT = Choice([("paid", 90), ("partially_refunded", 5), ("refunded", 4), ("expired", 1)])
OLD_FULFILLMENT = Choice([("fulfilled", 97), ("on_hold", 1), ("rejected", 1), ("incomplete", 1)])
IN_TRANSIT = Choice([("in_transit", 50), ("out_for_delivery", 20), ("tracking_added", 20), ("delivered", 10)])

ORDER_NOTE_TEMPLATES = [
    "Called {name} to confirm the shipping address.",
    "Customer asked for gift wrapping; added a note to the parcel.",
    "Fraud check passed after manual review.",
    "Upgraded shipping to express free of charge (late dispatch).",
    "{name} asked to combine this with their previous order.",
    "Replacement sent for a damaged item.",
]

# The columns `bulk.insert` writes: every attribute of the namespaces OrderBuilder builds.
ORDER_INSERT_COLUMNS = [
    "id", "store_id", "number", "customer_id", "status", "payment_status", "fulfillment_status",
    "delivery_status", "is_test", "is_disputed", "source", "subscription_lifecycle", "currency",
    "date_placed", "created_at", "updated_at", "tags", "tags_index", "shipping_method", "shipping_code",
    "shipping_excl_tax", "shipping_tax", "total_discount", "total_excl_tax", "total_tax", "total_incl_tax",
    "total_cost", "total_outstanding", "total_refunded", "payment_method", "coupon_code", "offer", "country",
    "fulfillment_location_id", "billing_address", "shipping_address", "attribution", "transactions",
    "refunds", "fulfillments", "cancel_reason", "canceled_at", "metadata", "stock_allocated", "search_blob",
    "address_blob",
]  # fmt: skip
LINE_INSERT_COLUMNS = [
    "id", "order_id", "product_id", "title", "variant_title", "sku", "quantity", "refunded_quantity",
    "unit_price_excl_tax", "unit_tax", "unit_cost", "total_discount", "requires_shipping",
]  # fmt: skip
TRANSACTION_INSERT_COLUMNS = [
    "id", "store_id", "order_id", "customer_id", "type", "status", "amount", "currency", "payment_method",
    "gateway_id", "is_external", "is_test", "is_3ds", "external_id", "auth_code", "bankcard_first_six",
    "bankcard_last_four", "date_created",
]  # fmt: skip


def order_schedule(seed: StoreSeed, *, orders: int, customers: int) -> list[tuple[dt.datetime, int]]:
    """When each order is placed (oldest first) and by which customer (an index): the
    times first, then who placed them; a few loyal customers place many, a fifth none."""
    rng = seed.rng
    placed = sorted(seed.random_moment(seed.start, seed.anchor, recent_bias=1.35) for _ in range(orders))
    buyers = max(1, int(customers * 0.8))
    order_customer = [min(buyers - 1, int(buyers * (rng.random() ** 1.7))) for _ in range(orders)]
    shuffle = list(range(customers))
    rng.shuffle(shuffle)
    return [(when, shuffle[i]) for when, i in zip(placed, order_customer, strict=True)]


def create_orders(
    seed: StoreSeed,
    schedule: list[tuple[dt.datetime, int]],
    customers: list[tuple[Customer, list[CustomerAddress]]],
    *,
    products: list[Product],
    staff: list[StaffUser],
) -> tuple[list[SimpleNamespace], list[list[SimpleNamespace]]]:
    """The orders of the schedule, numbered from Order.FIRST_NUMBER, with their lines and
    `Transaction` rows; returns the orders and each one's lines."""
    rng = seed.rng
    builder = OrderBuilder(seed.store, rng=rng, anchor=seed.anchor, products=products, staff=staff)
    orders, lines_per_order, all_lines = [], [], []
    order_id, line_id = bulk.next_id(Order), bulk.next_id(OrderLine)
    for k, (when, index) in enumerate(schedule):
        customer, own = customers[index]
        address = own[-1] if len(own) > 1 and rng.random() < 0.3 else own[0]
        order, lines = builder.build(number=Order.FIRST_NUMBER + k, placed=when, customer=customer, address=address)
        order.id = order_id
        order_id += 1
        for line in lines:
            line.id, line.order_id = line_id, order.id
            line_id += 1
            all_lines.append(line)
        orders.append(order)
        lines_per_order.append(lines)
    bulk.insert(Order, orders, ORDER_INSERT_COLUMNS)
    bulk.insert(OrderLine, all_lines, LINE_INSERT_COLUMNS)
    bulk.insert(
        Transaction,
        [transaction_row(order, record) for order in orders for record in order.transactions],
        TRANSACTION_INSERT_COLUMNS,
    )
    bulk.reset_sequences(Order, OrderLine)
    return orders, lines_per_order


def create_order_notes(seed: StoreSeed, orders, customers: list[Customer], staff: list[StaffUser]) -> None:
    rng, anchor = seed.rng, seed.anchor
    customers_by_id = {c.id: c for c in customers}
    notes = []
    for order in orders:
        if rng.random() < 0.08:
            when = min(order.date_placed + dt.timedelta(hours=rng.randrange(1, 72)), max(anchor, order.date_placed))
            customer = customers_by_id.get(order.customer_id)
            notes.append(
                OrderNote(
                    order_id=order.id,
                    author=rng.choice(staff),
                    message=rng.choice(ORDER_NOTE_TEMPLATES).format(
                        name=customer.first_name if customer else "the customer"
                    ),
                    date_created=when,
                    date_updated=when,
                )
            )
    OrderNote.objects.bulk_create(notes, batch_size=CREATE_BATCH)


class OrderBuilder:
    """One store's random orders, consistent in every amount. Draws from `rng`: the seed's
    generator while seeding, a fresh one for orders placed at run time."""

    def __init__(
        self,
        store: Store,
        *,
        rng: random.Random,
        anchor: dt.datetime,
        products: list[Product],
        staff: list[StaffUser],
    ):
        self.store = store
        self.profile = profile_for(store.subdomain)
        self.rng = rng
        # "Now" for the orders: their age decides their statuses; nothing happens after it.
        self.anchor = anchor
        self.products = products
        self.staff = staff
        self.product_prices = {p.id: split_tax(store, int(p.price * 100)) for p in products}
        self.product_costs = {p.id: int(p.cost * 100) for p in products}

    def _statuses(self, placed: dt.datetime) -> dict:
        rng = self.rng
        age = (self.anchor - placed).days
        s = {"status": "open", "delivery_status": "", "refund": None}
        roll = rng.random()
        if roll < 0.04:
            s.update(status="canceled", payment_status=rng.choice(["voided", "refunded"]), fulfillment="unfulfilled")
            s["refund"] = "full" if s["payment_status"] == "refunded" else None
            return s
        if age < 2:
            s["payment_status"] = NEW_PAYMENT(rng)
            s["fulfillment"] = NEW_FULFILLMENT(rng)
        elif age < 8:
            s["payment_status"] = RECENT_PAYMENT(rng)
            s["fulfillment"] = RECENT_FULFILLMENT(rng)
        else:
            s["payment_status"] = OLD_PAYMENT(rng)
            s["fulfillment"] = OLD_FULFILLMENT(rng)
        if s["payment_status"] == "expired":
            s["fulfillment"] = "unfulfilled"
        if s["payment_status"] == "refunded":
            s["refund"] = "full"
        elif s["payment_status"] == "partially_refunded":
            s["refund"] = "partial"
        if s["fulfillment"] == "fulfilled":
            s["delivery_status"] = "delivered" if age > 10 else IN_TRANSIT(rng)
            if age > 90 and rng.random() < 0.5:
                s["status"] = "archived"
        return s

    def build(self, *, number: int, placed: dt.datetime, customer: Customer, address: CustomerAddress, state=None):
        """One order and its lines as namespaces of model attnames, consistent in every amount.

        The seed inserts them with `bulk.insert`; orders placed at run time become model
        instances with `Order(**vars(order))`. `state` fixes some of the statuses
        (`status`, `payment_status`, `fulfillment`); the rest follows from them.
        """
        rng, store, profile = self.rng, self.store, self.profile
        currency = profile.currency
        picked = rng.sample(self.products, LINE_COUNT(rng))
        lines, lines_incl, lines_tax, total_cost = [], 0, 0, 0
        for product in picked:
            quantity = QUANTITY(rng)
            excl, tax = self.product_prices[product.id]
            lines.append(
                SimpleNamespace(
                    order_id=None,
                    product_id=product.id,
                    title=product.title,
                    variant_title=product.variant_title,
                    sku=product.sku,
                    quantity=quantity,
                    refunded_quantity=0,
                    unit_price_excl_tax=cents(excl),
                    unit_tax=cents(tax),
                    unit_cost=product.cost,
                    total_discount=ZERO,
                    requires_shipping=product.requires_shipping,
                )
            )
            lines_incl += (excl + tax) * quantity
            lines_tax += tax * quantity
            total_cost += self.product_costs[product.id] * quantity
        coupon, offer, discount_incl, discount_tax = "", "", 0, 0
        roll = rng.random()
        if roll < 0.10:
            coupon, percent = rng.choice(COUPONS)
        elif roll < 0.14 and len(lines) > 1:
            offer, percent = rng.choice(OFFERS), 10
        if coupon or offer:
            discount_incl = round(lines_incl * percent / 100)
            discount_tax = round(lines_tax * percent / 100)
        ship_code, ship_name, ship_price = profile.shipping[0] if rng.random() < 0.85 else profile.shipping[1]
        if ship_code == profile.shipping[0][0] and lines_incl - discount_incl >= profile.free_shipping_over:
            ship_price = 0
        ship_excl, ship_tax = split_tax(store, ship_price)
        total_incl = lines_incl - discount_incl + ship_excl + ship_tax
        total_tax = lines_tax - discount_tax + ship_tax
        s = self._statuses(placed)
        if state:  # orders placed through the control endpoint may ask for a given state
            s.update(state)
            if "payment_status" in state:
                s["refund"] = {"refunded": "full", "partially_refunded": "partial"}.get(state["payment_status"])
            if s["fulfillment"] != "fulfilled":
                s["delivery_status"] = ""
        outstanding = total_incl if s["payment_status"] in ("pending", "authorized", "expired") else 0
        payment_method = PAYMENT_METHOD(rng)
        source = SOURCE(rng)
        agent = rng.choice(self.staff) if source == "dashboard" and self.staff else None
        utm_source, utm_medium, utm_campaign = CAMPAIGN(rng)
        # Stored without its empty keys; the API fills them in (representations.attribution_repr).
        attribution = {}
        if agent:
            attribution["agent"] = {
                "id": agent.id,
                "email": agent.email,
                "first_name": agent.first_name,
                "last_name": agent.last_name,
            }
        if rng.random() < 0.06:
            attribution["affiliate"] = f"aff-{rng.randrange(1001, 1012)}"
        if utm_source:
            attribution.update(utm_source=utm_source, utm_medium=utm_medium, utm_campaign=utm_campaign)
            if utm_source in ("facebook", "instagram", "tiktok"):
                attribution["funnel"] = "main-funnel"
            elif utm_source == "google":
                attribution["gclid"] = f"Cj0KCQ{rng.getrandbits(48):x}"
        tags = rng.sample(ORDER_TAGS, TAG_COUNT(rng)) if rng.random() < 0.15 else []
        address_json = order_address(address, customer)
        updated = min(placed + dt.timedelta(minutes=rng.randrange(1, 60 * 24 * 3)), max(self.anchor, placed))
        order = SimpleNamespace(
            id=None,
            store_id=store.id,
            number=number,
            customer_id=customer.id,
            status=s["status"],
            payment_status=s["payment_status"],
            fulfillment_status=s["fulfillment"],
            delivery_status=s["delivery_status"],
            is_test=rng.random() < 0.025,
            is_disputed=s["payment_status"] == "paid" and rng.random() < 0.007,
            source=source,
            subscription_lifecycle="recurring" if source == "subscription" else "non-recurring",
            currency=currency,
            date_placed=placed,
            created_at=placed,
            updated_at=updated,
            tags=tags,
            tags_index=tags_index(tags),
            shipping_method=ship_name,
            shipping_code=ship_code,
            shipping_excl_tax=cents(ship_excl),
            shipping_tax=cents(ship_tax),
            total_discount=cents(discount_incl),
            total_excl_tax=cents(total_incl - total_tax),
            total_tax=cents(total_tax),
            total_incl_tax=cents(total_incl),
            total_cost=cents(total_cost),
            total_outstanding=cents(outstanding),
            total_refunded=ZERO,
            payment_method=payment_method,
            coupon_code=coupon,
            offer=offer,
            country=address.country,
            fulfillment_location_id=None,
            billing_address=address_json,
            shipping_address={**address_json, "notes": ""},
            attribution=attribution,
            transactions=[],
            refunds=[],
            fulfillments=[],
            cancel_reason="",
            canceled_at=None,
            metadata={},
            stock_allocated=False,
            search_blob=" ".join(
                [str(number), customer.first_name, customer.last_name, customer.email, customer.phone_number or ""]
            ).lower(),
            address_blob=" ".join(
                [address.line1, address.line2, address.line4, address.state, address.postcode, address.country]
            ).lower(),
        )
        if s["status"] == "canceled":
            order.cancel_reason = rng.choice(["customer", "fraud", "inventory", "declined"])
            order.canceled_at = updated
        order.transactions = self._transactions(order, placed)
        if s["refund"]:
            amount = total_incl if s["refund"] == "full" else round(total_incl * rng.choice([0.2, 0.3, 0.5]))
            refund_at = min(placed + dt.timedelta(days=rng.randrange(1, 20)), max(self.anchor, placed))
            order.refunds = [
                refund_record(
                    rng,
                    store=store,
                    order=order,
                    amount=amount,
                    when=refund_at,
                    full=s["refund"] == "full",
                    user_id=self.staff[0].id if self.staff else 0,
                )
            ]
            order.total_refunded = cents(amount)
            order.transactions.append(order.refunds[0]["transaction"])
            if s["refund"] == "full":
                for line in lines:
                    line.refunded_quantity = line.quantity
        if s["fulfillment"] == "fulfilled":
            carrier, link = rng.choice(CARRIERS)
            code = f"1Z{rng.getrandbits(40):010X}" if carrier == "UPS" else f"{rng.getrandbits(36):011d}"
            shipped = placed + dt.timedelta(hours=rng.randrange(6, 72))
            order.fulfillments = [
                {
                    "id": number * 10 + 1,
                    "location_id": 1 if rng.random() < 0.8 else 2,
                    "carrier": carrier,
                    "tracking_code": code,
                    "tracking_link": link.format(code),
                    "created_at": iso(shipped),
                    "last_event_date": iso(shipped + dt.timedelta(days=rng.randrange(1, 6))),
                    "delivery_status": s["delivery_status"],
                }
            ]
            order.fulfillment_location_id = order.fulfillments[0]["location_id"]
        return order, lines

    def _transactions(self, order, placed: dt.datetime) -> list[dict]:
        """The order's payment: sometimes a failed attempt first; then the sale (or the
        authorization, when the order was not captured), and the void of a voided one."""
        rng, store = self.rng, self.store
        status = order.payment_status
        result = []

        def record(slot, kind, outcome, when):
            tid = transaction_id(store, order.number, slot)
            amount = order.total_incl_tax
            return transaction_record(
                rng, store=store, tid=tid, order=order, kind=kind, status=outcome, when=when, amount=amount
            )

        if rng.random() < 0.06:
            result.append(record(1, "sale", "failed", placed))
        if status == "pending":
            return result
        kind = "authorization" if status in ("authorized", "expired", "voided") else "sale"
        result.append(record(2, kind, "succeeded", placed + dt.timedelta(seconds=5)))
        if status == "voided":
            parent = result[-1]["id"]
            result.append(record(3, "void", "succeeded", placed + dt.timedelta(hours=2)))
            result[-1]["parent_id"] = parent
        return result
