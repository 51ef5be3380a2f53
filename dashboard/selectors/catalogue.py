"""The store's catalogue as the new-order form needs it: products to pick, with their
price in the store's currency and what is in stock, and the shipping methods.

A sellable product is a variant (`ProductVariant`): a child of a product with variants,
or a standalone product (listed as its own only variant). Order lines name it by id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from storeapi.client import StoreClient
from storeapi.errors import UnexpectedResponse

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
