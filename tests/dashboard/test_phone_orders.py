"""New orders from the console (phone and e-mail sales), against the sandbox over HTTP.

New customers are in test_customers.py, the transactions list in test_transactions.py;
payment links whose outcome the sandbox posts back are in test_payment_return.py (they
need Django's live server); the whole flow in a browser is in tests/e2e/.
"""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dashboard.models import AuditEntry, PhoneOrder
from storeapi.roles import Role
from tests.dashboard.conftest import HX, PHONE_SCOPES, unique_email
from tests.factories import MembershipFactory


@pytest.fixture
def shop(shop, settings):
    # Where the store posts a payment link's outcome is built from SITE_URL, which a
    # store takes only as a real URL (test_payment_return.py uses the live server's).
    settings.SITE_URL = "https://storedesk.example.com"
    return shop


@pytest.fixture
def manager(shop, login_as):
    return login_as(shop, Role.MANAGER)


def in_stock(sandbox, at_least=5, skip=0):
    return [p for p in sandbox.products("acme") if p["track_stock"] and p["net_stock_level"] >= at_least][skip]


def new_url(store="acme"):
    return reverse("order_new", kwargs={"store": store})


SHIP_TO = {
    "ship-first_name": "Ana",
    "ship-last_name": "Lee",
    "ship-line1": "1 Main St",
    "ship-line4": "Boston",
    "ship-state": "MA",
    "ship-postcode": "02101",
    "ship-country": "us",
}


def order_form(customer, lines, *, key=None, **extra) -> dict:
    """What the new-order page posts when the operator presses "Place order"."""
    data = {
        "key": str(key or uuid.uuid4()),
        "customer_id": str(customer["id"]),
        "variant": [str(v) for v, _ in lines],
        "quantity": [str(q) for _, q in lines],
        "shipping_code": "standard",
        "shipping_choice": "new",
        "billing_same": "on",
        "send_receipt": "on",
        "payment": "external",
        "external_method": "bank_transfer",
        "external_reference": "BT-0001",
        "tags": "phone-order",
        "action": "place",
        **SHIP_TO,
    }
    data.update(extra)
    return data


def orders_of(api, customer) -> list[dict]:
    return api("GET", f"users/{customer['id']}/orders/")


# --- who may, where ------------------------------------------------------------------------------


def test_roles_and_stores(shop, login_as, connect_store):
    viewer = login_as(shop, Role.VIEWER)
    assert viewer.get(reverse("customer_new", kwargs={"store": "acme"})).status_code == 403
    agent = login_as(shop, Role.AGENT)
    assert agent.get(new_url()).status_code == 403
    assert agent.post(new_url(), {"action": "place"}).status_code == 403
    manager = login_as(shop, Role.MANAGER)
    assert manager.get(new_url()).status_code == 200
    connect_store("bergmann", scopes=PHONE_SCOPES)
    assert manager.get(new_url("bergmann")).status_code == 404  # not a member there


def test_every_new_order_post_needs_the_csrf_token(shop, manager):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(manager.operator)
    assert strict.post(new_url(), {"action": "search"}).status_code == 403
    assert strict.post(reverse("customer_new", kwargs={"store": "acme"}), {"email": "x@example.com"}).status_code == 403


def test_unknown_actions_are_refused(shop, manager):
    assert manager.post(new_url(), {"action": "delete_everything"}).status_code == 400


# --- building the order ---------------------------------------------------------------------------


def test_search_customers_and_pick_one_with_their_saved_addresses(shop, manager, api):
    saved = next(c for c in api("GET", "users/")["results"] if c["addresses"])
    response = manager.post(
        new_url(),
        {"action": "search", "customer_q": saved["email"], "key": str(uuid.uuid4())},
        HTTP_HX_TARGET="customer-results",
        **HX,
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'id="customer-results"' in html and saved["email"] in html
    assert 'id="order-form"' not in html  # only the results were sent
    picked = manager.post(new_url(), {"action": f"pick:{saved['id']}", "key": str(uuid.uuid4())}, **HX)
    html = picked.content.decode()
    assert f'name="customer_id" value="{saved["id"]}"' in html
    default = next(a for a in saved["addresses"] if a["is_default_for_shipping"])
    assert default["line1"] in html
    assert re.search(rf'value="saved:{default["id"]}"[^>]* checked', html)


def test_a_new_customer_created_in_place_is_chosen(shop, manager, sandbox, buyer):
    email = unique_email("inline")
    fields = {
        "new-email": email,
        "new-first_name": "In",
        "new-last_name": "Line",
        "new-phone_number": "+44 20 7946 0958",
    }
    response = manager.post(new_url(), {"action": "new_customer", "key": str(uuid.uuid4()), **fields}, **HX)
    html = response.content.decode()
    (created,) = sandbox.customers("acme", email=email)
    assert f'name="customer_id" value="{created["id"]}"' in html and email in html
    assert AuditEntry.objects.filter(action="customer.created", object_id=str(created["id"])).exists()
    again = manager.post(
        new_url(), {"action": "new_customer", "key": str(uuid.uuid4()), **fields, "new-email": buyer["email"]}, **HX
    ).content.decode()
    assert "A customer with this email already exists." in again and 'name="customer_id" value=""' in again
    assert 'value="In"' in again  # what was typed stays
    agent_like = manager.post(
        new_url(), {"action": "new_customer", **fields, "new-email": "no-at-sign", "new-phone_number": "x"}, **HX
    ).content.decode()
    assert "Enter a valid email address." in agent_like and "Enter a valid phone number" in agent_like


def test_store_data_in_search_results_stays_inert(shop, manager, api):
    nasty = api(
        "POST",
        "users/",
        json={
            "email": unique_email("xss"),
            "first_name": '<img src=x onerror="alert(1)">',
            "last_name": 'hx-get="//evil"',
        },
    )
    response = manager.post(new_url(), {"action": "search", "customer_q": nasty["email"]}, **HX)
    html = response.content.decode()
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "<img src=x" not in html and 'hx-get="//evil"' not in html


def test_product_search_shows_price_and_stock_and_sku_search_finds_the_variant(shop, manager, sandbox):
    jacket = next(p for p in sandbox.products("acme") if p["title"] == "Packable Rain Jacket")
    response = manager.post(
        new_url(), {"action": "search", "product_q": "rain jack"}, HTTP_HX_TARGET="product-results", **HX
    )
    html = response.content.decode()
    assert response.status_code == 200 and jacket["sku"] in html and f"${jacket['price']}" in html
    assert f"{jacket['net_stock_level']} in stock" in html
    by_sku = manager.post(
        new_url(), {"action": "search", "product_q": jacket["sku"].lower()}, HTTP_HX_TARGET="product-results", **HX
    )
    assert jacket["sku"] in by_sku.content.decode()
    empty = next(p for p in sandbox.products("acme") if p["net_stock_level"] == 0)
    found = manager.post(
        new_url(), {"action": "search", "product_q": empty["sku"]}, HTTP_HX_TARGET="product-results", **HX
    ).content.decode()
    row = found[found.index(f'data-sku="{empty["sku"]}"') :]
    assert "Out of stock" in row[: row.index("</tr>")] and "disabled" in row[: row.index("</tr>")]


def test_the_running_total_is_computed_on_the_server(shop, manager, sandbox, buyer):
    first, second = in_stock(sandbox), in_stock(sandbox, skip=1)
    data = {
        "key": str(uuid.uuid4()),
        "customer_id": str(buyer["id"]),
        "variant": [str(first["id"]), str(second["id"])],
        "quantity": ["2", "1"],
        "shipping_code": "express",
        "price": "0.01",  # not a field: a posted price changes nothing
    }
    response = manager.post(new_url(), {**data, "action": "recalc"}, **HX)
    html = response.content.decode()
    items = Decimal(first["price"]) * 2 + Decimal(second["price"])
    assert 'id="order-lines"' in html
    assert f'id="items-total">${items:,.2f}<' in html
    assert f'id="order-total">${items + Decimal("19.95"):,.2f}<' in html
    added = manager.post(new_url(), {**data, "action": f"add:{in_stock(sandbox, skip=2)['id']}"}, **HX)
    assert added.content.decode().count('class="order-line"') == 3
    removed = manager.post(new_url(), {**data, "action": f"remove:{first['id']}"}, **HX)
    assert removed.content.decode().count('class="order-line"') == 1


def test_the_page_works_without_javascript(shop, manager, sandbox, buyer):
    product = in_stock(sandbox)
    page = manager.post(
        new_url(),
        {"key": str(uuid.uuid4()), "customer_id": str(buyer["id"]), "product_q": product["sku"], "action": "search"},
    )
    html = page.content.decode()
    assert page.status_code == 200 and "<html" in html and product["sku"] in html and buyer["email"] in html


# --- placing it ------------------------------------------------------------------------------------


def test_an_order_paid_externally(shop, manager, sandbox, api, buyer):
    product = in_stock(sandbox)
    before = product["net_stock_level"]
    response = manager.post(new_url(), order_form(buyer, [(product["id"], 2)], tags="phone-order, gift"))
    (order,) = orders_of(api, buyer)
    assert response.status_code == 302
    assert response["Location"] == reverse("order_detail", kwargs={"store": "acme", "number": order["number"]})
    assert order["payment_status"] == "paid" and order["tags"] == ["phone-order", "gift"]
    assert order["source"] == "admin_api" and order["shipping_address"]["line1"] == "1 Main St"
    assert order["shipping_address"]["country"] == "US"
    (sale,) = order["transactions"]
    assert (sale["is_external"], sale["external_id"], sale["payment_details"]["gateway"]["name"]) == (
        True,
        "BT-0001",
        "Bank transfer",
    )
    assert next(p for p in sandbox.products("acme") if p["id"] == product["id"])["net_stock_level"] == before - 2
    phone_order = PhoneOrder.objects.get()
    assert (phone_order.state, phone_order.payment_status, phone_order.order_number) == (
        "created",
        "paid",
        order["number"],
    )
    assert phone_order.total == Decimal(order["total_incl_tax"])
    entry = AuditEntry.objects.get(action="order.created")
    assert entry.object_id == order["number"] and entry.operator == manager.operator
    assert entry.details["external_reference"] == "BT-0001"
    detail = manager.get(response["Location"]).content.decode()
    assert "Paid outside the store: Bank transfer" in detail and "BT-0001" in detail


def test_a_payment_link_order_shows_the_link_to_copy_or_email(shop, manager, sandbox, api, buyer):
    product = in_stock(sandbox)
    response = manager.post(new_url(), order_form(buyer, [(product["id"], 1)], payment="link"))
    (order,) = orders_of(api, buyer)
    assert order["payment_status"] == "pending"
    phone_order = PhoneOrder.objects.get()
    assert phone_order.payment_status == "awaiting"
    assert phone_order.payment_url.startswith(sandbox.base_url + "/acme/checkout/pay/")
    (payment,) = [p for p in sandbox.payments("acme") if p["order"] == order["number"]]
    assert payment["return_url"].endswith(f"/payments/return/{phone_order.return_token}/")
    detail = manager.get(response["Location"]).content.decode()
    assert phone_order.payment_url in detail and "Waiting for the buyer" in detail
    panel_url = reverse("order_payment_email", kwargs={"store": "acme", "number": order["number"]})
    sent = manager.post(panel_url, **HX)
    assert sent.status_code == 200 and f"Payment link sent to {buyer['email']}" in sent.content.decode()
    (message,) = mail.outbox
    assert message.to == [buyer["email"]] and phone_order.payment_url in message.body
    assert AuditEntry.objects.filter(action="order.payment_link_emailed", object_id=order["number"]).exists()


def test_a_link_that_no_longer_waits_is_not_emailed(shop, manager, sandbox, buyer):
    manager.post(new_url(), order_form(buyer, [(in_stock(sandbox)["id"], 1)], payment="link"))
    phone_order = PhoneOrder.objects.get()
    PhoneOrder.objects.filter(pk=phone_order.pk).update(payment_status=PhoneOrder.PaymentStatus.FAILED)
    url = reverse("order_payment_email", kwargs={"store": "acme", "number": phone_order.order_number})
    response = manager.post(url, **HX)
    assert response.status_code == 400 and b"There is no open payment link to send." in response.content
    assert mail.outbox == [] and not AuditEntry.objects.filter(action="order.payment_link_emailed").exists()


def test_a_double_submit_creates_one_order(shop, manager, api, sandbox, buyer):
    data = order_form(buyer, [(in_stock(sandbox)["id"], 1)])
    first = manager.post(new_url(), data)
    second = manager.post(new_url(), data, **HX)  # the retry, through htmx
    (order,) = orders_of(api, buyer)
    assert (
        first["Location"]
        == second["HX-Redirect"]
        == reverse("order_detail", kwargs={"store": "acme", "number": order["number"]})
    )
    assert PhoneOrder.objects.count() == 1 and AuditEntry.objects.filter(action="order.created").count() == 1


def test_a_second_submit_while_the_first_is_being_placed_answers_at_once(
    shop, manager, api, sandbox, buyer, django_assert_max_num_queries
):
    data = order_form(buyer, [(in_stock(sandbox)["id"], 1)])
    manager.post(new_url(), {**data, "action": "recalc"})  # the page has read what it needs
    # The first submission has taken the form's key and waits for the store's answer.
    first = PhoneOrder.objects.create(
        key=data["key"], store=shop, operator=manager.operator, payment="external", customer_id=buyer["id"]
    )
    # Answered with the first one's state, not after waiting for it: a handful of queries
    # (the wait read the row again every 0.2 s for up to 10 s, in a web thread).
    with django_assert_max_num_queries(15):
        response = manager.post(new_url(), data, **HX)
    html = response.content.decode()
    assert response.status_code == 202 and "This order is already being placed" in html
    assert 'name="action" value="placing"' in html  # "Check again", and the page polls the same
    assert orders_of(api, buyer) == [] and PhoneOrder.objects.get().state == "reserved"
    # Checking again only looks: still being placed.
    with django_assert_max_num_queries(15):
        response = manager.post(new_url(), {**data, "action": "placing"}, **HX)
    assert response.status_code == 202 and "This order is already being placed" in response.content.decode()
    # The first one is done: its order's page opens.
    PhoneOrder.objects.filter(pk=first.pk).update(state="created", order_number="4242")
    response = manager.post(new_url(), {**data, "action": "placing"}, **HX)
    assert response["HX-Redirect"] == reverse("order_detail", kwargs={"store": "acme", "number": "4242"})
    response = manager.post(new_url(), {**data, "action": "placing"})
    assert response.status_code == 302
    assert response["Location"] == reverse("order_detail", kwargs={"store": "acme", "number": "4242"})
    assert orders_of(api, buyer) == []  # nothing was sent to the store by any of these


def test_checking_on_a_first_submit_the_store_refused_says_so(shop, manager, sandbox, buyer):
    data = order_form(buyer, [(in_stock(sandbox)["id"], 1)])
    PhoneOrder.objects.create(
        key=data["key"],
        store=shop,
        operator=manager.operator,
        payment="external",
        state="refused",
        error="“Blue mug” is out of stock.",
    )
    html = manager.post(new_url(), {**data, "action": "placing"}, **HX).content.decode()
    assert "The store refused this order: “Blue mug” is out of stock." in html
    assert "already being placed" not in html and PhoneOrder.objects.get().state == "refused"
    # A reservation left by a request that died long ago is not "being placed" forever.
    PhoneOrder.objects.update(state="reserved", updated_at=timezone.now() - timedelta(minutes=10))
    html = manager.post(new_url(), {**data, "action": "placing"}, **HX).content.decode()
    assert "The store did not answer when this order was sent." in html and "already being placed" not in html


def test_the_payment_panel_belongs_to_its_store(shop, manager, sandbox, buyer, connect_store):
    manager.post(new_url(), order_form(buyer, [(in_stock(sandbox)["id"], 1)], payment="link"))
    number = PhoneOrder.objects.get().order_number
    other = connect_store("bergmann", scopes=PHONE_SCOPES)
    their_manager = Client()
    their_manager.force_login(MembershipFactory(store=other, role=Role.OWNER).operator)
    for name in ("order_payment", "order_payment_check", "order_payment_email"):
        url = reverse(name, kwargs={"store": "bergmann", "number": number})
        response = their_manager.get(url) if name == "order_payment" else their_manager.post(url)
        assert response.status_code == 404, name
    assert manager.get(reverse("order_payment", kwargs={"store": "acme", "number": number})).status_code == 200


def test_another_operator_cannot_reuse_a_form_key(shop, manager, login_as, sandbox, buyer):
    data = order_form(buyer, [(in_stock(sandbox)["id"], 1)])
    manager.post(new_url(), data)
    other = login_as(shop, Role.MANAGER)
    assert other.post(new_url(), data).status_code == 400
    assert PhoneOrder.objects.count() == 1


def test_out_of_stock_is_refused_with_the_store_message_and_can_be_sent_again(shop, manager, api, sandbox, buyer):
    product = in_stock(sandbox, skip=3)
    data = order_form(buyer, [(product["id"], 1)])
    sandbox.set_stock("acme", product["sku"], 0)
    try:
        response = manager.post(new_url(), data, **HX)
        html = response.content.decode()
        title = f"{product['title']} - {product['variant_title']}" if product["variant_title"] else product["title"]
        assert response.status_code == 200 and 'id="order-form"' in html and "<html" not in html
        assert f"lines: “{title}” ({product['sku']}) is out of stock." in html
        assert 'value="BT-0001"' in html and f'name="variant" value="{product["id"]}"' in html  # nothing lost
        assert orders_of(api, buyer) == []
        assert PhoneOrder.objects.get().state == "refused"
    finally:
        sandbox.set_stock("acme", product["sku"], product["num_in_stock"])
    again = manager.post(new_url(), data)
    assert again.status_code == 302 and len(orders_of(api, buyer)) == 1
    assert PhoneOrder.objects.get().state == "created"


def test_a_lost_answer_is_found_by_the_form_key_instead_of_ordering_twice(shop, manager, api, sandbox, buyer):
    product = in_stock(sandbox)
    data = order_form(buyer, [(product["id"], 1)])
    manager.post(new_url(), {**data, "action": "recalc"})  # the page has read what it needs
    sandbox.set_faults("acme", malformed_rate=1, limit=1)  # the store creates the order; its answer is cut
    response = manager.post(new_url(), data)
    (order,) = orders_of(api, buyer)
    assert response.status_code == 302 and order["metadata"]["storedesk_key"] == data["key"]
    phone_order = PhoneOrder.objects.get()
    assert (phone_order.state, phone_order.order_number) == ("created", order["number"])


def test_no_answer_at_all_places_it_once_on_the_next_submit(shop, manager, api, sandbox, buyer):
    data = order_form(buyer, [(in_stock(sandbox)["id"], 1)])
    manager.post(new_url(), {**data, "action": "recalc"})
    sandbox.set_faults("acme", error_rate=1, error_statuses=[502], limit=2)  # the POST and the search for it
    response = manager.post(new_url(), data)
    assert response.status_code == 400 and "not answering" in response.content.decode()
    assert PhoneOrder.objects.get().state == "unknown" and orders_of(api, buyer) == []
    assert manager.post(new_url(), data).status_code == 302
    assert len(orders_of(api, buyer)) == 1 and PhoneOrder.objects.get().state == "created"


def test_the_store_errors_and_missing_fields_are_shown_in_place(shop, manager, sandbox, buyer):
    product = in_stock(sandbox)
    response = manager.post(
        new_url(), order_form(buyer, [(product["id"], 1)], **{"ship-line1": "", "ship-country": "USA"})
    )
    html = response.content.decode()
    assert response.status_code == 400 and "This field is required." in html and "at most 2 characters" in html
    response = manager.post(new_url(), order_form(buyer, [(product["id"], 1)], external_reference=""))
    assert "Enter the payment&#x27;s reference." in response.content.decode()
    response = manager.post(new_url(), order_form(buyer, []))
    assert "Add at least one product." in response.content.decode()
    assert PhoneOrder.objects.count() == 0


def test_a_store_without_the_catalogue_permission_says_so(connect_store, login_as):
    store = connect_store("acme")  # granted without catalogue:read
    client = login_as(store, Role.MANAGER)
    html = client.post(new_url(), {"action": "search", "product_q": "jacket"}, HTTP_HX_TARGET="product-results", **HX)
    assert "catalogue:read" in html.content.decode()


# --- the order page ---------------------------------------------------------------------------------


def test_the_order_page_shows_each_transaction_with_its_gateway(shop, manager, sandbox, buyer):
    response = manager.post(new_url(), order_form(buyer, [(in_stock(sandbox)["id"], 1)]))
    html = manager.get(response["Location"]).content.decode()
    section = html[html.index('id="order-transactions-heading"') :]
    assert "Gateway" in section and "Bank transfer" in section[: section.index("</section>")]
