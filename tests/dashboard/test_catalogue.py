"""The catalogue pages against the sandbox store over real HTTP: a store's products, a
product's page with its lazy panels, the catalogue of every store and the low stock."""

import re

import pytest
from django.urls import reverse

from storeapi import background
from storeapi.roles import Role
from tests.factories import MembershipFactory, StoreFactory

from .conftest import HX, PHONE_SCOPES, api_get

pytestmark = pytest.mark.django_db

# The seed (sandbox/core/seeding/catalogue.py): Acme is out of this one, Bergmann has it.
SHIRT = "Organic Cotton T-Shirt"
SHIRT_BLACK_INDEX = 7


@pytest.fixture
def shop(connect_store):
    return connect_store("acme", scopes=PHONE_SCOPES)


@pytest.fixture
def bergmann(connect_store):
    return connect_store("bergmann", scopes=PHONE_SCOPES)


def products_url(store="acme"):
    return reverse("product_list", kwargs={"store": store})


def product_url(product_id, store="acme"):
    return reverse("product_detail", kwargs={"store": store, "product_id": product_id})


def product_ids_in(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-product="(\d+)"', html)]


def sellable(sandbox, store, **match):
    return [p for p in sandbox.products(store) if all(p[k] == v for k, v in match.items())]


def test_the_list_shows_products_with_price_and_stock_in_one_request(shop, login_as, sandbox):
    client = login_as(shop)  # a viewer: any role may read the catalogue
    sandbox.clear_request_log("acme")
    response = client.get(products_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert [r["path"] for r in sandbox.request_log("acme")] == ["/acme/api/admin/products/"]
    expected = api_get(sandbox, "acme", "products/")["results"]
    assert product_ids_in(html) == [p["id"] for p in expected]
    # Price in the store's currency, and stock at a glance.
    headlamp = next(p for p in sandbox.products("acme") if p["title"] == "Headlamp")
    row = re.search(rf'<tr data-product="{headlamp["id"]}">(.*?)</tr>', html, re.S).group(1)
    assert f"${headlamp['prices']['USD']}" in row and headlamp["sku"] in row
    out = next(p for p in sandbox.products("acme") if p["structure"] == "standalone" and p["net_stock_level"] <= 0)
    row = re.search(rf'<tr data-product="{out["id"]}">(.*?)</tr>', html, re.S).group(1)
    assert 'data-stock="out_of_stock"' in row and ">Out<" in row
    # The jacket's two variants: one is low (2 at the main warehouse, threshold 5).
    jacket = api_get(sandbox, "acme", "products/", title="Packable Rain Jacket")["results"][0]
    row = re.search(rf'<tr data-product="{jacket["id"]}">(.*?)</tr>', html, re.S).group(1)
    assert "2 variants" in row
    levels = {v["inventory_availability"] for v in jacket["variants"]}
    if "low_stock" in levels or "out_of_stock" in levels:
        assert 'data-stock="low_stock"' in row


def test_filters_go_to_the_store_and_bad_input_is_not_a_500(shop, login_as, sandbox):
    client = login_as(shop)
    response = client.get(products_url(), {"title": "shirt"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="product-results")
    html = response.content.decode()
    assert "<html" not in html and 'id="product-results"' in html
    assert product_ids_in(html) == [p["id"] for p in api_get(sandbox, "acme", "products/", title="shirt")["results"]]
    sku = sellable(sandbox, "acme", title="Headlamp")[0]["sku"]
    page = client.get(products_url(), {"sku": sku.lower(), "is_public": "true"}).content.decode()
    assert "SKU: " in page and len(product_ids_in(page)) == 1
    # Nonsense is an error in place; the other filters apply.
    bad = client.get(products_url(), {"is_public": "perhaps", "title": "x" * 500, "cursor": "y" * 3000})
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()


def test_load_more_appends_the_next_page(shop, login_as, sandbox):
    sandbox.set_page_size("acme", 10)
    client = login_as(shop)
    first = client.get(products_url()).content.decode()
    next_url = re.search(r'hx-get="([^"]*cursor=[^"]*)"', first).group(1).replace("&amp;", "&")
    more = client.get(next_url, **HX).content.decode()
    assert "<table" not in more and "<tr" in more
    first_page = api_get(sandbox, "acme", "products/")
    second_page = api_get(sandbox, "acme", first_page["next"].split("/api/admin/")[1])
    assert product_ids_in(first) == [p["id"] for p in first_page["results"]]
    assert product_ids_in(more) == [p["id"] for p in second_page["results"]]
    assert len(product_ids_in(more)) == 10


def test_the_product_page_shows_variants_prices_and_stock_per_location(shop, login_as, sandbox):
    client = login_as(shop)
    jacket = api_get(sandbox, "acme", "products/", title="Packable Rain Jacket")["results"][0]
    html = client.get(product_url(jacket["id"])).content.decode()
    assert "Packable Rain Jacket" in html
    for variant in jacket["variants"]:
        section = re.search(rf'id="variant-{variant["id"]}"(.*?)</section>', html, re.S).group(1)
        assert variant["sku"] in section
        usd = next(p["price"] for p in variant["prices"] if p["currency"] == "USD")
        assert f"${usd}" in section
        assert "Main warehouse" in section and "Reno warehouse" in section
        for record in variant["stockrecords"]:
            row = re.search(rf'data-location="{record["location_id"]}">(.*?)</tr>', section, re.S).group(1)
            cells = re.findall(r'<td class="text-end num[^"]*">([^<]*)</td>', row)
            net = record["num_in_stock"] - record["num_allocated"]
            expected = [record["num_in_stock"], record["num_allocated"], net, record["low_stock_threshold"]]
            assert cells == [str(n) for n in expected]
    # The orders and tickets come after the page, as lazy panels.
    assert 'hx-get="' + product_url(jacket["id"]) + '?panel=orders"' in html
    assert 'hx-get="' + product_url(jacket["id"]) + '?panel=tickets"' in html


def test_the_lazy_panels_list_the_products_orders_and_tickets(shop, login_as, sandbox):
    client = login_as(shop)
    # A product some order has, and a ticket that names it (the seed links some).
    tickets = api_get(sandbox, "acme", "tickets/")["results"]
    named = next(t for t in tickets if t.get("products"))
    variant_id = named["products"][0]
    product_id = api_get(sandbox, "acme", f"products/variants/{variant_id}/")["product_id"]
    product = api_get(sandbox, "acme", f"products/{product_id}/")
    ids = sorted({product_id, *[v["id"] for v in product["variants"]]})

    orders = client.get(product_url(product_id), {"panel": "orders"}, **HX).content.decode()
    assert "<html" not in orders and 'id="product-orders"' in orders
    expected = [o["number"] for o in api_get(sandbox, "acme", "orders/", product=ids)["results"][:10]]
    assert expected and re.findall(r">#(\d+)</a>", orders) == [str(n) for n in expected]

    found = client.get(product_url(product_id), {"panel": "tickets"}, **HX).content.decode()
    assert 'id="product-tickets"' in found and f"#{named['id']} " in found
    # Without JavaScript the panel's link opens the whole page with it.
    whole = client.get(product_url(product_id), {"panel": "tickets"}).content.decode()
    assert "<html" in whole and f"#{named['id']} " in whole


def test_order_lines_and_a_tickets_products_link_to_the_product_page(shop, login_as, sandbox):
    client = login_as(shop)
    number = sandbox.order_numbers("acme")[2]
    order = api_get(sandbox, "acme", f"orders/{number}/")
    html = client.get(reverse("order_detail", kwargs={"store": "acme", "number": number})).content.decode()
    line = order["lines"][0]
    link = reverse("variant_detail", kwargs={"store": "acme", "variant_id": line["variant_id"]})
    assert f'href="{link}"' in html
    response = client.get(link)
    product_id = api_get(sandbox, "acme", f"products/variants/{line['variant_id']}/")["product_id"]
    assert response.status_code == 302
    assert response["Location"] == f"{product_url(product_id)}#variant-{line['variant_id']}"

    ticket = next(t for t in api_get(sandbox, "acme", "tickets/")["results"] if t.get("products"))
    sidebar = client.get(
        reverse("ticket_detail", kwargs={"store": "acme", "ticket_id": ticket["id"]}), {"panel": "sidebar"}, **HX
    ).content.decode()
    link = reverse("variant_detail", kwargs={"store": "acme", "variant_id": ticket["products"][0]})
    assert "data-ticket-products" in sidebar and f'href="{link}"' in sidebar


def test_an_unknown_product_is_404(shop, login_as, sandbox):
    client = login_as(shop)
    assert client.get(product_url(999999)).status_code == 404
    # A child is a variant: its link finds its parent.
    child = sellable(sandbox, "acme", structure="child")[0]
    response = client.get(reverse("variant_detail", kwargs={"store": "acme", "variant_id": child["id"]}))
    assert response["Location"].startswith(product_url(child["product_id"]))


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AGENT, Role.MANAGER, Role.OWNER])
def test_any_role_reads_the_catalogue(shop, login_as, role):
    client = login_as(shop, role)
    assert client.get(products_url()).status_code == 200


def test_a_non_member_gets_404_and_no_request_reaches_the_store(shop, client, sandbox):
    stranger = MembershipFactory(role=Role.OWNER, store=StoreFactory(subdomain="elsewhere"))
    client.force_login(stranger.operator)
    sandbox.clear_request_log("acme")
    for url in (
        products_url(),
        product_url(1),
        product_url(1) + "?panel=orders",
        reverse("variant_detail", kwargs={"store": "acme", "variant_id": 1}),
    ):
        assert client.get(url).status_code == 404
        assert client.get(url, **HX).status_code == 404
    assert sandbox.request_log("acme") == []
    # Across stores, only the operator's own stores are asked.
    sku = sellable(sandbox, "acme", title="Headlamp")[0]["sku"]
    html = client.get(reverse("all_products"), {"q": sku}).content.decode()
    assert 'data-store="acme"' not in html and sandbox.request_log("acme") == []


# --- across stores ------------------------------------------------------------------------------


def test_a_sku_across_stores_shows_one_row_per_store_with_its_stock(shop, bergmann, login_as, sandbox):
    client = login_as(shop)
    MembershipFactory(operator=client.operator, store=bergmann, role=Role.AGENT)
    acme_shirt = sellable(sandbox, "acme", title=SHIRT, variant_title="M / Black")[0]
    bergmann_shirt = sellable(sandbox, "bergmann", sku=acme_shirt["sku"])[0]
    assert acme_shirt["net_stock_level"] <= 0 < bergmann_shirt["net_stock_level"]  # the seed says so

    response = client.get(reverse("all_products"), {"q": acme_shirt["sku"]})
    html = response.content.decode()
    assert response.status_code == 200
    rows = re.findall(r'<tr data-store="(\w+)" data-sku="([^"]*)">(.*?)</tr>', html, re.S)
    assert [(store, sku) for store, sku, _ in rows] == [("acme", acme_shirt["sku"]), ("bergmann", acme_shirt["sku"])]
    acme_row, bergmann_row = rows[0][2], rows[1][2]
    assert 'data-stock="out_of_stock"' in acme_row and f"${acme_shirt['prices']['USD']}" in acme_row
    assert 'data-stock="in_stock"' in bergmann_row or 'data-stock="low_stock"' in bergmann_row
    assert "€" in bergmann_row and f"{bergmann_shirt['net_stock_level']} to sell" in bergmann_row
    # Each row opens the product's page in its store, at the variant.
    assert product_url(acme_shirt["product_id"]) + f"#variant-{acme_shirt['id']}" in acme_row

    # Served from the shared cache the second time: no request reaches either store.
    sandbox.clear_request_log("acme")
    sandbox.clear_request_log("bergmann")
    again = client.get(reverse("all_products"), {"q": acme_shirt["sku"]}, **HX).content.decode()
    assert "<html" not in again and 'data-store="bergmann"' in again
    assert sandbox.request_log("acme") == [] and sandbox.request_log("bergmann") == []


def test_a_title_across_stores_and_a_store_that_fails(shop, bergmann, login_as, sandbox):
    client = login_as(shop)
    MembershipFactory(operator=client.operator, store=bergmann, role=Role.VIEWER)
    sandbox.set_faults("bergmann", error_rate=1, error_statuses=[500])
    html = client.get(reverse("all_products"), {"q": "rain jacket"}).content.decode()
    jackets = sellable(sandbox, "acme", title="Packable Rain Jacket")
    assert all(f'data-sku="{j["sku"]}"' in html for j in jackets)
    assert "<strong>Bergmann Haushaltswaren:</strong>" in html and 'data-store-error="' in html


def test_low_stock_is_walked_in_the_background_once_and_then_shown_from_the_cache(shop, bergmann, login_as, sandbox):
    client = login_as(shop)
    MembershipFactory(operator=client.operator, store=bergmann, role=Role.VIEWER)
    first = client.get(reverse("low_stock")).content.decode()
    assert first.count("data-counting") == 2  # nothing walked yet: the page says so and asks again
    assert 'hx-trigger="load delay:3s"' in first
    assert background.drain()

    sandbox.clear_request_log("acme")
    html = client.get(reverse("low_stock"), **HX).content.decode()
    assert "data-counting" not in html and 'hx-trigger="load delay:3s"' not in html
    assert sandbox.request_log("acme") == []  # shown from what was walked, not walked again
    truth = [
        r
        for availability in ("out_of_stock", "low_stock")
        for r in api_get(sandbox, "acme", "stockrecords/", inventory_availability=availability)["results"]
    ]
    acme = re.search(r'data-store="acme"(.*?)</section>', html, re.S).group(1)
    shown = re.findall(r'<tr data-sku="([^"]*)">', acme)
    low = [r["product"]["sku"] for r in truth if r["net_stock_level"] <= r["low_stock_threshold"]]
    assert sorted(shown) == sorted(low)
    assert acme.count('data-stock="out_of_stock"') >= 3 and 'data-stock="low_stock"' in acme
    # Only the out-of-stock ones, only Bergmann's.
    only = client.get(reverse("low_stock"), {"level": "out_of_stock", "stores": "bergmann"}).content.decode()
    assert 'data-store="acme"' not in only and 'data-stock="low_stock"' not in only.split('id="low-stock-results"')[1]


def test_a_store_without_the_catalogue_scope_says_so_everywhere(acme, login_as):
    client = login_as(acme)  # connected without catalogue:read
    html = client.get(products_url()).content.decode()
    assert 'data-store-error="missing_scope"' in html and "catalogue:read" in html
    assert 'data-store-error="missing_scope"' in client.get(product_url(1)).content.decode()
    client.get(reverse("low_stock"))
    assert background.drain()
    low = client.get(reverse("low_stock")).content.decode()
    assert 'data-store-error="missing_scope"' in low and "data-counting" not in low
    assert 'hx-trigger="load delay:3s"' not in low  # no endless polling of a refused walk


def test_a_products_images_are_links_to_web_addresses_only():
    from dashboard.selectors.catalogue import product_row_from

    data = {
        "id": 3,
        "title": "Lamp",
        "images": [{"id": 1, "src": "https://cdn.example.com/lamp.jpg"}, {"id": 2, "src": "javascript:alert(1)"}, 7],
        "variants": [{"id": 4, "sku": "L-1", "prices": [{"currency": "EUR", "price": "9.50"}], "stockrecords": []}],
    }
    row = product_row_from(data, currency="eur")
    assert row.images == ["https://cdn.example.com/lamp.jpg"]
    assert row.prices == (row.variants[0].variant.price,) * 2 and str(row.prices[0]) == "9.50"
    assert row.level == "out_of_stock"  # tracked, and no stock anywhere


def test_odd_ids_and_panels_are_404s_or_ignored_never_500(shop, login_as):
    client = login_as(shop)
    huge = "9" * 30
    assert client.get(f"/s/acme/products/{huge}/").status_code == 404
    assert client.get(f"/s/acme/products/variants/{huge}/", follow=True).status_code == 404
    assert client.get("/s/acme/products/0/").status_code == 404
    assert client.get("/s/acme/products/abc/").status_code == 404
    jacket_page = client.get(products_url(), {"title": "jacket"}).content.decode()
    product_id = product_ids_in(jacket_page)[0]
    assert client.get(product_url(product_id), {"panel": "<script>"}).status_code == 200
    assert client.get(reverse("all_products"), {"q": "x" * 5000, "stores": "nope"}).status_code == 200
    assert client.get(reverse("low_stock"), {"level": "plenty", "stores": ["nope"]}).status_code == 200


def test_a_title_found_from_the_cache_after_a_sku_that_was_not(shop, login_as, sandbox, monkeypatch):
    """A SKU-like query that is no SKU: the store is asked by SKU, then by title; a second
    search is served from the cache without starting a thread."""
    from dashboard.selectors import cross_store

    asked = []
    fan_out = cross_store.stores_fan_out

    def recording(*, stores, call):
        asked.append([s.subdomain for s in stores])
        return fan_out(stores=stores, call=call)

    monkeypatch.setattr(cross_store, "stores_fan_out", recording)
    client = login_as(shop)
    sandbox.clear_request_log("acme")
    first = client.get(reverse("all_products"), {"q": "headlamp"}).content.decode()
    headlamp = sellable(sandbox, "acme", title="Headlamp")[0]
    assert f'data-sku="{headlamp["sku"]}"' in first
    assert len(sandbox.request_log("acme")) == 2  # by SKU (none), then by title
    sandbox.clear_request_log("acme")
    again = client.get(reverse("all_products"), {"q": "headlamp"}).content.decode()
    assert f'data-sku="{headlamp["sku"]}"' in again and sandbox.request_log("acme") == []
    assert asked == [["acme"], []]  # the second time no store needed the pool
