"""Writes through the Admin API: notes, cancel, refunds, tags, tickets and comments."""

from decimal import Decimal

import pytest


class Api:
    def __init__(
        self, sandbox, store, scopes="orders:read orders:write users:read users:write tickets:read tickets:write"
    ):
        self.sandbox, self.store = sandbox, store
        self.token = sandbox.issue_token(store, scopes)

    def __call__(self, method, path, **kwargs):
        return self.sandbox.api(self.store, method, path, self.token, **kwargs)


@pytest.fixture
def api(sandbox):
    return Api(sandbox, "acme")


def find(sandbox, store, predicate):
    return next(o for o in sandbox.orders(store) if predicate(o))


def test_order_notes_are_created_and_listed_newest_first(sandbox, api):
    number = sandbox.order_numbers("acme")[10]
    first = api("POST", f"orders/{number}/notes/", json={"message": "Called the customer."})
    assert first.status_code == 200
    second = api("POST", f"orders/{number}/notes/", data={"message": "Left a voicemail <b>too</b>."})
    assert second.status_code == 200
    note = second.json()
    assert note["message"] == "Left a voicemail <b>too</b>." and note["author"]["id"] and note["date_created"]
    listed = api("GET", f"orders/{number}/notes/").json()["results"]
    assert [n["id"] for n in listed[:2]] == [note["id"], first.json()["id"]]


def test_an_empty_note_is_a_400_with_field_errors(api, sandbox):
    number = sandbox.order_numbers("acme")[10]
    response = api("POST", f"orders/{number}/notes/", json={})
    assert response.status_code == 400
    assert response.json() == {"message": ["This field is required."]}


def test_write_endpoints_need_the_write_scope(sandbox):
    reader = Api(sandbox, "acme", "orders:read")
    number = sandbox.order_numbers("acme")[10]
    assert reader("POST", f"orders/{number}/notes/", json={"message": "x"}).status_code == 403
    assert reader("POST", f"orders/{number}/refund/calculate/", json={}).status_code == 403


def test_patch_tags_and_find_the_order_by_tag(sandbox, api):
    number = sandbox.order_numbers("acme")[20]
    response = api("PATCH", f"orders/{number}/", json={"tags": ["follow-up", "vip-2024"]})
    assert response.status_code == 200
    assert response.json()["tags"] == ["follow-up", "vip-2024"]
    assert number in sandbox.order_numbers("acme", tags="vip-2024")
    assert number not in sandbox.order_numbers("acme", tags="vip")


def test_cancel_an_authorized_order_voids_the_payment(sandbox, api):
    (number,) = sandbox.create_orders("acme", payment_status="authorized")
    order = api("GET", f"orders/{number}/").json()
    assert (order["status"], order["payment_status"], order["fulfillment_status"]) == (
        "open",
        "authorized",
        "unfulfilled",
    )
    assert order["total_outstanding"] == order["total_incl_tax"]
    response = api("POST", f"orders/{order['number']}/cancel/", json={"cancel_reason": "customer"})
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["payment_status"]) == ("canceled", "voided")
    assert body["transactions"][-1]["type"] == "void"
    again = api("POST", f"orders/{order['number']}/cancel/", json={"cancel_reason": "customer"})
    assert again.status_code == 400 and set(again.json()) == {"detail"}


def test_cancel_with_full_refund_refunds_a_paid_order(sandbox, api):
    (number,) = sandbox.create_orders("acme", payment_status="paid")
    order = api("GET", f"orders/{number}/").json()
    response = api("POST", f"orders/{number}/cancel/", json={"cancel_reason": "customer", "full_refund": True})
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["payment_status"]) == ("canceled", "refunded")
    assert body["refunds"][0]["total_refund_amount"] == order["total_incl_tax"]
    assert all(line["current_quantity"] == 0 for line in body["lines"])


def test_cancel_needs_a_reason_and_refuses_fulfilled_orders(sandbox, api):
    order = find(sandbox, "acme", lambda o: o["fulfillment_status"] == "fulfilled" and o["status"] == "open")
    assert api("POST", f"orders/{order['number']}/cancel/", json={}).json() == {
        "cancel_reason": ["This field is required."]
    }
    response = api("POST", f"orders/{order['number']}/cancel/", json={"cancel_reason": "customer"})
    assert response.status_code == 400


def test_refund_calculate_then_refund_one_line(sandbox, api):
    summary = find(sandbox, "acme", lambda o: o["payment_status"] == "paid" and o["status"] != "canceled")
    number = summary["number"]
    order = api("GET", f"orders/{number}/").json()
    line = order["lines"][0]
    calc = api(
        "POST",
        f"orders/{number}/refund/calculate/",
        json={"refund_lines": [{"line_id": line["id"], "quantity": 1, "restock_type": "return"}]},
    )
    assert calc.status_code == 200, calc.text
    calc = calc.json()
    assert calc["amount_incl_tax"] == line["price_incl_tax"]
    (transaction,) = [t for t in calc["transactions"] if Decimal(t["amount"]) > 0]
    refund = api(
        "POST",
        f"orders/{number}/refund/",
        json={
            "transactions": [{"id": transaction["id"], "amount": transaction["amount"]}],
            "refund_lines": [{"line_id": line["id"], "quantity": 1, "restock_type": "return"}],
            "note": "Damaged in transit",
        },
    )
    assert refund.status_code == 200, refund.text
    body = refund.json()
    assert body["total_refund_amount"] == transaction["amount"]
    assert body["refund_line_items"][0]["line_item_id"] == line["id"]
    after = api("GET", f"orders/{number}/").json()
    assert after["payment_status"] in ("partially_refunded", "refunded")
    assert after["lines"][0]["current_quantity"] == line["quantity"] - 1
    too_much = api(
        "POST", f"orders/{number}/refund/", json={"transactions": [{"id": transaction["id"], "amount": "999999.00"}]}
    )
    assert too_much.status_code == 400
    assert "transactions[0].amount" in too_much.json()


def test_customer_notes(sandbox):
    api = Api(sandbox, "bergmann")
    customer = api("GET", "users/").json()["results"][0]
    response = api("POST", f"users/{customer['id']}/notes/", json={"message": "Prefers DHL."})
    assert response.status_code == 200
    assert api("GET", f"users/{customer['id']}/notes/").json()["results"][0]["message"] == "Prefers DHL."


def test_ticket_patch_and_comments(sandbox):
    api = Api(sandbox, "siam")
    ticket = api("GET", "tickets/").json()["results"][0]
    staff = api("GET", f"tickets/{ticket['id']}/").json()
    response = api(
        "PATCH",
        f"tickets/{ticket['id']}/",
        json={"status": "pending", "priority": "high", "tags": ["vip", "callback"]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["priority"]) == ("pending", "high")
    assert sorted(body["tags"]) == ["callback", "vip"]
    bad = api("PATCH", f"tickets/{ticket['id']}/", json={"status": "archived", "assignee": 999999})
    assert bad.status_code == 400 and set(bad.json()) == {"status", "assignee"}

    reply = api("POST", f"tickets/{ticket['id']}/comments/", json={"body": "We are on it.", "is_public": True})
    note = api("POST", f"tickets/{ticket['id']}/comments/", json={"body": "Check stock first.", "is_public": False})
    assert reply.status_code == note.status_code == 200
    thread = api("GET", f"tickets/{ticket['id']}/comments/").json()["comments"]
    assert [(c["body"], c["is_public"]) for c in thread[-2:]] == [
        ("We are on it.", True),
        ("Check stock first.", False),
    ]
    assert len(thread) == len(staff["comments"]) + 2
