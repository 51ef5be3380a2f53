"""The new-order page: finding the caller by phone or name, and the checks the server
makes before it asks the store to place anything. Against the sandbox over HTTP; the
rest of the flow is in test_phone_orders.py."""

import uuid

import pytest

from dashboard.models import PhoneOrder
from storeapi.roles import Role
from tests.dashboard.conftest import HX, unique_email

from .test_phone_orders import in_stock, new_url, order_form, orders_of


@pytest.fixture
def shop(shop, settings):
    settings.SITE_URL = "https://storedesk.example.com"  # the return URL a store accepts
    return shop


@pytest.fixture
def manager(shop, login_as):
    return login_as(shop, Role.MANAGER)


@pytest.fixture
def caller(api):
    """A fresh customer with a phone number and a name no other customer has."""
    return api(
        "POST",
        "users/",
        json={
            "email": unique_email("caller"),
            "first_name": "Philippa",
            "last_name": f"Q{uuid.uuid4().hex[:8]}",
            "phone_number": f"+1 617 555 {uuid.uuid4().int % 10_000:04d}",
        },
    )


def search(manager, query: str) -> str:
    response = manager.post(
        new_url(), {"action": "search", "customer_q": query}, HTTP_HX_TARGET="customer-results", **HX
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_caller_is_found_by_the_phone_number_they_give(manager, caller, sandbox):
    sandbox.clear_request_log("acme")
    html = search(manager, caller["phone_number"])
    assert f'value="pick:{caller["id"]}"' in html
    (lookup,) = [r for r in sandbox.request_log("acme") if r["path"].endswith("/users/")]
    assert "phone_number=" in lookup["query"] and "email=" not in lookup["query"]


def test_the_caller_is_found_by_name(manager, caller):
    html = search(manager, f"  {caller['first_name']}   {caller['last_name']} ")
    assert f'value="pick:{caller["id"]}"' in html
    assert html.count("customer-hit") == 1


def test_one_character_asks_the_store_nothing(manager, sandbox):
    sandbox.clear_request_log("acme")
    html = search(manager, "a")
    assert "customer-hit" not in html
    assert not [r for r in sandbox.request_log("acme") if r["path"].endswith("/users/")]


def test_nothing_is_placed_without_a_customer(manager, sandbox, api, caller):
    data = order_form(caller, [(in_stock(sandbox)["id"], 1)], customer_id="")
    response = manager.post(new_url(), data)
    assert response.status_code == 400 and "Choose the customer first." in response.content.decode()
    assert PhoneOrder.objects.count() == 0 and orders_of(api, caller) == []


def test_a_product_removed_from_the_store_is_named_and_nothing_is_placed(manager, api, caller):
    response = manager.post(new_url(), order_form(caller, [(987_654_321, 1)]))
    html = response.content.decode()
    assert response.status_code == 400
    assert "This product no longer exists in the store." in html and "Some items need attention." in html
    assert PhoneOrder.objects.count() == 0 and orders_of(api, caller) == []


def customer_with_addresses(api) -> dict:
    return next(c for c in api("GET", "users/")["results"] if c["addresses"])


def test_an_order_ships_to_the_saved_address_chosen(manager, sandbox, api):
    # Some seeded addresses carry a phone extension ("x079") the store refuses on an order.
    customer, address = next(
        (c, a) for c in api("GET", "users/")["results"] for a in c["addresses"] if "x" not in a["phone_number"]
    )
    before = {o["number"] for o in orders_of(api, customer)}
    data = order_form(customer, [(in_stock(sandbox)["id"], 1)], shipping_choice=f"saved:{address['id']}")
    for field in [k for k in data if k.startswith("ship-")]:
        del data[field]  # nothing typed: the saved address is the one sent
    response = manager.post(new_url(), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    (new,) = [o for o in orders_of(api, customer) if o["number"] not in before]
    shipped = api("GET", f"orders/{new['number']}/")["shipping_address"]
    assert (shipped["line1"], shipped["postcode"], shipped["country"]) == (
        address["line1"],
        address["postcode"],
        address["country"],
    )


def test_another_customers_saved_address_is_refused(manager, sandbox, api, caller):
    someone_elses = customer_with_addresses(api)["addresses"][0]
    data = order_form(caller, [(in_stock(sandbox)["id"], 1)], shipping_choice=f"saved:{someone_elses['id']}")
    response = manager.post(new_url(), data)
    assert response.status_code == 400 and "Select a valid choice." in response.content.decode()
    assert PhoneOrder.objects.count() == 0 and orders_of(api, caller) == []


def test_a_separate_billing_address_reaches_the_store(manager, sandbox, api, caller):
    bill_to = {
        "bill-first_name": "Accounts",
        "bill-last_name": "Payable",
        "bill-line1": "99 Billing Rd",
        "bill-line4": "Cambridge",
        "bill-state": "MA",
        "bill-postcode": "02139",
        "bill-country": "US",
    }
    data = order_form(caller, [(in_stock(sandbox)["id"], 1)], billing_choice="new", **bill_to)
    del data["billing_same"]
    data["shown"] = ["billing_same"]  # the box was on the page, and left unticked
    response = manager.post(new_url(), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    (order,) = orders_of(api, caller)
    detail = api("GET", f"orders/{order['number']}/")
    assert detail["billing_address"]["line1"] == "99 Billing Rd"
    assert detail["billing_address"]["first_name"] == "Accounts"
    assert detail["shipping_address"]["line1"] == "1 Main St"
