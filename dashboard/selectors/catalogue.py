"""The store's catalogue: what the new-order form needs (products to pick, with their
price in the store's currency and what is in stock, and the shipping methods), and what
the catalogue pages show (products, their variants and stock per location, across stores).

A sellable product is a variant (`ProductVariant`): a child of a product with variants,
or a standalone product (listed as its own only variant). Order lines name it by id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from storeapi.client import Page, StoreClient, cached_list_pages
from storeapi.errors import StoreAPIError, UnexpectedResponse
from storeapi.figures import figure_in_background
from storeapi.ratelimit import BULK

SEARCH_RESULTS = 20
SKU_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{2,63}$")


@dataclass(frozen=True)
class Variant:
    id: int
    title: str  # the product's title
    variant_title: str  # the variant's own part ("M / Navy"), or ""
    sku: str
    price: Decimal | None  # in `currency`; None when the product has no price in it
    currency: str
    stock: int | None  # what can still be sold (in stock minus allocated); None when untracked
    availability: str  # in_stock, low_stock, out_of_stock, untracked
    purchasable: bool
    requires_shipping: bool

    @property
    def label(self) -> str:
        return f"{self.title} - {self.variant_title}" if self.variant_title else self.title

    @property
    def orderable(self) -> bool:
        return self.purchasable and self.price is not None


def decimal_or_none(value) -> Decimal | None:
    """A money string of the API as a Decimal; None when it is missing or not a number."""
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


def variant_from(data: dict, *, currency: str, product_title: str = "") -> Variant:
    """A `Variant` from a `ProductVariant` answer."""
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        raise UnexpectedResponse("A product variant has no id.")
    price = None
    for entry in data.get("prices") or []:
        if isinstance(entry, dict) and str(entry.get("currency", "")).upper() == currency.upper():
            price = decimal_or_none(entry.get("price"))
    values = [v.get("value") for v in data.get("variant_attribute_values") or [] if isinstance(v, dict)]
    variant_title = " / ".join(str(v) for v in values if v)
    title = product_title or str(data.get("title") or "")
    if not product_title and variant_title and title.endswith(f" - {variant_title}"):
        title = title[: -len(variant_title) - 3]
    tracked = data.get("track_stock", True)
    stock = None
    if tracked:
        stock = 0
        for record in data.get("stockrecords") or []:
            if isinstance(record, dict):
                stock += int(record.get("num_in_stock") or 0) - int(record.get("num_allocated") or 0)
    availability = data.get("inventory_availability") or ("untracked" if not tracked else "in_stock")
    return Variant(
        id=data["id"],
        title=title,
        variant_title=variant_title,
        sku=str(data.get("sku") or ""),
        price=price,
        currency=currency.upper(),
        stock=stock,
        availability=str(availability),
        purchasable=data.get("purchase_availability", "available") != "unavailable",
        requires_shipping=bool(data.get("requires_shipping", True)),
    )


def _variants_of(products: list, currency: str) -> list[Variant]:
    found = []
    for product in products:
        if not isinstance(product, dict):
            continue
        for variant in product.get("variants") or []:
            found.append(variant_from(variant, currency=currency, product_title=str(product.get("title") or "")))
    return found


def product_search(*, store, query: str) -> list[Variant]:
    """Variants whose product title contains the words of `query`, or whose SKU is
    `query` (any case). Two requests at most: by title, and by SKU when it looks like one."""
    query = " ".join(query.split())[:100]
    if len(query) < 2:
        return []
    client = StoreClient.for_store(store)
    currency = store.currency or "USD"
    results = _variants_of(client.list_page("products/", {"title": query}).results, currency)
    if SKU_LIKE.match(query):
        seen = {v.id for v in results}
        by_sku = _variants_of(client.list_page("products/", {"sku": [query]}).results, currency)
        exact = [v for v in by_sku if v.sku.lower() == query.lower() and v.id not in seen]
        results = exact + results
    return results[:SEARCH_RESULTS]


def variant_get(*, store, variant_id: int) -> Variant:
    """One variant with its price and stock; from the object cache when possible."""
    data = StoreClient.for_store(store).get(f"products/variants/{variant_id}/", cached=True)
    return variant_from(data, currency=store.currency or "USD")


@dataclass(frozen=True)
class ShippingMethod:
    code: str
    name: str
    price: Decimal | None
    delivery_time: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.delivery_time})" if self.delivery_time else self.name


def shipping_methods(*, store) -> list[ShippingMethod]:
    """The store's shipping methods with their price in the store's currency (cached)."""
    body = StoreClient.for_store(store).get("shipping-methods/", cached=True, reference=True)
    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        raise UnexpectedResponse("The shipping methods answer has no results.")
    currency = (store.currency or "").upper()
    methods = []
    for item in body["results"]:
        if not isinstance(item, dict) or not item.get("code") or item.get("is_public") is False:
            continue
        price = None
        for entry in item.get("prices") or []:
            if isinstance(entry, dict) and str(entry.get("currency", "")).upper() == currency:
                price = decimal_or_none(entry.get("price_per_order"))
        methods.append(
            ShippingMethod(
                code=str(item["code"]),
                name=str(item.get("name") or item["code"]),
                price=price,
                delivery_time=str(item.get("delivery_time") or ""),
            )
        )
    return methods


# --- the catalogue pages: products, their stock, across stores ------------------------------
#
# Reads of page views go through the shared cache (`cached=True`). The platform sends no
# webhook when a product or its stock changes, so these answers are refreshed by age
# (storeapi.cache: STOREAPI_CACHE_FRESH_SECONDS, then in the background) and say how old
# they are.

STOCK_LEVELS = ("in_stock", "low_stock", "out_of_stock", "untracked")


def stock_level(*, net: int | None, threshold: int | None) -> str:
    """in_stock, low_stock (at or below the threshold) or out_of_stock (nothing to sell)."""
    if net is None:
        return "untracked"
    if net <= 0:
        return "out_of_stock"
    if threshold is not None and net <= threshold:
        return "low_stock"
    return "in_stock"


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class StockLine:
    """A variant's stock at one location."""

    location_id: int | None
    location_name: str
    in_stock: int | None
    allocated: int | None
    net: int | None
    threshold: int | None

    @property
    def level(self) -> str:
        return stock_level(net=self.net, threshold=self.threshold)


@dataclass(frozen=True)
class ProductVariantRow:
    """A variant as the product pages show it: what the order form knows (`variant`) and
    its stock per location."""

    variant: Variant
    stock: list[StockLine]
    reported: str = ""  # the answer's `inventory_availability`, when it gives one

    @property
    def threshold(self) -> int | None:
        values = [line.threshold for line in self.stock if line.threshold is not None]
        return max(values) if values else None

    @property
    def level(self) -> str:
        """The platform's own word when it gives one, else computed from the stock."""
        if self.reported in STOCK_LEVELS:
            return self.reported
        return stock_level(net=self.variant.stock, threshold=self.threshold)


@dataclass(frozen=True)
class ProductRow:
    """A product (a parent with its variants, or a standalone product) of one store."""

    id: int
    title: str
    structure: str
    is_public: bool
    currency: str
    variants: list[ProductVariantRow]
    images: list[str]
    description: str = ""

    @property
    def prices(self) -> tuple[Decimal | None, Decimal | None]:
        """The lowest and highest price of its variants in the store's currency."""
        found = [v.variant.price for v in self.variants if v.variant.price is not None]
        return (min(found), max(found)) if found else (None, None)

    @property
    def level_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STOCK_LEVELS, 0)
        for row in self.variants:
            counts[row.level] = counts.get(row.level, 0) + 1
        return counts

    @property
    def level(self) -> str:
        """Stock at a glance: out when no variant can be sold, low when one is low or out,
        in stock otherwise (untracked when none is tracked)."""
        counts = self.level_counts
        tracked = len(self.variants) - counts["untracked"]
        if not self.variants or tracked == 0:
            return "untracked"
        if counts["out_of_stock"] == tracked:
            return "out_of_stock"
        if counts["out_of_stock"] or counts["low_stock"]:
            return "low_stock"
        return "in_stock"

    @property
    def variant_ids(self) -> list[int]:
        return [row.variant.id for row in self.variants]


def _image_urls(images) -> list[str]:
    """Image addresses a page may show: http(s) only (anything else is not an image URL)."""
    urls = []
    for image in images if isinstance(images, list) else []:
        src = (image.get("src") or image.get("url") or image.get("attachment")) if isinstance(image, dict) else image
        if isinstance(src, str) and src.startswith(("https://", "http://")):
            urls.append(src)
    return urls


def _stock_lines(data: dict, locations: dict[int, str]) -> list[StockLine]:
    if data.get("track_stock", True) is False:
        return []
    lines = []
    for record in data.get("stockrecords") or []:
        if not isinstance(record, dict):
            continue
        in_stock, allocated = _int_or_none(record.get("num_in_stock")), _int_or_none(record.get("num_allocated"))
        net = _int_or_none(record.get("net_stock_level"))
        if net is None and in_stock is not None:
            net = in_stock - (allocated or 0)
        location_id = _int_or_none(record.get("location_id"))
        name = locations.get(location_id) if location_id is not None else None
        lines.append(
            StockLine(
                location_id=location_id,
                location_name=name or (f"Location {location_id}" if location_id is not None else "Location"),
                in_stock=in_stock,
                allocated=allocated,
                net=net,
                threshold=_int_or_none(record.get("low_stock_threshold")),
            )
        )
    return lines


def product_row_from(data: dict, *, currency: str, locations: dict[int, str] | None = None) -> ProductRow:
    """A `ProductRow` from a `ProductList` or `Product` answer."""
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        raise UnexpectedResponse("A product has no id.")
    title = str(data.get("title") or "")
    variants = []
    for item in data.get("variants") or []:
        if isinstance(item, dict) and isinstance(item.get("id"), int):
            variants.append(
                ProductVariantRow(
                    variant=variant_from(item, currency=currency, product_title=title),
                    stock=_stock_lines(item, locations or {}),
                    reported=str(item.get("inventory_availability") or ""),
                )
            )
    description = data.get("description")
    return ProductRow(
        id=data["id"],
        title=title,
        structure=str(data.get("structure") or ""),
        is_public=data.get("is_public") is not False,
        currency=currency.upper(),
        variants=variants,
        images=_image_urls(data.get("images")),
        description=description if isinstance(description, str) else "",
    )


@dataclass(frozen=True)
class ProductPage:
    rows: list[ProductRow]
    next_cursor: str | None


def product_list_page(*, store, params: dict, cursor: str | None = None) -> ProductPage:
    """One page of the store's products (the platform's filters), one upstream request."""
    page = StoreClient.for_store(store).list_page("products/", params, cursor=cursor, cached=True)
    currency = store.currency or "USD"
    rows = [product_row_from(item, currency=currency) for item in page.results if isinstance(item, dict)]
    return ProductPage(rows=rows, next_cursor=page.next_cursor)


def product_locations(*, store, title: str) -> dict[int, str]:
    """Names of the locations holding a product's stock, from the stock records that
    match its title (one cached request; the product answer names locations by id only)."""
    page = StoreClient.for_store(store).list_page("stockrecords/", {"search_text": title[:100]}, cached=True)
    names = {}
    for record in page.results:
        location = record.get("location") if isinstance(record, dict) else None
        if isinstance(location, dict) and isinstance(location.get("id"), int) and location.get("name"):
            names[location["id"]] = str(location["name"])
    return names


def product_get(*, store, product_id: int) -> ProductRow:
    """One product with its variants, their prices and stock per location (named when
    the stock records can be read; their failure leaves the locations by number)."""
    data = StoreClient.for_store(store).get(f"products/{product_id}/", cached=True)
    if not isinstance(data, dict):
        raise UnexpectedResponse("The product answer is not an object.")
    try:
        locations = product_locations(store=store, title=str(data.get("title") or ""))
    except StoreAPIError:
        locations = {}
    return product_row_from(data, currency=store.currency or "USD", locations=locations)


def variant_product_id(*, store, variant_id: int) -> int:
    """The product a variant belongs to (what an order line names), from the cache."""
    data = StoreClient.for_store(store).get(f"products/variants/{variant_id}/", cached=True)
    product_id = data.get("product_id") if isinstance(data, dict) else None
    if not isinstance(product_id, int):
        raise UnexpectedResponse("The variant answer names no product.")
    return product_id


def product_orders_page(*, store, product: ProductRow) -> Page:
    """Recent orders with one of the product's variants (the orders list's `product`)."""
    ids = sorted({product.id, *product.variant_ids})
    return StoreClient.for_store(store).list_page("orders/", {"product": ids}, cached=True)


def product_tickets_page(*, store, product: ProductRow) -> Page:
    """Tickets that mention the product or one of its variants (the tickets list's `product`)."""
    ids = sorted({product.id, *product.variant_ids})
    return StoreClient.for_store(store).list_page("tickets/", {"product": ids}, cached=True)


# --- across stores ---------------------------------------------------------------------------

CROSS_STORE_MATCHES = 20  # variants shown per store


@dataclass(frozen=True)
class StoreMatch:
    """A variant found in one store, with its product."""

    product: ProductRow
    row: ProductVariantRow


def _clean_query(query: str) -> str:
    return " ".join(query.split())[:100]


def _matches(store, items, query: str, *, sku_only: bool) -> list[StoreMatch]:
    """The variants of a `products/` page: those with the SKU `query` (any case), or all."""
    currency = store.currency or "USD"
    found: list[StoreMatch] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        product = product_row_from(item, currency=currency)
        for row in product.variants:
            if not sku_only or row.variant.sku.lower() == query.lower():
                found.append(StoreMatch(product=product, row=row))
    return found


def _queries(query: str) -> list[tuple[dict, bool]]:
    """What to ask, in order, until something is found: (parameters, SKU only)."""
    asks = [({"sku": [query]}, True)] if SKU_LIKE.match(query) else []
    return [*asks, ({"title": query}, False)]


def catalogue_find(*, store, query: str) -> list[StoreMatch]:
    """The variants of one store whose SKU is `query` (any case) or, when none has it,
    whose product title has its words. At most two cached requests (by SKU when the query
    looks like one, then by title)."""
    query = _clean_query(query)
    if len(query) < 2:
        return []
    client = StoreClient.for_store(store)
    found: list[StoreMatch] = []
    for params, sku_only in _queries(query):
        found = _matches(store, client.list_page("products/", params, cached=True).results, query, sku_only=sku_only)
        if found:
            break
    return found[:CROSS_STORE_MATCHES]


def catalogue_find_everywhere(*, stores: list, query: str):
    """`catalogue_find` in every store: first what the shared cache can show for all of
    them (one Redis round trip per step, no thread), then the other stores at once in the
    all-stores pool (dashboard.selectors.cross_store: a bounded number of threads).
    Returns ({store pk: matches}, failures)."""
    from .cross_store import stores_fan_out  # the all-stores pages' pool

    query = _clean_query(query)
    if len(query) < 2:
        return {store.pk: [] for store in stores}, []
    results: dict[int, list[StoreMatch]] = {}
    pending = list(stores)  # stores whose answer so far came from the cache, and was empty
    for params, sku_only in _queries(query):
        if not pending:
            break
        clients = [StoreClient.for_store(store) for store in pending]
        pages = cached_list_pages(clients, "products/", params, cursors=[None] * len(pending))
        still = []
        for store, page in zip(pending, pages, strict=True):
            if page is None:
                results.pop(store.pk, None)  # not cached: asked below, the whole way
                continue
            found = _matches(store, page.results, query, sku_only=sku_only)
            if found:
                results[store.pk] = found[:CROSS_STORE_MATCHES]
            else:
                still.append(store)
        for store in still:
            results[store.pk] = []  # nothing yet; the next step may find it
        pending = still
    asked = [store for store in stores if store.pk not in results]
    fetched, failures = stores_fan_out(stores=asked, call=lambda store: catalogue_find(store=store, query=query))
    results.update(fetched)
    return results, failures


# --- low stock ---------------------------------------------------------------------------------

LOW_STOCK_MAX_PAGES = 10  # per availability: 500 stock records at the platform's page size
LOW_STOCK_FIGURE = "lowstock"


@dataclass(frozen=True)
class LowStockRecord:
    id: int
    product_id: int | None
    variant_id: int | None
    title: str
    variant_title: str
    sku: str
    location_name: str
    in_stock: int | None
    allocated: int | None
    net: int
    threshold: int

    @property
    def level(self) -> str:
        return stock_level(net=self.net, threshold=self.threshold)


@dataclass(frozen=True)
class LowStock:
    records: list[LowStockRecord]
    capped: bool  # more than LOW_STOCK_MAX_PAGES pages: not every record was read
    counted_at: float | None  # epoch seconds; None: being counted for the first time
    error: StoreAPIError | None = None  # the last walk failed (walked again on the next view)

    @property
    def as_of(self) -> datetime | None:
        return None if self.counted_at is None else datetime.fromtimestamp(self.counted_at, tz=UTC)


def _low_stock_record(data) -> LowStockRecord | None:
    """A stock record at or below its threshold (None for any other, or a malformed one)."""
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    in_stock, allocated = _int_or_none(data.get("num_in_stock")), _int_or_none(data.get("num_allocated"))
    net = _int_or_none(data.get("net_stock_level"))
    if net is None and in_stock is not None:
        net = in_stock - (allocated or 0)
    threshold = _int_or_none(data.get("low_stock_threshold"))
    if net is None or threshold is None or net > threshold:
        return None
    product = data.get("product") if isinstance(data.get("product"), dict) else {}
    location = data.get("location") if isinstance(data.get("location"), dict) else {}
    return LowStockRecord(
        id=data["id"],
        product_id=_int_or_none(product.get("id")),
        variant_id=_int_or_none(product.get("variant_id")),
        title=str(product.get("title") or ""),
        variant_title=str(product.get("variant_title") or ""),
        sku=str(product.get("sku") or ""),
        location_name=str(location.get("name") or ""),
        in_stock=in_stock,
        allocated=allocated,
        net=net,
        threshold=threshold,
    )


def low_stock_walk(*, store) -> dict:
    """Every stock record of the store at or below its low-stock threshold: out of stock
    first, then low. Walks the stock records at bulk priority (page views of the store
    go first), up to LOW_STOCK_MAX_PAGES pages per availability. Plain data (cached);
    a store's refusal or failure is kept as the answer (`error`), for the page to say."""
    client = StoreClient.for_store(store, priority=BULK)
    records: list[LowStockRecord] = []
    seen: set[int] = set()
    capped = False
    try:
        for availability in ("out_of_stock", "low_stock"):
            params = {"inventory_availability": availability}
            for index, page in enumerate(client.iter_pages("stockrecords/", params)):
                for item in page.results:
                    record = _low_stock_record(item)
                    if record is not None and record.id not in seen:
                        seen.add(record.id)
                        records.append(record)
                if page.has_next and index + 1 >= LOW_STOCK_MAX_PAGES:
                    capped = True
                    break
    except StoreAPIError as error:
        return {"records": [], "capped": False, "error": error}
    return {"records": records, "capped": capped, "error": None}


def low_stock(*, store) -> LowStock:
    """The store's low stock as last walked (`low_stock_walk`), shared by the whole team;
    walked again in the background when older than the figures' age (storeapi.figures),
    never while a page waits. `counted_at` None: the first walk is under way."""
    value, counted_at = figure_in_background(
        store=store,
        name=LOW_STOCK_FIGURE,
        resources=("stockrecords",),
        compute=lambda: low_stock_walk(store=store),
        stale=lambda value: value.get("error") is not None,
    )
    if value is None:
        return LowStock(records=[], capped=False, counted_at=None)
    return LowStock(
        records=list(value["records"]),
        capped=bool(value["capped"]),
        counted_at=counted_at,
        error=value.get("error"),
    )
