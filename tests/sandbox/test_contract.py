"""Contract: every implemented operation, success and error answers alike, validates
against the official OpenAPI document (openapi-core), for realistic requests that use
the documented filters. A response that drifts from the schema fails here.
"""

import hashlib
import json
import time

import pytest
import requests
from openapi_core.contrib.requests import RequestsOpenAPIResponse

from tests.sandbox import platform_openapi
from tests.sandbox_server import ALL_SCOPES, WebhookReceiver

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type:UserWarning")

STORE_OPS = {"storeDetail"}
ORDER_OPS = {
    "ordersList",
    "ordersCreate",
    "ordersRetrieve",
    "ordersPartialUpdate",
    "ordersNotesList",
    "ordersNotesCreate",
    "ordersCancelCreate",
    "ordersRefundCreate",
    "ordersRefundCalculateCreate",
}
USER_OPS = {
    "usersList",
    "usersCreate",
    "usersRetrieve",
    "usersOrdersRetrieve",
    "usersNotesList",
    "usersNotesCreate",
    "usersAddressesList",
}
TICKET_OPS = {
    "ticketsList",
    "ticketsRetrieve",
    "ticketsPartialUpdate",
    "ticketsCommentsRetrieve",
    "ticketsCommentsCreate",
    "tickettypesList",
    "tickettypesRetrieve",
}
EXPORT_OPS = {"exportsList", "exportsCreate", "exportsTypesRetrieve", "exportsRetrieve", "exportsDownloadRetrieve"}
WEBHOOK_OPS = {
    "webhooksList",
    "webhooksCreate",
    "webhooksRetrieve",
    "webhooksUpdate",
    "webhooksPartialUpdate",
    "webhooksDestroy",
}
CATALOGUE_OPS = {
    "productsList",
    "productsRetrieve",
    "productsVariantsRetrieve",
    "stockrecordsList",
    "stockrecordsRetrieve",
    "shippingMethodsList",
    "shippingMethodsRetrieve",
}
TRANSACTION_OPS = {"transactionsList", "transactionsRetrieve"}
# Every operation the sandbox implements; each test below checks it validated its share.
IMPLEMENTED = STORE_OPS | ORDER_OPS | USER_OPS | TICKET_OPS | EXPORT_OPS | WEBHOOK_OPS | CATALOGUE_OPS | TRANSACTION_OPS


class Contract:
    """Calls the sandbox and validates request and response against the document."""

    def __init__(self, sandbox, store):
        self.sandbox, self.store = sandbox, store
        self.token = sandbox.issue_token(store, ALL_SCOPES)
        self.seen: set[tuple[str, int]] = set()

    def __call__(self, method, path, *, status=200, token=..., params=None, json_body=None, headers=None):
        token = self.token if token is ... else token
        response = self.sandbox.api(self.store, method, path, token, params=params, json=json_body, headers=headers)
        assert response.status_code == status, f"{method} {path}: {response.status_code} {response.text[:300]}"
        api = platform_openapi.openapi()
        request = platform_openapi.PlatformRequest(response.request)
        if method == "GET" and status < 400:
            # Our own requests use the documented parameters. (Request bodies are not
            # checked: the document lists read-only fields as required in them.)
            api.validate_request(request)
        api.validate_response(request, RequestsOpenAPIResponse(response))
        self.seen.add((platform_openapi.operation_id(method, response.url), status))
        return response.json() if response.content else None

    def covered(self) -> set[str]:
        return {operation for operation, status in self.seen if status < 400}


@pytest.fixture
def acme(sandbox):
    return Contract(sandbox, "acme")


def test_the_document_is_the_published_one():
    """Our copy is byte for byte the published document. Neither may be missing: a check
    that finds nothing to compare has checked nothing."""
    assert platform_openapi.DOCUMENT.is_file(), f"The repository's copy is missing: {platform_openapi.DOCUMENT}"
    published = [path for path in platform_openapi.SHARED_CANDIDATES if path.is_file()]
    assert published, "The published document is at none of: " + ", ".join(
        str(path) for path in platform_openapi.SHARED_CANDIDATES
    )
    ours = hashlib.sha256(platform_openapi.DOCUMENT.read_bytes()).hexdigest()
    assert hashlib.sha256(published[0].read_bytes()).hexdigest() == ours
    assert platform_openapi.raw_document()["info"]["version"] == "2024-04-01"


def test_store(acme):
    (store,) = acme("GET", "store/")
    assert store["primary_domain"] == "acme.29next.store"
    acme("GET", "store/", token=None, status=401)
    assert acme.covered() == STORE_OPS


def test_orders(acme, sandbox):
    first = acme("GET", "orders/")
    acme("GET", first["next"].split("/api/admin/")[1])
    for params in (
        {"status": ["open", "archived"], "payment_status": ["paid"], "is_test": "false"},
        {"fulfillment_status": ["fulfilled"], "date_placed_from": "2020-01-01", "date_placed_to": "2100-12-31"},
        {"search_text": "a", "tags": ["vip", "gift"], "sources": ["checkout"], "countries": ["US"]},
        {"currency": "USD", "has_outstanding_balance": "true", "payment_method": ["card_token", "paypal"]},
        {"order_number": first["results"][0]["number"], "coupon_code": ["WELCOME10"], "offers": ["x"]},
        {
            "utm_source": "google",
            "affiliate": "aff-1001",
            "is_disputed": "false",
            "subscription_lifecycle": "recurring",
        },
        {"delivery_status": ["delivered"], "location_id": [1], "product": [1, 2], "sku": ["x"]},
    ):
        acme("GET", "orders/", params=params)
    numbers = sandbox.order_numbers("acme")
    refunded = sandbox.order_numbers("acme", payment_status="refunded")
    for number in (numbers[0], numbers[-1], refunded[0]):
        acme("GET", f"orders/{number}/")
    number = numbers[5]
    acme("POST", f"orders/{number}/notes/", json_body={"message": "Contract note"})
    acme("GET", f"orders/{number}/notes/")
    acme("PATCH", f"orders/{number}/", json_body={"tags": ["contract"]})
    paid = sandbox.order_numbers("acme", payment_status="paid", status="open")[3]
    order = acme("GET", f"orders/{paid}/")
    line = order["lines"][0]
    body = {"refund_lines": [{"line_id": line["id"], "quantity": 1, "restock_type": "no_restock"}]}
    calc = acme(
        "POST", f"orders/{paid}/refund/calculate/", json_body={**body, "refund_shipping": {"full_refund": True}}
    )
    transaction = calc["transactions"][0]
    acme(
        "POST",
        f"orders/{paid}/refund/",
        json_body={**body, "transactions": [{"id": transaction["id"], "amount": "1.00"}], "note": "contract"},
    )
    authorized = sandbox.create_orders("acme", payment_status="authorized")
    acme("POST", f"orders/{authorized[0]}/cancel/", json_body={"cancel_reason": "customer", "full_refund": False})
    in_stock = next(p for p in sandbox.products("acme") if p["net_stock_level"] > 5)
    customer = sandbox.customers("acme")[0]
    address = {"first_name": "Ana", "last_name": "Lee", "line1": "1 Main St", "line4": "Boston", "country": "US"}
    for payment in (
        {"payment_method": "external", "payment_details": {"external_payment_method": "cash"}},
        {"payment_method": "card_token", "payment_details": {"card_token": "test_card"}},
        {"payment_method": "paypal", "payment_details": {"payment_return_url": "https://app.example.com/r/1/"}},
    ):
        created = acme(
            "POST",
            "orders/",
            status=201,
            json_body={
                "lines": [{"product_id": in_stock["id"], "quantity": 1}],
                "user": {"id": customer["id"]},
                "shipping_address": address,
                "shipping_code": "express",
                "tags": ["contract"],
                **payment,
            },
        )
        assert created["source"] == "admin_api" and created["tags"] == ["contract"]
    assert created["payment_complete_url"] and created["payment_status"] == "pending"
    # errors
    acme("GET", "orders/999999999/", status=404)
    acme("GET", "orders/", params={"status": "nope"}, status=400)
    acme("GET", "orders/", params={"date_placed_from": "yesterday"}, status=400)
    acme("POST", f"orders/{number}/notes/", json_body={}, status=400)
    acme("POST", f"orders/{authorized[0]}/cancel/", json_body={"cancel_reason": "again"}, status=400)
    acme("POST", f"orders/{paid}/refund/", json_body={"transactions": []}, status=400)
    acme("POST", "orders/", json_body={"lines": []}, status=400)
    acme(
        "POST",
        "orders/",
        json_body={"lines": [{"product_id": in_stock["id"], "quantity": 1}], "payment_method": "paypal"},
        status=400,
    )
    acme("GET", "orders/", token=None, status=401)
    acme("GET", "orders/", token="revoked-or-wrong", status=401)
    acme("GET", "orders/", token=sandbox.issue_token("acme", "users:read"), status=403)
    assert acme.covered() == ORDER_OPS


def test_users(acme):
    page = acme("GET", "users/")
    for params in (
        {"email": "example", "name": "a", "phone_number": "5"},
        {"language": "en", "user_type": "customer", "is_blocked": "false", "accepts_marketing": "true"},
        {"date_joined_from": "2020-01-01", "date_joined_to": "2100-01-01"},
        {"user_type": "lead"},
    ):
        acme("GET", "users/", params=params)
    # The store's own users (the people tickets are assigned to), in the same schema.
    staff = acme("GET", "users/", params={"user_type": "dashboard"})["results"]
    assert staff and {u["user_type"] for u in staff} == {"dashboard"}
    acme("GET", "users/", params={"user_type": "dashboard", "name": staff[0]["last_name"], "email": "example"})
    acme("GET", "users/", params={"user_type": "dashboard", "date_joined_from": "2020-01-01"})
    buyer = next(u for u in page["results"] if u["orders_count"])
    acme("GET", f"users/{buyer['id']}/")
    acme("GET", f"users/{buyer['id']}/orders/")
    acme("GET", f"users/{buyer['id']}/addresses/")
    acme("POST", f"users/{buyer['id']}/notes/", json_body={"message": "Contract"})
    acme("GET", f"users/{buyer['id']}/notes/")
    body = {"email": "contract.customer@example.com", "first_name": "Con", "last_name": "Tract", "language": "en"}
    acme("POST", "users/", status=201, json_body={**body, "phone_number": "+1 212 555 0100"})
    acme("POST", "users/", status=400, json_body=body)
    acme("POST", "users/", status=400, json_body={"email": "x@example.com", "phone_number": "call me"})
    acme("GET", "users/0/", status=404)
    acme("GET", "users/", params={"language": "xx"}, status=400)
    acme("GET", "users/", token=None, status=401)
    assert acme.covered() == USER_OPS


def test_tickets(acme, sandbox):
    page = acme("GET", "tickets/")
    ticket = page["results"][0]
    with_order = next(t for t in page["results"] if t["order"])
    for params in (
        {"filter_text": "order", "status": ["open", "pending"], "priority": "high"},
        {
            "order_number": with_order["order"],
            "channel": "email",
            "created_from": "2020-01-01",
            "created_to": "2100-01-01",
        },
        {"id": ticket["id"], "subject": "a", "requester": ticket["requester"], "tags": [1, 2], "product": [1]},
        {"assignee": 1, "ticket_type": 1},
    ):
        acme("GET", "tickets/", params=params)
    acme("GET", f"tickets/{ticket['id']}/")
    acme("GET", f"tickets/{ticket['id']}/comments/")
    acme("PATCH", f"tickets/{ticket['id']}/", json_body={"status": "open", "priority": "low", "tags": ["contract"]})
    acme("POST", f"tickets/{ticket['id']}/comments/", json_body={"body": "Contract reply", "is_public": False})
    types = acme("GET", "tickettypes/", params={"name": "o"})
    acme("GET", f"tickettypes/{types['results'][0]['id']}/")
    acme("PATCH", f"tickets/{ticket['id']}/", json_body={"status": "unknown"}, status=400)
    acme("GET", "tickets/987654321/", status=404)
    acme("GET", "tickets/", token=sandbox.issue_token("acme", "orders:read"), status=403)
    assert acme.covered() == TICKET_OPS


def test_exports(acme):
    acme("GET", "exports/types/")
    export = acme(
        "POST",
        "exports/",
        status=201,
        json_body={"type": "order_list", "date_from": "2020-01-01T00:00:00Z", "date_to": "2100-01-01T00:00:00Z"},
    )
    assert export["status"] == "pending"
    acme("GET", f"exports/{export['id']}/download/", status=400)
    deadline = time.monotonic() + 20
    while acme("GET", f"exports/{export['id']}/")["status"] != "available":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    acme("GET", f"exports/{export['id']}/download/")
    acme("GET", "exports/", params={"type": "order_list", "date_created_from": "2020-01-01"})
    acme("POST", "exports/", json_body={"type": "nonsense"}, status=400)
    acme("GET", "exports/0/", status=404)
    assert acme.covered() == EXPORT_OPS


def test_webhooks(acme):
    created = acme(
        "POST",
        "webhooks/",
        status=201,
        json_body={"name": "contract", "target": "https://hooks.example.com/c/", "events": ["order.updated"]},
    )
    acme("GET", "webhooks/", params={"name": "contract", "active": "true", "events": [13]})
    acme("GET", f"webhooks/{created['id']}/")
    acme(
        "PUT",
        f"webhooks/{created['id']}/",
        json_body={"target": "https://hooks.example.com/d/", "events": ["order.created"], "active": True},
    )
    acme("PATCH", f"webhooks/{created['id']}/", json_body={"active": False})
    acme("POST", "webhooks/", json_body={"target": "nope", "events": []}, status=400)
    acme("DELETE", f"webhooks/{created['id']}/", status=204)
    acme("GET", f"webhooks/{created['id']}/", status=404)
    assert acme.covered() == WEBHOOK_OPS


def test_catalogue(acme, sandbox):
    page = acme("GET", "products/")
    parent = next(p for p in page["results"] if p["structure"] == "parent")
    for params in ({"title": "shirt", "is_public": "true"}, {"sku": [parent["variants"][0]["sku"]]}, {"category": [1]}):
        acme("GET", "products/", params=params)
    acme("GET", f"products/variants/{parent['variants'][0]['id']}/")
    product = acme("GET", f"products/{parent['id']}/")
    assert [v["id"] for v in product["variants"]] == [v["id"] for v in parent["variants"]]
    standalone = next(p for p in page["results"] if p["structure"] == "standalone")
    assert acme("GET", f"products/{standalone['id']}/")["variants"][0]["id"] == standalone["id"]
    acme("GET", f"products/{parent['variants'][0]['id']}/", status=404)  # a child is a variant
    records = acme("GET", "stockrecords/")
    for params in (
        {"search_text": "jacket", "location_id": ["1"]},
        {"inventory_availability": "out_of_stock", "purchase_availability": "unavailable"},
        {"sku": parent["variants"][0]["sku"]},
    ):
        acme("GET", "stockrecords/", params=params)
    acme("GET", f"stockrecords/{records['results'][0]['id']}/")
    methods = acme("GET", "shipping-methods/")
    acme("GET", f"shipping-methods/{methods['results'][0]['id']}/")
    acme("GET", f"products/variants/{parent['id']}/", status=404)
    acme("GET", "stockrecords/", params={"inventory_availability": "plenty"}, status=400)
    acme("GET", "products/", token=sandbox.issue_token("acme", "orders:read"), status=403)
    assert acme.covered() == CATALOGUE_OPS


def test_transactions(acme, sandbox):
    page = acme("GET", "transactions/")
    acme("GET", page["next"].split("/api/admin/")[1])
    for params in (
        {"type": "debit", "status": "succeeded", "amount_min": 10, "amount_max": 500, "currency": "USD"},
        {"date_created_from": "2020-01-01", "date_created_to": "2100-01-01", "card_type": ["visa"]},
        {"is_external": "false", "is_test": "false", "payment_method": "paypal", "gateway_id": 2},
        {"utm_source": "google", "funnels": ["main-funnel"], "is_3ds": "true", "external_id": "x"},
    ):
        acme("GET", "transactions/", params=params)
    for transaction in page["results"][:3]:
        acme("GET", f"transactions/{transaction['id']}/")
    acme("GET", "transactions/1/", status=404)
    acme("GET", "transactions/", params={"type": "sale"}, status=400)
    acme("GET", "transactions/", token=sandbox.issue_token("acme", "orders:read"), status=403)
    assert acme.covered() == TRANSACTION_OPS


def test_rate_limited_answers_follow_the_error_shape(acme, sandbox):
    sandbox.set_faults("acme", rate_limit_rate=1, limit=1)
    acme("GET", "orders/", status=429)
    sandbox.set_faults("acme", error_rate=1, error_statuses=[500], limit=1)
    acme("GET", "orders/", status=500)


def test_every_implemented_operation_is_in_the_document():
    spec = platform_openapi.document()
    documented = {
        operation["operationId"]
        for item in spec["paths"].values()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert documented >= IMPLEMENTED
    assert len(IMPLEMENTED) == 44


def test_webhook_payloads_match_the_documented_events(sandbox):
    token = sandbox.issue_token("bergmann", ALL_SCOPES)
    events = [
        "order.created",
        "order.updated",
        "ticket.updated",
        "customer.created",
        "customer.updated",
        "export.created",
    ]
    with WebhookReceiver() as receiver:
        webhook = sandbox.api(
            "bergmann", "POST", "webhooks/", token, json={"target": receiver.url, "events": events}
        ).json()
        sandbox.create_orders("bergmann")
        number = sandbox.order_numbers("bergmann")[4]
        sandbox.api("bergmann", "POST", f"orders/{number}/notes/", token, json={"message": "x"})
        ticket = sandbox.api("bergmann", "GET", "tickets/", token).json()
        sandbox.api("bergmann", "PATCH", f"tickets/{ticket['results'][0]['id']}/", token, json={"priority": "high"})
        customer = sandbox.orders("bergmann")[0]["user"]["id"]
        sandbox.api("bergmann", "POST", f"users/{customer}/notes/", token, json={"message": "x"})
        sandbox.api(
            "bergmann",
            "POST",
            "exports/",
            token,
            json={"type": "customer_list", "date_from": "2020-01-01T00:00:00Z", "date_to": "2100-01-01T00:00:00Z"},
        )
        sandbox.api(
            "bergmann", "POST", "users/", token, json={"email": "webhook.contract@example.com", "first_name": "Web"}
        )
        received = receiver.wait(6, timeout=20)
    sandbox.api("bergmann", "DELETE", f"webhooks/{webhook['id']}/", token)
    seen = set()
    for _, body in received:
        payload = json.loads(body)
        validate_webhook(payload["event_type"], body)
        seen.add(payload["event_type"])
    assert seen == set(events)


def validate_webhook(name: str, body: bytes) -> None:
    from openapi_core.contrib.requests import RequestsOpenAPIWebhookRequest

    request = requests.Request(
        "POST", "https://storedesk.example.com/webhooks/", data=body, headers={"Content-Type": "application/json"}
    )
    platform_openapi.openapi().validate_request(RequestsOpenAPIWebhookRequest(request, name=name))


@pytest.mark.parametrize("store", ["acme", "bergmann", "siam"])
def test_a_sample_of_every_kind_of_order_validates(sandbox, store):
    """One order of each status, payment and fulfillment state, coupon, refund..., and their customers."""
    contract = Contract(sandbox, store)
    orders = sandbox.orders(store)
    picked = {}
    for order in orders:
        for key in ("status", "payment_status", "fulfillment_status", "is_test", "source", "currency"):
            picked.setdefault((key, order[key]), order["number"])
        picked.setdefault(("tags", bool(order["tags"])), order["number"])
        picked.setdefault(("discount", order["total_discount"] != "0.00"), order["number"])
    for number in sorted(set(picked.values())):
        order = contract("GET", f"orders/{number}/")
        contract("GET", f"users/{order['user']['id']}/orders/")
    page = contract("GET", "orders/")
    while page["next"]:
        page = contract("GET", page["next"].split("/api/admin/")[1])
    assert len(set(picked.values())) >= 10
