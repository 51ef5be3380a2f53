"""The shipping methods of a store (`/shipping-methods/`, and what `POST /orders/` charges)."""

from dataclasses import dataclass

from .models import Store
from .money import cents
from .profiles import SECOND_CURRENCY, profile_for


@dataclass(frozen=True)
class ShippingMethod:
    id: int
    code: str
    name: str
    description: str
    delivery_time: str
    countries: tuple
    prices: tuple  # ((currency, Decimal), ...)


def shipping_methods(store: Store) -> list[ShippingMethod]:
    """The store's shipping methods (`/shipping-methods/`), from its profile: the first
    is the default. Orders placed through the API pay `price_per_order` (no free
    shipping threshold: that is a checkout offer)."""
    profile = profile_for(store.subdomain)
    countries = (profile.country, *[n[0] for n in profile.neighbours])
    times = ("3-5 days", "1-2 days")
    second = SECOND_CURRENCY.get(store.subdomain)
    methods = []
    for index, (code, name, price) in enumerate(profile.shipping):
        prices = [(store.currency, cents(price))]
        if second:
            usd = price / 100 / profile.price_factor
            prices.append((second[0], cents(round(usd * second[1]) * 100 - 1)))
        methods.append(
            ShippingMethod(
                id=store.id * 100 + index + 1,
                code=code,
                name=name,
                description=f"{name}, {times[index % 2]}",
                delivery_time=times[index % 2],
                countries=countries,
                prices=tuple(prices),
            )
        )
    return methods
