"""Deterministic, realistic store data (seeded Faker and `random`), fast enough for 50,000 orders.

Same seed and same anchor date give the same data. Everything about one order is
computed in memory (integer cents) and written with `bulk_create` in large batches;
fulfillments and refunds are small JSON records that the API renders together with
the order's lines.
"""

import bisect
import datetime as dt
import itertools
import json
import random
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone
from faker import Faker

from . import bulk
from .models import (
    Customer,
    CustomerAddress,
    CustomerNote,
    Location,
    Order,
    OrderLine,
    OrderNote,
    Product,
    ProductPrice,
    StaffUser,
    StockRecord,
    Store,
    Ticket,
    TicketComment,
    TicketTag,
    TicketType,
    Transaction,
    tags_index,
)
from .money import ZERO, cents, split_tax
from .order_records import iso, order_address, refund_record, transaction_record, transaction_row
from .profiles import SECOND_CURRENCY, profile_for

BATCH = 2000
FIRST_ORDER_NUMBER = 100001


# (title, variant, USD price, share of cost)
CATALOGUE = [
    ("Merino Wool Beanie", "Charcoal", 28, 0.35),
    ("Trail Running Socks", "3-pack", 24, 0.3),
    ("Packable Rain Jacket", "M / Navy", 129, 0.42),
    ("Packable Rain Jacket", "L / Olive", 129, 0.42),
    ("Insulated Water Bottle", "750 ml", 34, 0.3),
    ("Canvas Weekender Bag", "Tan", 145, 0.45),
    ("Organic Cotton T-Shirt", "S / White", 32, 0.3),
    ("Organic Cotton T-Shirt", "M / Black", 32, 0.3),
    ("Organic Cotton T-Shirt", "L / Heather", 32, 0.3),
    ("Fleece Pullover", "M / Forest", 89, 0.4),
    ("Down Vest", "L / Black", 149, 0.45),
    ("Camp Enamel Mug", "Speckled Blue", 18, 0.25),
    ("Cast Iron Skillet", "26 cm", 59, 0.4),
    ("Linen Tea Towels", "Set of 2", 22, 0.3),
    ("Scented Soy Candle", "Cedar & Sage", 26, 0.2),
    ("Ceramic Planter", "Medium", 38, 0.35),
    ("Garden Pruning Shears", "Standard", 42, 0.38),
    ("Wool Throw Blanket", "Oatmeal", 119, 0.45),
    ("Bamboo Cutting Board", "Large", 36, 0.3),
    ("Stainless Steel Tumbler", "450 ml", 29, 0.28),
    ("Hiking Daypack", "24 L / Slate", 98, 0.42),
    ("Headlamp", "300 lumen", 39, 0.35),
    ("Silk Scarf", "Indigo", 75, 0.35),
    ("Spice Gift Set", "6 jars", 45, 0.3),
    ("Leather Card Wallet", "Brown", 49, 0.33),
    ("Yoga Mat", "5 mm / Sand", 68, 0.4),
    ("Reusable Produce Bags", "Set of 5", 16, 0.25),
    ("Herb Seed Kit", "Kitchen herbs", 24, 0.2),
    ("Cold Brew Coffee Maker", "1 L", 44, 0.35),
    ("Travel Pillow", "Memory foam", 35, 0.3),
]

# Index in CATALOGUE -> units in stock (all at the main warehouse): low and out of stock.
STOCK_LEVELS = {3: 2, 7: 0, 13: 3, 17: 0, 27: 0}
# The second fulfillment location: (city, state, postcode).
SECOND_WAREHOUSE = {
    "acme": ("Reno", "NV", "89502"),
    "bergmann": ("Leipzig", "Sachsen", "04109"),
    "siam": ("Chiang Mai", "Chiang Mai", "50200"),
}

STAFF_COUNT = 5
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
TICKET_TYPES = ["Order status", "Returns & refunds", "Product question", "Shipping & delivery", "Billing", "Other"]
TICKET_TAGS = ["vip", "urgent", "damaged-item", "late-delivery", "return", "billing", "follow-up"]
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 7, 8, 7, 6, 6, 7, 8, 9, 10, 10, 8, 5, 3]


def ascii_slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum())


class Choice:
    """A weighted choice, precomputed: [(value, weight), ...] or [(a, b, c, weight), ...]."""

    def __init__(self, pairs):
        self.values = [pair[0] if len(pair) == 2 else pair[:-1] for pair in pairs]
        self.cumulative = list(itertools.accumulate(pair[-1] for pair in pairs))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random):
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


HOUR = Choice(list(enumerate(HOUR_WEIGHTS)))
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


def weighted(rng: random.Random, pairs):
    """Pick from [(value, weight), ...] or [(a, b, c, weight), ...] (for paths that are not hot)."""
    return Choice(pairs)(rng)


class StoreSeeder:
    """Builds one store's rows. `build_order` is also used for orders created at run time."""

    def __init__(self, store: Store, *, seed: int, anchor: dt.datetime):
        self.store = store
        self.profile = profile_for(store.subdomain)
        self.rng = random.Random(f"{seed}:{store.subdomain}")
        self.fake = Faker(self.profile.locale)
        self.fake.seed_instance(f"{seed}:{store.subdomain}")
        self.tz = ZoneInfo(store.timezone)
        self.anchor = anchor
        self.start = anchor - dt.timedelta(days=548)
        self.products: list[Product] = []
        self.staff: list[StaffUser] = []
        self.user_agents = [self.fake.user_agent() for _ in range(25)]

    # --- money --------------------------------------------------------------------------

    def price(self, usd: float) -> int:
        raw = usd * 100 * self.profile.price_factor
        step = self.profile.price_step
        return max(step, round(raw / step) * step) - self.profile.price_ending

    # --- setup --------------------------------------------------------------------------

    def create_catalogue(self) -> None:
        """The catalogue: a standalone product per CATALOGUE row, except titles listed
        more than once, which become a parent with one child variant per row. Each
        sellable product has a price in the store's currency and in SECOND_CURRENCY's,
        and stock at both locations (STOCK_LEVELS: a few low, a few out of stock).

        `self.products` (what orders are built from) is the sellable products in
        CATALOGUE order, whatever the structure, so the orders do not depend on it.
        """
        store = self.store
        now = self.anchor
        counts: dict[str, int] = {}
        for title, *_ in CATALOGUE:
            counts[title] = counts.get(title, 0) + 1
        parents = {}
        for title, _variant, _usd, _share in CATALOGUE:
            if counts[title] > 1 and title not in parents:
                parents[title] = Product(
                    store=store,
                    structure=Product.PARENT,
                    title=title,
                    slug=ascii_slug(title),
                    date_created=self.start,
                    date_updated=now,
                )
        Product.objects.bulk_create(list(parents.values()))
        rows = []
        for title, variant, usd, cost_share in CATALOGUE:
            price = self.price(usd)
            slug = f"{ascii_slug(title)}-{ascii_slug(variant)}"
            parent = parents.get(title)
            rows.append(
                Product(
                    store=store,
                    parent=parent,
                    structure=Product.CHILD if parent else Product.STANDALONE,
                    title=title,
                    variant_title=variant,
                    sku=f"{store.subdomain[:3].upper()}-{slug[:10].upper()}-{len(rows) + 1:03d}",
                    price=cents(price),
                    cost=cents(round(price * cost_share)),
                    slug=slug,
                    date_created=self.start,
                    date_updated=now,
                )
            )
        self.products = Product.objects.bulk_create(rows)
        self.index_products()
        second = SECOND_CURRENCY.get(store.subdomain)
        prices = []
        for product, (_, _, usd, _) in zip(self.products, CATALOGUE, strict=True):
            prices.append(ProductPrice(product=product, currency=store.currency, price=product.price))
            if second:
                code, rate = second
                prices.append(ProductPrice(product=product, currency=code, price=cents(round(usd * rate) * 100 - 1)))
        ProductPrice.objects.bulk_create(prices)
        self.create_stock()

    def create_stock(self) -> None:
        profile, store = self.profile, self.store
        contact = profile.contact_address
        city, state, postcode = SECOND_WAREHOUSE.get(store.subdomain, (contact["city"], "", ""))
        main = Location.objects.create(
            store=store,
            name="Main warehouse",
            address={
                "line1": contact["line1"],
                "line4": contact["city"],
                "state": contact["state"],
                "postcode": contact["postcode"],
                "country": contact["country"],
                "phone_number": contact["phone_number"],
            },
        )
        other = Location.objects.create(
            store=store,
            name=f"{city} warehouse",
            address={
                "line1": "1 Depot Road",
                "line4": city,
                "state": state,
                "postcode": postcode,
                "country": contact["country"],
            },
            accept_return=False,
        )
        # Its own generator: stock levels do not shift the orders' random choices.
        rng = random.Random(f"stock:{store.subdomain}")
        records = []
        for index, product in enumerate(self.products):
            level = STOCK_LEVELS.get(index)
            if level is None:
                first, second = rng.randrange(20, 200), rng.randrange(0, 40)
            else:
                first, second = level, 0
            for location, count in ((main, first), (other, second)):
                records.append(
                    StockRecord(
                        product=product,
                        location=location,
                        num_in_stock=count,
                        num_allocated=0,
                        low_stock_threshold=5,
                        date_created=self.start,
                        date_updated=self.anchor,
                    )
                )
        StockRecord.objects.bulk_create(records)

    def index_products(self) -> None:
        self.product_prices = {p.id: split_tax(self.store, int(p.price * 100)) for p in self.products}
        self.product_costs = {p.id: int(p.cost * 100) for p in self.products}

    def create_staff(self) -> None:
        fake_en = Faker("en_US")
        fake_en.seed_instance(f"staff:{self.store.subdomain}")
        domain = f"{self.store.subdomain}.example.com"
        staff = []
        for i in range(STAFF_COUNT):
            first, last = fake_en.first_name(), fake_en.last_name()
            email = f"{ascii_slug(first)}.{ascii_slug(last)}@{domain}"
            staff.append(
                StaffUser.objects.create_staff(
                    store=self.store, email=email, first_name=first, last_name=last, is_owner=i == 0
                )
            )
        self.staff = staff

    def create_ticket_setup(self) -> None:
        self.ticket_types = TicketType.objects.bulk_create(
            [TicketType(store=self.store, name=name) for name in TICKET_TYPES]
        )
        self.ticket_tags = TicketTag.objects.bulk_create([TicketTag(store=self.store, name=n) for n in TICKET_TAGS])

    # --- dates --------------------------------------------------------------------------

    def random_moment(self, earliest: dt.datetime, latest: dt.datetime, *, recent_bias: float = 1.0) -> dt.datetime:
        """A time between the two, busier towards `latest` and in the local evening."""
        span = (latest - earliest).total_seconds()
        day = earliest + dt.timedelta(seconds=span * (self.rng.random() ** (1 / recent_bias)))
        local = day.astimezone(self.tz)
        hour = HOUR(self.rng)
        local = local.replace(hour=hour, minute=self.rng.randrange(60), second=self.rng.randrange(60), microsecond=0)
        moment = local.astimezone(dt.UTC)
        return min(max(moment, earliest), latest)

    # --- customers ----------------------------------------------------------------------

    def person(self) -> dict:
        fake = self.fake
        first, last = fake.first_name(), fake.last_name()
        return {"first_name": first, "last_name": last}

    def customer_rows(self, count: int, first_orders: dict[int, dt.datetime]) -> list[tuple[Customer, list]]:
        fake, rng, profile = self.fake, self.rng, self.profile
        rows = []
        used_emails = set()
        for index in range(count):
            person = self.person()
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
                joined = max(joined, self.start - dt.timedelta(days=60))
            else:
                joined = self.random_moment(self.start, self.anchor)
            language = profile.language if rng.random() < 0.85 else "en"
            customer = Customer(
                store=self.store,
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
                user_agent=rng.choice(self.user_agents),
                metadata={},
            )
            addresses = [self.address_row(person)]
            if rng.random() < 0.15:
                addresses.append(self.address_row(self.person() if rng.random() < 0.5 else person))
            addresses[0].is_default_for_billing = addresses[0].is_default_for_shipping = True
            rows.append((customer, addresses))
        return rows

    def address_row(self, person: dict) -> CustomerAddress:
        fake, rng, profile = self.fake, self.rng, self.profile
        if profile.neighbours and rng.random() < 0.05:
            country, city, state, postcode = rng.choice(profile.neighbours)
        else:
            country, city, postcode = profile.country, fake.city(), fake.postcode()
            state = self.state()
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

    def state(self) -> str:
        fake = self.fake
        for attribute in ("state_abbr", "state", "province"):
            if hasattr(fake, attribute):
                return getattr(fake, attribute)()
        return ""

    # --- orders -------------------------------------------------------------------------

    def statuses(self, placed: dt.datetime) -> dict:
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

    def build_order(
        self, *, number: int, placed: dt.datetime, customer: Customer, address: CustomerAddress, state=None
    ):
        """One order and its lines as namespaces of model attnames, consistent in every amount.

        Seeding inserts them with `bulk.insert`; orders placed at run time become model
        instances with `Order(**vars(order))`.
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
        s = self.statuses(placed)
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
        order.transactions = self.transactions(order, placed)
        if s["refund"]:
            amount = total_incl if s["refund"] == "full" else round(total_incl * rng.choice([0.2, 0.3, 0.5]))
            refund_at = min(placed + dt.timedelta(days=rng.randrange(1, 20)), max(self.anchor, placed))
            order.refunds = [self.refund_record(order, amount, refund_at, full=s["refund"] == "full")]
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

    def transactions(self, order: Order, placed: dt.datetime) -> list[dict]:
        rng = self.rng
        status = order.payment_status
        result = []
        base_id = order.number * 10 + self.store.id * 100_000_000
        if rng.random() < 0.06:
            result.append(self.transaction(base_id + 1, order, "sale", "failed", placed, order.total_incl_tax))
        if status == "pending":
            return result
        kind = "authorization" if status in ("authorized", "expired", "voided") else "sale"
        result.append(
            self.transaction(
                base_id + 2, order, kind, "succeeded", placed + dt.timedelta(seconds=5), order.total_incl_tax
            )
        )
        if status == "voided":
            parent = result[-1]["id"]
            result.append(
                self.transaction(
                    base_id + 3, order, "void", "succeeded", placed + dt.timedelta(hours=2), order.total_incl_tax
                )
            )
            result[-1]["parent_id"] = parent
        return result

    def transaction(self, tid, order, kind, status, when, amount) -> dict:
        return transaction_record(
            self.rng, store=self.store, tid=tid, order=order, kind=kind, status=status, when=when, amount=amount
        )

    def refund_record(self, order: Order, amount: int, when: dt.datetime, *, full: bool, note="") -> dict:
        return refund_record(
            self.rng,
            store=self.store,
            order=order,
            amount=amount,
            when=when,
            full=full,
            note=note,
            user_id=self.staff[0].id if self.staff else 0,
        )


def ensure_staff(store: Store, email: str) -> StaffUser:
    existing = StaffUser.objects.filter(store=store, email__iexact=email).first()
    if existing:
        return existing
    local = email.split("@")[0]
    return StaffUser.objects.create_staff(
        store=store, email=email, first_name=local.split(".")[0].title(), last_name="(sandbox)", is_owner=True
    )


@dataclass
class SeedOptions:
    orders: int = 2000
    customers: int = 600
    tickets: int = 300
    page_size: int | None = None
    rate_limit: float | None = None
    seed: int = 42
    anchor: dt.datetime | None = None


def default_anchor() -> dt.datetime:
    today = timezone.now().astimezone(dt.UTC).date()
    return dt.datetime.combine(today, dt.time.min, tzinfo=dt.UTC)


ORDER_COLUMNS = [
    "id", "store_id", "number", "customer_id", "status", "payment_status", "fulfillment_status",
    "delivery_status", "is_test", "is_disputed", "source", "subscription_lifecycle", "currency",
    "date_placed", "created_at", "updated_at", "tags", "tags_index", "shipping_method", "shipping_code",
    "shipping_excl_tax", "shipping_tax", "total_discount", "total_excl_tax", "total_tax", "total_incl_tax",
    "total_cost", "total_outstanding", "total_refunded", "payment_method", "coupon_code", "offer", "country",
    "fulfillment_location_id", "billing_address", "shipping_address", "attribution", "transactions",
    "refunds", "fulfillments", "cancel_reason", "canceled_at", "metadata", "stock_allocated", "search_blob",
    "address_blob",
]  # fmt: skip
TRANSACTION_COLUMNS = [
    "id", "store_id", "order_id", "customer_id", "type", "status", "amount", "currency", "payment_method",
    "gateway_id", "is_external", "is_test", "is_3ds", "external_id", "auth_code", "bankcard_first_six",
    "bankcard_last_four", "date_created",
]  # fmt: skip


LINE_COLUMNS = [
    "id", "order_id", "product_id", "title", "variant_title", "sku", "quantity", "refunded_quantity",
    "unit_price_excl_tax", "unit_tax", "unit_cost", "total_discount", "requires_shipping",
]  # fmt: skip


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
        seeder = StoreSeeder(store, seed=options.seed, anchor=anchor)
        seeder.create_catalogue()
        seeder.create_staff()
        seeder.create_ticket_setup()
        rng = seeder.rng

        # Order times first, then who placed them: a few loyal customers place many.
        count = options.orders
        placed = sorted(seeder.random_moment(seeder.start, anchor, recent_bias=1.35) for _ in range(count))
        n_customers = max(1, options.customers)
        buyers = max(1, int(n_customers * 0.8))
        order_customer = [min(buyers - 1, int(buyers * (rng.random() ** 1.7))) for _ in range(count)]
        shuffle = list(range(n_customers))
        rng.shuffle(shuffle)
        order_customer = [shuffle[i] for i in order_customer]
        first_orders: dict[int, dt.datetime] = {}
        for when, index in zip(placed, order_customer, strict=True):
            first_orders.setdefault(index, when)

        rows = seeder.customer_rows(n_customers, first_orders)
        by_joined = sorted(range(n_customers), key=lambda i: rows[i][0].date_joined)
        created = Customer.objects.bulk_create([rows[i][0] for i in by_joined], batch_size=BATCH)
        customers: list[Customer] = [None] * n_customers
        for i, customer in zip(by_joined, created, strict=True):
            customers[i] = customer
        addresses = []
        for i in range(n_customers):
            for address in rows[i][1]:
                address.customer = customers[i]
                addresses.append(address)
        CustomerAddress.objects.bulk_create(addresses, batch_size=BATCH)

        orders, lines_per_order = [], []
        order_id, line_id = bulk.next_id(Order), bulk.next_id(OrderLine)
        all_lines = []
        for k, (when, index) in enumerate(zip(placed, order_customer, strict=True)):
            own = rows[index][1]
            address = own[-1] if len(own) > 1 and rng.random() < 0.3 else own[0]
            order, lines = seeder.build_order(
                number=FIRST_ORDER_NUMBER + k, placed=when, customer=customers[index], address=address
            )
            order.id = order_id
            order_id += 1
            for line in lines:
                line.id, line.order_id = line_id, order.id
                line_id += 1
                all_lines.append(line)
            orders.append(order)
            lines_per_order.append(lines)
        bulk.insert(Order, orders, ORDER_COLUMNS)
        bulk.insert(OrderLine, all_lines, LINE_COLUMNS)
        bulk.insert(
            Transaction,
            [transaction_row(order, record) for order in orders for record in order.transactions],
            TRANSACTION_COLUMNS,
        )
        bulk.reset_sequences(Order, OrderLine)

        # Customer counters, as the platform keeps them.
        spent: dict[int, tuple[int, Decimal]] = {}
        for order in orders:
            if order.status == "canceled" or order.is_test:
                continue
            n, total = spent.get(order.customer_id, (0, ZERO))
            spent[order.customer_id] = (n + 1, total + order.total_incl_tax - order.total_refunded)
        vip_threshold = Decimal(1000 * profile.price_factor)
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

        customers_by_id = {c.id: c for c in customers}
        notes = []
        for order in orders:
            if rng.random() < 0.08:
                when = min(order.date_placed + dt.timedelta(hours=rng.randrange(1, 72)), max(anchor, order.date_placed))
                notes.append(
                    OrderNote(
                        order_id=order.id,
                        author=rng.choice(seeder.staff),
                        message=rng.choice(ORDER_NOTE_TEMPLATES).format(
                            name=customer_name(customers_by_id.get(order.customer_id))
                        ),
                        date_created=when,
                        date_updated=when,
                    )
                )
        OrderNote.objects.bulk_create(notes, batch_size=BATCH)
        customer_notes = []
        for customer in customers:
            if rng.random() < 0.05:
                when = customer.date_joined + dt.timedelta(days=rng.randrange(1, 30))
                when = min(when, max(anchor, customer.date_joined))
                customer_notes.append(
                    CustomerNote(
                        customer=customer,
                        author=rng.choice(seeder.staff),
                        message=rng.choice(CUSTOMER_NOTE_TEMPLATES),
                        created_at=when,
                        updated_at=when,
                    )
                )
        CustomerNote.objects.bulk_create(customer_notes, batch_size=BATCH)

        seed_tickets(seeder, options.tickets, customers, orders, lines_per_order)
    log(
        f"  {subdomain}: {count} orders, {n_customers} customers, {options.tickets} tickets "
        f"({profile.currency}, {profile.timezone})"
    )
    return store


def customer_name(customer) -> str:
    return customer.first_name if customer else "the customer"


ORDER_NOTE_TEMPLATES = [
    "Called {name} to confirm the shipping address.",
    "Customer asked for gift wrapping; added a note to the parcel.",
    "Fraud check passed after manual review.",
    "Upgraded shipping to express free of charge (late dispatch).",
    "{name} asked to combine this with their previous order.",
    "Replacement sent for a damaged item.",
]
CUSTOMER_NOTE_TEMPLATES = [
    "Prefers contact by e-mail.",
    "Wholesale inquiry: forwarded to sales.",
    "Frequent returns; check condition on arrival.",
    "VIP: handle with priority.",
    "Asked not to receive marketing calls.",
]
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


def seed_tickets(seeder: StoreSeeder, count: int, customers, orders, lines_per_order) -> None:
    rng, store, anchor = seeder.rng, seeder.store, seeder.anchor
    if not customers or count <= 0:
        return
    orders_by_customer: dict[int, list[int]] = {}
    for k, order in enumerate(orders):
        orders_by_customer.setdefault(order.customer_id, []).append(k)
    specs = []
    for _ in range(count):
        ticket_type = rng.choice(seeder.ticket_types)
        customer = rng.choice(customers)
        order_index = None
        if customer.id in orders_by_customer and rng.random() < 0.65:
            order_index = rng.choice(orders_by_customer[customer.id])
        if order_index is not None:
            base = orders[order_index].date_placed
            created = base + dt.timedelta(minutes=rng.randrange(60, 60 * 24 * 25))
        else:
            created = seeder.random_moment(max(customer.date_joined, seeder.start), anchor, recent_bias=1.3)
        created = min(created, anchor - dt.timedelta(minutes=rng.randrange(1, 600)))
        specs.append((created, ticket_type, customer, order_index))
    specs.sort(key=lambda spec: spec[0])

    tickets, threads = [], []
    for created, ticket_type, customer, order_index in specs:
        order = orders[order_index] if order_index is not None else None
        lines = lines_per_order[order_index] if order_index is not None else []
        product = lines[0].title if lines else rng.choice(seeder.products).title
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
        assignee = None if status == "new" else rng.choice(seeder.staff)
        # The thread: the customer's message, then replies, internal notes and follow-ups.
        when = created
        thread = [(None, customer.email, rng.choice(CUSTOMER_MESSAGES), True, when)]
        if status != "new":
            for _ in range(weighted(rng, [(1, 40), (2, 30), (3, 20), (5, 10)])):
                when = min(when + dt.timedelta(minutes=rng.randrange(20, 60 * 30)), anchor)
                kind = weighted(rng, [("reply", 55), ("note", 25), ("customer", 20)])
                author = assignee or rng.choice(seeder.staff)
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
    Ticket.objects.bulk_create(tickets, batch_size=BATCH)

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
            for tag in rng.sample(seeder.ticket_tags, weighted(rng, [(1, 75), (2, 25)])):
                tag_links.append(through(ticket_id=ticket.id, tickettag_id=tag.id))
    TicketComment.objects.bulk_create(comments, batch_size=BATCH)
    through.objects.bulk_create(tag_links, batch_size=BATCH)
