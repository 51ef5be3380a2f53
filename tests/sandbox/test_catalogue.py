"""The sandbox's catalogue over real HTTP: a product with its variants, the filters that
link orders and tickets to products, and the seeded stock (low and out, different in
each store, the same SKUs everywhere)."""

import pytest


def get(sandbox, store, path, **params):
    response = sandbox.api(store, "GET", path, sandbox.issue_token(store), params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_product_with_its_variants_prices_and_stock(sandbox):
    listed = get(sandbox, "acme", "products/", title="rain jacket")["results"][0]
    product = get(sandbox, "acme", f"products/{listed['id']}/")
    assert product["structure"] == "parent" and product["title"] == "Packable Rain Jacket"
    assert product["variants"] == listed["variants"] and isinstance(product["description"], str)
    variant = product["variants"][0]
    assert variant["product_id"] == product["id"] and len(variant["stockrecords"]) == 2
    # A child is reached as a variant, not as a product; another store's product is not found.
    token = sandbox.issue_token("acme")
    assert sandbox.api("acme", "GET", f"products/{variant['id']}/", token).status_code == 404
    theirs = sandbox.issue_token("bergmann")
    assert sandbox.api("bergmann", "GET", f"products/{product['id']}/", theirs).status_code == 404


def test_orders_and_tickets_filtered_by_product(sandbox):
    variant = next(p for p in sandbox.products("acme") if p["title"] == "Headlamp")
    orders = get(sandbox, "acme", "orders/", product=[variant["id"]])["results"]
    assert orders
    for order in orders[:5]:
        lines = get(sandbox, "acme", f"orders/{order['number']}/")["lines"]
        assert variant["id"] in {line["product_id"] for line in lines}
    tickets = get(sandbox, "acme", "tickets/")["results"]
    named = next(t for t in tickets if t["products"])
    found = get(sandbox, "acme", "tickets/", product=[named["products"][0]])["results"]
    assert named["id"] in {t["id"] for t in found}
    assert all(named["products"][0] in t["products"] for t in found)


@pytest.mark.parametrize("store", ["acme", "bergmann", "siam"])
def test_every_store_has_low_and_out_of_stock(sandbox, store):
    low = get(sandbox, store, "stockrecords/", inventory_availability="low_stock")["results"]
    out = get(sandbox, store, "stockrecords/", inventory_availability="out_of_stock")["results"]
    assert low and out
    assert all(0 < r["net_stock_level"] <= r["low_stock_threshold"] for r in low)
    assert all(r["net_stock_level"] <= 0 for r in out)


def test_acme_is_out_of_what_bergmann_has_under_the_same_sku(sandbox):
    acme = {p["sku"]: p for p in sandbox.products("acme")}
    bergmann = {p["sku"]: p for p in sandbox.products("bergmann")}
    assert set(acme) == set(bergmann)
    shirt = next(p for p in acme.values() if p["variant_title"] == "M / Black")
    assert shirt["net_stock_level"] <= 0 < bergmann[shirt["sku"]]["net_stock_level"]
