"""Customers, the catalogue, orders placed through the API and their payments, transactions.

What a console needs to take an order by phone: create the customer, find products
with their prices and stock, place the order paid externally, by card token or through
PayPal's redirect (the buyer's page, then the store's POST of `response=<json>` to the
return URL), and read the transactions back.
"""

import json
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.sandbox_server import ALL_SCOPES, WebhookReceiver

VERSION = {"X-29Next-Api-Version": "2024-04-01"}
ADDRESS = {
    "first_name": "Ana",
    "last_name": "Lee",
    "line1": "1 Main St",
    "line4": "Boston",
    "state": "MA",
    "postcode": "02101",
    "country": "US",
}


class Api:
    def __init__(self, sandbox, store, scopes=ALL_SCOPES):
        self.sandbox, self.store = sandbox, store
        self.headers = {**VERSION, "Authorization": f"Bearer {sandbox.issue_token(store, scopes)}"}

    def __call__(self, method, path, **kwargs):
        return requests.request(
            method, self.sandbox.api_url(self.store, path), headers=self.headers, timeout=30, **kwargs
        )


@pytest.fixture
def api(sandbox):
    return Api(sandbox, "acme")


_emails = iter(range(1, 10_000))


def new_email(prefix="phone") -> str:
    return f"{prefix}.{next(_emails)}@example.com"


@pytest.fixture
def customer(api):
    response = api("POST", "users/", json={"email": new_email(), "first_name": "Ana", "last_name": "Lee"})
    assert response.status_code == 201, response.text
    return response.json()


def in_stock(sandbox, store="acme", at_least=5, skip=0):
    return [p for p in sandbox.products(store) if p["track_stock"] and p["net_stock_level"] >= at_least][skip]


def net_stock(sandbox, product_id, store="acme"):
    return next(p["net_stock_level"] for p in sandbox.products(store) if p["id"] == product_id)


def order_body(customer, product, quantity=1, **extra):
    return {
        "lines": [{"product_id": product["id"], "quantity": quantity}],
        "user": {"id": customer["id"]},
        "shipping_address": ADDRESS,
        "shipping_code": "standard",
        **extra,
    }


# --- customers ----------------------------------------------------------------------------------


def test_create_a_customer(sandbox, api):
    email = new_email("Create")
    response = api(
        "POST",
        "users/",
        json={
            "email": email,
            "first_name": "Jo",
            "last_name": "Park",
            "phone_number": "+1 (212) 555-0147",
            "language": "fr",
            "accepts_marketing": True,
            "tags": ["phone"],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["id"] and body["email"] == email and body["orders_count"] == 0 and body["addresses"] == []
    assert (body["language"], body["accepts_marketing"], body["tags"]) == ("fr", True, ["phone"])
    (stored,) = sandbox.customers("acme", email=email)
    assert stored["id"] == body["id"] and stored["phone_number"] == "+1 (212) 555-0147"
    assert api("GET", f"users/{body['id']}/").json()["email"] == email


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"email": ..., "first_name": "No email"}, {"email": ["This field is required."]}),
        ({"email": "not-an-address"}, {"email": ["Enter a valid email address."]}),
        ({"phone_number": "call me maybe"}, {"phone_number": ["Enter a valid phone number (e.g. +12125552368)."]}),
        ({"phone_number": "12"}, {"phone_number": ["Enter a valid phone number (e.g. +12125552368)."]}),
        ({"language": "xx"}, {"language": ['"xx" is not a valid choice.']}),
        ({"accepts_marketing": "perhaps"}, {"accepts_marketing": ["Must be a valid boolean."]}),
    ],
)
def test_invalid_customers_are_refused_with_field_errors(sandbox, api, body, errors):
    payload = {key: value for key, value in {"email": new_email(), **body}.items() if value is not ...}
    response = api("POST", "users/", json=payload)
    assert response.status_code == 400
    assert response.json() == errors
    if "@" in str(payload.get("email")):
        assert sandbox.customers("acme", email=payload["email"]) == []


def test_an_email_is_unique_per_store(sandbox, api, customer):
    again = api("POST", "users/", json={"email": customer["email"].upper(), "first_name": "Twin"})
    assert again.status_code == 400
    assert again.json() == {"email": ["A customer with this email already exists."]}
    # Another store has its own customers.
    assert Api(sandbox, "bergmann")("POST", "users/", json={"email": customer["email"]}).status_code == 201


def test_creating_customers_needs_the_write_scope(sandbox):
    reader = Api(sandbox, "acme", "users:read")
    assert reader("POST", "users/", json={"email": new_email()}).status_code == 403


# --- catalogue ----------------------------------------------------------------------------------


def test_products_list_variants_with_prices_per_currency_and_stock(api):
    page = api("GET", "products/", params={"title": "t-shirt"}).json()
    (shirt,) = page["results"]
    assert shirt["structure"] == "parent" and len(shirt["variants"]) == 3
    variant = shirt["variants"][0]
    assert variant["product_id"] == shirt["id"] and variant["sku"].startswith("SD-")
    assert {p["currency"] for p in variant["prices"]} == {"USD", "CAD"}
    assert {s["location_id"] for s in variant["stockrecords"]} and variant["inventory_availability"]
    by_sku = api("GET", "products/", params={"sku": variant["sku"].lower()}).json()["results"]
    assert [p["id"] for p in by_sku] == [shirt["id"]]
    standalone = next(p for p in api("GET", "products/").json()["results"] if p["structure"] == "standalone")
    assert [v["id"] for v in standalone["variants"]] == [standalone["id"]]
    one = api("GET", f"products/variants/{variant['id']}/").json()
    assert one["sku"] == variant["sku"] and one["prices"] == variant["prices"]


def test_stock_records_search_by_name_or_sku_and_availability(sandbox, api):
    empty = next(p for p in sandbox.products("acme") if p["net_stock_level"] == 0)
    by_sku = api("GET", "stockrecords/", params={"search_text": empty["sku"][:12].lower()}).json()["results"]
    assert empty["id"] in {r["product"]["variant_id"] for r in by_sku}
    out = api("GET", "stockrecords/", params={"inventory_availability": "out_of_stock"}).json()["results"]
    assert all(r["net_stock_level"] <= 0 for r in out) and empty["sku"] in {r["product"]["sku"] for r in out}
    by_name = api("GET", "stockrecords/", params={"search_text": "rain jacket"}).json()["results"]
    assert by_name and all("Rain Jacket" in r["product"]["title"] for r in by_name)


def test_shipping_methods_need_only_a_token(sandbox):
    methods = Api(sandbox, "bergmann", "orders:read")("GET", "shipping-methods/").json()["results"]
    assert [m["code"] for m in methods] == ["dhl", "express"]
    assert methods[0]["prices"][0] == {"currency": "EUR", "price_per_order": "4.90"}


# --- orders ----------------------------------------------------------------------------------------


def test_an_order_paid_externally_is_paid_and_takes_stock(sandbox, api, customer):
    product = in_stock(sandbox)
    before = net_stock(sandbox, product["id"])
    response = api(
        "POST",
        "orders/",
        json=order_body(
            customer,
            product,
            quantity=2,
            tags=["phone-order"],
            payment_method="external",
            payment_details={"external_payment_method": "Bank transfer", "reference_transaction_id": "BT-2024-0042"},
        ),
    )
    assert response.status_code == 201, response.text
    order = response.json()
    assert (order["payment_status"], order["status"], order["source"]) == ("paid", "open", "admin_api")
    assert order["total_outstanding"] == "0.00" and order["tags"] == ["phone-order"]
    assert order["user"]["id"] == customer["id"] and order["shipping_address"]["line4"] == "Boston"
    (line,) = order["lines"]
    # acme shows prices before tax
    assert (line["product_id"], line["quantity"], line["price_excl_tax"]) == (product["id"], 2, product["price"])
    shipping = Decimal("7.95")
    tax = Decimal(order["total_tax"])
    assert Decimal(order["total_incl_tax"]) == Decimal(product["price"]) * 2 + shipping + tax
    (transaction,) = order["transactions"]
    assert (transaction["type"], transaction["status"], transaction["is_external"]) == ("sale", "succeeded", True)
    assert transaction["external_id"] == "BT-2024-0042"
    assert transaction["payment_details"]["gateway"]["name"] == "Bank transfer"
    assert net_stock(sandbox, product["id"]) == before - 2
    listed = api("GET", "transactions/", params={"external_id": "BT-2024-0042"}).json()["results"]
    assert [t["order"] for t in listed] == [order["number"]]
    assert listed[0]["amount"] == order["total_incl_tax"] and listed[0]["user"]["id"] == customer["id"]
    assert api("GET", f"transactions/{transaction['id']}/").json()["order"] == order["number"]


def test_a_custom_price_another_currency_and_a_new_customer(sandbox, api):
    product = in_stock(sandbox, skip=1)
    email = new_email("Inline")
    body = {
        "lines": [{"product_id": product["id"], "quantity": 1, "price": "10.00"}],
        "user": {"email": email, "first_name": "New", "last_name": "Buyer"},
        "currency": "CAD",
        "shipping_address": ADDRESS,
        "shipping_code": "express",
        "payment_method": "card_token",
        "payment_details": {"card_token": "test_card"},
    }
    response = api("POST", "orders/", json=body)
    assert response.status_code == 201, response.text
    order = response.json()
    assert (order["currency"], order["lines"][0]["price_excl_tax"], order["shipping_excl_tax"]) == (
        "CAD",
        "10.00",
        "26.99",
    )
    assert order["payment_status"] == "paid" and order["is_test"] is True
    assert order["user"]["email"] == email and sandbox.customers("acme", email=email)
    # The same e-mail as a new customer again is refused: name the customer by id instead.
    again = api("POST", "orders/", json=body)
    assert again.status_code == 400 and again.json() == {
        "user": {"email": ["A customer with this email already exists."]}
    }


def test_out_of_stock_is_refused_with_the_store_message_and_nothing_changes(sandbox, api, customer):
    empty = next(p for p in sandbox.products("acme") if p["track_stock"] and p["net_stock_level"] == 0)
    count = len(sandbox.order_numbers("acme"))
    response = api("POST", "orders/", json=order_body(customer, empty, payment_method="external"))
    assert response.status_code == 400
    title = f"{empty['title']} - {empty['variant_title']}"
    assert response.json() == {"lines": [f"“{title}” ({empty['sku']}) is out of stock."]}
    product = in_stock(sandbox, skip=2)
    sandbox.set_stock("acme", product["sku"], 2)
    try:
        response = api("POST", "orders/", json=order_body(customer, product, quantity=3, payment_method="external"))
        assert response.status_code == 400
        title = f"{product['title']} - {product['variant_title']}" if product["variant_title"] else product["title"]
        assert response.json() == {"lines": [f"Only 2 of “{title}” ({product['sku']}) in stock; 3 requested."]}
        assert len(sandbox.order_numbers("acme")) == count
    finally:
        sandbox.set_stock("acme", product["sku"], product["num_in_stock"])


def test_a_declined_card_places_no_order(sandbox, api, customer):
    product = in_stock(sandbox)
    before = (len(sandbox.order_numbers("acme")), net_stock(sandbox, product["id"]))
    body = order_body(
        customer, product, payment_method="card_token", payment_details={"card_token": "test_card_declined"}
    )
    response = api("POST", "orders/", json=body)
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Payment declined: the card was declined (Do Not Honor)."]}
    assert (len(sandbox.order_numbers("acme")), net_stock(sandbox, product["id"])) == before


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"payment_method": None}, {"payment_method": ["This field is required."]}),
        ({"payment_method": "affirm"}, {"payment_method": ['"affirm" is not available on this store.']}),
        (
            {"payment_method": "paypal"},
            {"payment_details": {"payment_return_url": ["This field is required for paypal payments."]}},
        ),
        (
            {"payment_method": "external", "shipping_code": "teleport"},
            {"shipping_code": ["“teleport” is not a shipping method of this store."]},
        ),
        (
            {"payment_method": "external", "shipping_address": None},
            {"shipping_address": ["A shipping address is required for items that ship."]},
        ),
        (
            {"payment_method": "external", "user": {"id": 999999999}},
            {"user": {"id": ['Invalid pk "999999999" - object does not exist.']}},
        ),
        ({"payment_method": "external", "currency": "JPY"}, "no price in JPY"),
    ],
)
def test_orders_that_cannot_be_placed(sandbox, api, customer, change, errors):
    body = {**order_body(customer, in_stock(sandbox)), **change}
    response = api("POST", "orders/", json=body)
    assert response.status_code == 400
    if isinstance(errors, str):
        assert errors in response.json()["lines"][0]
    else:
        assert response.json() == errors


def test_a_parent_product_is_not_sold_itself(sandbox, api, customer):
    parent = next(p for p in sandbox.products("acme") if p["structure"] == "child")["product_id"]
    response = api("POST", "orders/", json=order_body(customer, {"id": parent}, payment_method="external"))
    assert response.status_code == 400 and "has variants" in response.json()["lines"][0]


def a_customer_with_addresses(api) -> dict:
    """A seeded customer with saved addresses: customers that other tests create (without
    addresses) come first in the newest-first list, so look past the first page."""
    page = api("GET", "users/").json()
    while True:
        found = next((c for c in page["results"] if c["addresses"]), None)
        if found is not None or not page["next"]:
            assert found is not None, "no customer with addresses in the store"
            return found
        page = api("GET", "users/?" + urlsplit(page["next"]).query).json()


def test_the_customer_default_address_can_be_used(sandbox, api):
    buyer = a_customer_with_addresses(api)
    product = in_stock(sandbox)
    body = {
        "lines": [{"product_id": product["id"], "quantity": 1}],
        "user": {"id": buyer["id"]},
        "use_default_shipping_address": True,
        "payment_method": "external",
    }
    order = api("POST", "orders/", json=body).json()
    default = next(a for a in buyer["addresses"] if a["is_default_for_shipping"])
    assert order["shipping_address"]["line1"] == default["line1"]
    assert order["billing_address"]["line1"] == default["line1"]


def test_an_order_paid_externally_can_be_refunded(sandbox, api, customer):
    order = api("POST", "orders/", json=order_body(customer, in_stock(sandbox), payment_method="external")).json()
    calc = api("POST", f"orders/{order['number']}/refund/calculate/", json={"refund_shipping": {"full_refund": True}})
    (transaction,) = calc.json()["transactions"]
    refund = api(
        "POST",
        f"orders/{order['number']}/refund/",
        json={"transactions": [{"id": transaction["id"], "amount": transaction["amount"]}], "note": "phone"},
    )
    assert refund.status_code == 200, refund.text
    fresh = api("GET", f"orders/{order['number']}/").json()
    assert fresh["payment_status"] == "partially_refunded"
    assert fresh["transactions"][-1]["type"] == "refund"
    assert fresh["transactions"][-1]["payment_details"]["gateway"]["type"] == "external"


def test_canceling_a_paid_api_order_gives_the_stock_back(sandbox, api, customer):
    product = in_stock(sandbox)
    before = net_stock(sandbox, product["id"])
    order = api("POST", "orders/", json=order_body(customer, product, quantity=3, payment_method="external")).json()
    assert net_stock(sandbox, product["id"]) == before - 3
    response = api("POST", f"orders/{order['number']}/cancel/", json={"cancel_reason": "customer"})
    assert response.status_code == 200
    assert net_stock(sandbox, product["id"]) == before


# --- PayPal: the redirect flow --------------------------------------------------------------------


def paypal_order(api, customer, product, return_url, quantity=1):
    response = api(
        "POST",
        "orders/",
        json=order_body(
            customer, product, quantity, payment_method="paypal", payment_details={"payment_return_url": return_url}
        ),
    )
    assert response.status_code == 201, response.text
    return response.json()


def posted_response(received) -> dict:
    (headers, body), *_ = received
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    (value,) = parse_qs(body.decode())["response"]
    return json.loads(value)


def test_paypal_approved_posts_the_paid_order_to_the_return_url(sandbox, api, customer):
    product = in_stock(sandbox)
    before = net_stock(sandbox, product["id"])
    with WebhookReceiver() as receiver:
        order = paypal_order(api, customer, product, receiver.url, quantity=2)
        assert order["payment_status"] == "pending" and order["total_outstanding"] == order["total_incl_tax"]
        assert order["transactions"] == [] and order["reference_transaction_id"] is None
        url = order["payment_complete_url"]
        assert url.startswith(sandbox.base_url + "/acme/checkout/pay/")
        assert net_stock(sandbox, product["id"]) == before  # nothing taken until paid
        page = requests.get(url, timeout=30)
        assert order["total_incl_tax"] in page.text and f"#{order['number']}" in page.text
        # A second tab with the same page open, to answer after the payment is done.
        second_tab = requests.Session()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', second_tab.get(url, timeout=30).text).group(1)
        outcome = sandbox.approve_payment(url)
        received = receiver.wait(1)
    assert (outcome["status"], outcome["postback_status"]) == ("approved", 200)
    posted = posted_response(received)
    assert posted["number"] == order["number"] and posted["payment_status"] == "paid"
    (transaction,) = posted["transactions"]
    assert (transaction["status"], transaction["payment_method"]) == ("succeeded", "paypal")
    assert transaction["payment_details"]["gateway"]["name"] == "PayPal"
    fresh = api("GET", f"orders/{order['number']}/").json()
    assert fresh["payment_status"] == "paid" and fresh["total_outstanding"] == "0.00"
    assert net_stock(sandbox, product["id"]) == before - 2
    # The page is done: a second answer (a valid form, from the second tab) changes nothing.
    again = second_tab.post(
        url, data={"csrfmiddlewaretoken": token, "action": "cancel"}, headers={"Referer": url}, timeout=30
    )
    assert again.status_code == 409 and 'data-payment-status="approved"' in again.text
    assert api("GET", f"orders/{order['number']}/").json()["payment_status"] == "paid"
    with pytest.raises(Exception, match="no pending payment"):
        sandbox.cancel_payment(url)


def test_paypal_canceled_posts_an_empty_answer_and_records_a_failed_transaction(sandbox, api, customer):
    product = in_stock(sandbox)
    before = net_stock(sandbox, product["id"])
    with WebhookReceiver() as receiver:
        order = paypal_order(api, customer, product, receiver.url)
        outcome = sandbox.cancel_payment(order["payment_complete_url"])
        received = receiver.wait(1)
    assert outcome["status"] == "canceled"
    assert posted_response(received) == {}
    fresh = api("GET", f"orders/{order['number']}/").json()
    assert fresh["payment_status"] == "pending"
    assert [(t["type"], t["status"]) for t in fresh["transactions"]] == [("sale", "failed")]
    assert net_stock(sandbox, product["id"]) == before
    failed = api("GET", "transactions/", params={"status": "failed", "payment_method": "paypal"}).json()["results"]
    assert fresh["transactions"][0]["id"] in {t["id"] for t in failed}


def test_a_return_url_that_does_not_answer_is_recorded(sandbox, api, customer):
    order = paypal_order(api, customer, in_stock(sandbox), "http://127.0.0.1:9/unreachable/")
    outcome = sandbox.approve_payment(order["payment_complete_url"])
    assert outcome["status"] == "approved" and outcome["postback_status"] is None
    assert "ConnectionError" in outcome["postback_error"]
    assert api("GET", f"orders/{order['number']}/").json()["payment_status"] == "paid"


def test_an_unknown_payment_page_is_a_404(sandbox):
    assert requests.get(f"{sandbox.base_url}/acme/checkout/pay/not-a-token/", timeout=30).status_code == 404


def test_order_and_customer_webhooks(sandbox, api):
    with WebhookReceiver() as receiver:
        webhook = api(
            "POST",
            "webhooks/",
            json={"target": receiver.url, "events": ["order.created", "order.updated", "customer.created"]},
        ).json()
        try:
            created = api("POST", "users/", json={"email": new_email("Hook")}).json()
            order = paypal_order(api, created, in_stock(sandbox), "http://127.0.0.1:9/nowhere/")
            sandbox.approve_payment(order["payment_complete_url"])
            received = receiver.wait(3)
        finally:
            api("DELETE", f"webhooks/{webhook['id']}/")
    events = [(json.loads(body)["event_type"], json.loads(body)["data"]) for _, body in received]
    assert [e for e, _ in events][:3] == ["customer.created", "order.created", "order.updated"]
    assert events[0][1]["id"] == created["id"]
    assert events[2][1]["number"] == order["number"] and events[2][1]["payment_status"] == "paid"


def test_orders_placed_on_demand_skip_customers_without_an_address(sandbox, api):
    for _ in range(3):
        api("POST", "users/", json={"email": new_email("Bare")})
    assert len(sandbox.create_orders("acme", count=5)) == 5
