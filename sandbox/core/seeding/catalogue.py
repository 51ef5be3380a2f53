"""The catalogue and its stock: products (standalone, or a parent with variants), their
prices in the store's currency and a second one, two warehouses and the stock in each."""

import random

from ..models import Location, Product, ProductPrice, StockRecord
from ..money import cents
from ..profiles import SECOND_CURRENCY, StoreProfile
from .draws import StoreSeed, ascii_slug

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

# Per store, index in CATALOGUE -> units in stock (all at the main warehouse): a few low
# (at or below the threshold of 5) and a few out of stock, different in each store, so
# that one store is out of what another has (the all-stores catalogue shows it).
STOCK_LEVELS = {
    "acme": {3: 2, 7: 0, 13: 3, 17: 0, 27: 0},
    "bergmann": {2: 4, 9: 0, 13: 0, 21: 1, 25: 0},
    "siam": {0: 0, 5: 3, 7: 2, 17: 5, 22: 0},
}
LOW_STOCK_THRESHOLD = 5
# The second fulfillment location: (city, state, postcode).
SECOND_WAREHOUSE = {
    "acme": ("Reno", "NV", "89502"),
    "bergmann": ("Leipzig", "Sachsen", "04109"),
    "siam": ("Chiang Mai", "Chiang Mai", "50200"),
}


def store_price(profile: StoreProfile, usd: float) -> int:
    """A USD list price in the store's currency (cents), rounded to its price points."""
    raw = usd * 100 * profile.price_factor
    step = profile.price_step
    return max(step, round(raw / step) * step) - profile.price_ending


def create_catalogue(seed: StoreSeed) -> list[Product]:
    """The catalogue: a standalone product per CATALOGUE row, except titles listed
    more than once, which become a parent with one child variant per row. Each
    sellable product has a price in the store's currency and in SECOND_CURRENCY's.

    Returns the sellable products (what orders are built from) in CATALOGUE order,
    whatever the structure, so the orders do not depend on it.
    """
    store = seed.store
    now = seed.anchor
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
                date_created=seed.start,
                date_updated=now,
            )
    Product.objects.bulk_create(list(parents.values()))
    rows = []
    for title, variant, usd, cost_share in CATALOGUE:
        price = store_price(seed.profile, usd)
        slug = f"{ascii_slug(title)}-{ascii_slug(variant)}"
        parent = parents.get(title)
        rows.append(
            Product(
                store=store,
                parent=parent,
                structure=Product.CHILD if parent else Product.STANDALONE,
                title=title,
                variant_title=variant,
                # The same SKU in every store: an operator finds one item across stores.
                sku=f"SD-{slug[:10].upper()}-{len(rows) + 1:03d}",
                price=cents(price),
                cost=cents(round(price * cost_share)),
                slug=slug,
                date_created=seed.start,
                date_updated=now,
            )
        )
    products = Product.objects.bulk_create(rows)
    second = SECOND_CURRENCY.get(store.subdomain)
    prices = []
    for product, (_, _, usd, _) in zip(products, CATALOGUE, strict=True):
        prices.append(ProductPrice(product=product, currency=store.currency, price=product.price))
        if second:
            code, rate = second
            prices.append(ProductPrice(product=product, currency=code, price=cents(round(usd * rate) * 100 - 1)))
    ProductPrice.objects.bulk_create(prices)
    return products


def create_stock(seed: StoreSeed, products: list[Product]) -> None:
    """The main warehouse (the store's contact address) and a second one, and stock of every
    product at both (STOCK_LEVELS: a few low, a few out of stock, all at the main one)."""
    profile, store = seed.profile, seed.store
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
    levels = STOCK_LEVELS.get(store.subdomain, STOCK_LEVELS["acme"])
    for index, product in enumerate(products):
        level = levels.get(index)
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
                    low_stock_threshold=LOW_STOCK_THRESHOLD,
                    date_created=seed.start,
                    date_updated=seed.anchor,
                )
            )
    StockRecord.objects.bulk_create(records)
