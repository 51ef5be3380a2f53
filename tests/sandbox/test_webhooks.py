"""Webhooks: CRUD through the API, signed deliveries, retries with backoff, 410 stops."""

import hashlib
import hmac
import json

import pytest

from tests.sandbox_server import WebhookReceiver

SECRET = "whsec-test-0123456789"


@pytest.fixture
def token(sandbox):
    return sandbox.issue_token(
        "acme", "orders:read orders:write webhooks:read webhooks:write tickets:write users:write"
    )


def register(sandbox, store, token, target, events, secret=SECRET):
    response = sandbox.api(
        store, "POST", "webhooks/", token, json={"target": target, "events": events, "secret_key": secret}
    )
    assert response.status_code == 201, response.text
    return response.json()


def signature_of(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_webhook_crud(sandbox, token):
    created = register(sandbox, "acme", token, "https://hooks.example.com/a/", ["order.created"])
    assert created["active"] and created["secret_key"] == SECRET and created["warning_count"] == 0
    listed = sandbox.api("acme", "GET", "webhooks/", token).json()["results"]
    assert created["id"] in [w["id"] for w in listed]
    patched = sandbox.api("acme", "PATCH", f"webhooks/{created['id']}/", token, json={"events": ["order.updated"]})
    assert patched.json()["events"] == ["order.updated"]
    bad = sandbox.api("acme", "POST", "webhooks/", token, json={"target": "not a url", "events": ["nope"]})
    assert bad.status_code == 400 and set(bad.json()) == {"target", "events"}
    other = sandbox.issue_token("bergmann", "webhooks:read")
    assert sandbox.api("bergmann", "GET", f"webhooks/{created['id']}/", other).status_code == 404
    assert sandbox.api("acme", "DELETE", f"webhooks/{created['id']}/", token).status_code == 204
    assert sandbox.api("acme", "GET", f"webhooks/{created['id']}/", token).status_code == 404


def test_changes_made_through_the_api_are_delivered_signed(sandbox, token):
    number = sandbox.order_numbers("acme")[30]
    with WebhookReceiver() as receiver:
        webhook = register(sandbox, "acme", token, receiver.url, ["order.updated"])
        sandbox.api("acme", "POST", f"orders/{number}/notes/", token, json={"message": "hello"})
        ((headers, body),) = receiver.wait(1)
    assert headers["X-29Next-Signature"] == signature_of(body)
    # The platform's documentation verifies the re-serialised body: the same signature.
    assert signature_of(json.dumps(json.loads(body)).encode()) == headers["X-29Next-Signature"]
    payload = json.loads(body)
    assert set(payload) == {"object", "data", "event_id", "event_type", "webhook", "api_version"}
    assert (payload["object"], payload["event_type"], payload["api_version"]) == (
        "order",
        "order.updated",
        "2024-04-01",
    )
    assert payload["data"]["number"] == number
    assert payload["webhook"] == {
        "id": webhook["id"],
        "events": ["order.updated"],
        "store": "acme",
        "target": receiver.url,
    }
    (delivery,) = [d for d in sandbox.webhook_deliveries("acme") if d["event_id"] == payload["event_id"]]
    assert (delivery["status_code"], delivery["attempt"], delivery["signature_ok"]) == (200, 1, True)
    sandbox.api("acme", "DELETE", f"webhooks/{webhook['id']}/", token)


def test_failures_are_retried_with_the_same_event_id(sandbox, token):
    with WebhookReceiver(answers=[500, 503]) as receiver:
        webhook = register(sandbox, "acme", token, receiver.url, ["order.created"])
        (number,) = sandbox.create_orders("acme")
        received = receiver.wait(3)
    assert len(received) == 3
    event_ids = {json.loads(body)["event_id"] for _, body in received}
    assert len(event_ids) == 1
    assert json.loads(received[0][1])["data"]["number"] == number
    attempts = [d for d in sandbox.webhook_deliveries("acme") if d["event_id"] in event_ids]
    assert [(d["attempt"], d["status_code"]) for d in attempts] == [(1, 500), (2, 503), (3, 200)]
    assert attempts[-1]["delivery_status"] == "delivered"
    sandbox.api("acme", "DELETE", f"webhooks/{webhook['id']}/", token)


def test_an_unreachable_target_is_retried_until_it_answers(sandbox, token):
    with WebhookReceiver() as receiver:
        url = receiver.url
    # The receiver is gone: connections are refused, and the attempts are recorded.
    webhook = register(sandbox, "acme", token, url, ["order.created"])
    sandbox.create_orders("acme")
    failed = sandbox.wait_for_deliveries("acme", lambda d: d["webhook_id"] == webhook["id"], count=2)
    assert all(d["status_code"] is None and d["error"] for d in failed)
    assert [d["attempt"] for d in failed[:2]] == [1, 2]
    sandbox.api("acme", "DELETE", f"webhooks/{webhook['id']}/", token)


def test_410_stops_deliveries_and_disables_the_webhook(sandbox, token):
    with WebhookReceiver(answers=[410]) as receiver:
        webhook = register(sandbox, "acme", token, receiver.url, ["order.created"])
        sandbox.create_orders("acme")
        receiver.wait(1)
        deliveries = sandbox.wait_for_deliveries(
            "acme", lambda d: d["webhook_id"] == webhook["id"] and d["delivery_status"] == "failed"
        )
        assert [(d["attempt"], d["status_code"]) for d in deliveries] == [(1, 410)]
        assert sandbox.api("acme", "GET", f"webhooks/{webhook['id']}/", token).json()["active"] is False
        sandbox.create_orders("acme")
        assert len(receiver.wait(2, timeout=1)) == 1
    sandbox.api("acme", "DELETE", f"webhooks/{webhook['id']}/", token)


def test_ticket_and_customer_changes_are_events_too(sandbox, token):
    with WebhookReceiver() as receiver:
        webhook = register(sandbox, "acme", token, receiver.url, ["ticket.updated", "customer.updated"])
        ticket = sandbox.api("acme", "GET", "tickets/", sandbox.issue_token("acme", "tickets:read")).json()
        ticket_id = ticket["results"][0]["id"]
        sandbox.api("acme", "POST", f"tickets/{ticket_id}/comments/", token, json={"body": "Hi!"})
        customer_id = sandbox.orders("acme")[0]["user"]["id"]
        sandbox.api("acme", "POST", f"users/{customer_id}/notes/", token, json={"message": "VIP"})
        received = receiver.wait(2)
    events = sorted((json.loads(b)["event_type"], json.loads(b)["data"]["id"]) for _, b in received)
    assert events == [("customer.updated", customer_id), ("ticket.updated", ticket_id)]
    sandbox.api("acme", "DELETE", f"webhooks/{webhook['id']}/", token)


def test_uninstalling_the_app_revokes_its_tokens_and_sends_app_uninstalled(sandbox):
    app_token = sandbox.issue_token("siam", "webhooks:read webhooks:write store:read", app=True)
    with WebhookReceiver() as receiver:
        register(sandbox, "siam", app_token, receiver.url, ["app.uninstalled"])
        assert sandbox.uninstall_app("siam") >= 1
        ((_, body),) = receiver.wait(1)
    payload = json.loads(body)
    assert (payload["event_type"], payload["object"]) == ("app.uninstalled", "app")
    assert payload["data"]["client_id"] == sandbox.client_id
    assert sandbox.api("siam", "GET", "store/", app_token).status_code == 401
