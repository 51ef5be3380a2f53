"""What each sandbox store is like: name, currency, time zone, language, tax, price
levels and shipping. The seed builds a store from its profile; at run time the
profile still answers what the database does not keep (its shipping methods, the
second currency its catalogue is priced in, the shape of random orders).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class StoreProfile:
    name: str
    currency: str
    timezone: str
    language: str
    country: str
    locale: str
    tax_title: str
    tax_rate: str
    prices_include_tax: bool
    price_factor: float
    price_step: int  # prices end on a multiple of this many cents (minus the ending below)
    price_ending: int
    shipping: tuple  # ((code, name, cents), ...)
    free_shipping_over: int
    tagline: str
    tax_id: str
    contact_address: dict
    neighbours: tuple = ()  # ((country, city, state, postcode), ...): where some customers live


PROFILES = {
    "acme": StoreProfile(
        name="Acme Outfitters",
        currency="USD",
        timezone="America/New_York",
        language="en",
        country="US",
        locale="en_US",
        tax_title="Sales Tax",
        tax_rate="0.0725",
        prices_include_tax=False,
        price_factor=1.0,
        price_step=100,
        price_ending=5,
        shipping=(("standard", "Standard Shipping", 795), ("express", "Express Shipping", 1995)),
        free_shipping_over=10000,
        tagline="Gear for every trail",
        tax_id="84-1234567",
        contact_address={
            "company_name": "Acme Outfitters Inc.",
            "line1": "350 Fifth Avenue",
            "line2": "Suite 4100",
            "city": "New York",
            "state": "NY",
            "postcode": "10118",
            "country": "US",
            "phone_number": "+1 212-555-0142",
        },
        neighbours=(("CA", "Toronto", "ON", "M5V 2T6"), ("GB", "London", "", "EC1A 1BB")),
    ),
    "bergmann": StoreProfile(
        name="Bergmann Haus & Garten",
        currency="EUR",
        timezone="Europe/Berlin",
        language="de",
        country="DE",
        locale="de_DE",
        tax_title="MwSt.",
        tax_rate="0.19",
        prices_include_tax=True,
        price_factor=0.93,
        price_step=100,
        price_ending=10,
        shipping=(("dhl", "DHL Paket", 490), ("express", "DHL Express", 1290)),
        free_shipping_over=5000,
        tagline="Alles für Haus und Garten",
        tax_id="DE812345678",
        contact_address={
            "company_name": "Bergmann Haus & Garten GmbH",
            "line1": "Friedrichstraße 68",
            "line2": "",
            "city": "Berlin",
            "state": "Berlin",
            "postcode": "10117",
            "country": "DE",
            "phone_number": "+49 30 5550142",
        },
        neighbours=(("AT", "Wien", "", "1010"), ("CH", "Zürich", "ZH", "8001")),
    ),
    "siam": StoreProfile(
        name="Siam Silk & Spice",
        currency="THB",
        timezone="Asia/Bangkok",
        language="th",
        country="TH",
        locale="th_TH",
        tax_title="VAT",
        tax_rate="0.07",
        prices_include_tax=True,
        price_factor=34.0,
        price_step=1000,
        price_ending=100,
        shipping=(("kerry", "Kerry Express", 5000), ("ems", "Thailand Post EMS", 8000)),
        free_shipping_over=150000,
        tagline="Thai silk, spices and crafts",
        tax_id="0105561234567",
        contact_address={
            "company_name": "Siam Silk & Spice Co., Ltd.",
            "line1": "999 Rama I Road",
            "line2": "Pathum Wan",
            "city": "Bangkok",
            "state": "Bangkok",
            "postcode": "10330",
            "country": "TH",
            "phone_number": "+66 2 555 0142",
        },
        neighbours=(("SG", "Singapore", "", "018956"), ("MY", "Kuala Lumpur", "", "50088")),
    ),
}


def profile_for(subdomain: str) -> StoreProfile:
    """The store's profile; a store without one of its own is like acme, in UTC."""
    if subdomain in PROFILES:
        return PROFILES[subdomain]
    base = PROFILES["acme"]
    return StoreProfile(**{**base.__dict__, "name": f"{subdomain.title()} Store", "timezone": "UTC"})


# A second currency each store prices its catalogue (and shipping) in: (code, rate from USD).
SECOND_CURRENCY = {"acme": ("CAD", 1.35), "bergmann": ("CHF", 0.9), "siam": ("USD", 1.0)}
