"""The public payment return URL, posted to the way an attacker would (issue 11, §10).

`POST /payments/return/<token>/` answered 500 to deeply nested JSON (RecursionError; only
ValueError was caught). Whatever is posted, the answer is a clean refusal or the plain
"the store was asked": 200, 400, 404, 413, 429 or 503, never a 500; and one token makes
Storedesk read the store a bounded number of times.

Posted with Django's test client, which raises what a view raised: a 500 fails the test
with its traceback.
"""

import json
import uuid

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dashboard.models import AuditEntry, PhoneOrder
from storeapi.roles import Role
from tests.dashboard.conftest import unique_email
from tests.dashboard.test_phone_orders import in_stock, new_url, order_form

CLEAN = {200, 400, 404, 413, 429, 503}


@pytest.fixture
def shop(shop, settings):
    settings.SITE_URL = "https://storedesk.example.com"  # a return URL the store takes
    return shop


@pytest.fixture
def link_order(shop, login_as, sandbox, api, settings):
    """An order placed with a payment link, waiting for the buyer."""
    manager = login_as(shop, Role.MANAGER)
    buyer = api("POST", "users/", json={"email": unique_email("fuzz"), "first_name": "Fu", "last_name": "Zz"})
    response = manager.post(new_url(), order_form(buyer, [(in_stock(sandbox)["id"], 1)], payment="link"))
    assert response.status_code == 302, response.content.decode()[:2000]
    manager.logout()
    phone_order = PhoneOrder.objects.get()
    assert phone_order.payment_status == "awaiting"
    return phone_order


def return_url(phone_order) -> str:
    return reverse("payment_return", kwargs={"token": phone_order.return_token})


def reads_of(sandbox, phone_order) -> int:
    path = f"orders/{phone_order.order_number}/"
    return sum(1 for e in sandbox.request_log("acme") if e["method"] == "GET" and e["path"].endswith(path))


def nested(depth: int, opening: str = "[", closing: str = "]") -> str:
    return opening * depth + closing * depth


BODIES = [
    nested(100_000),  # RecursionError in json.loads: a 500 before the fix
    '{"a":' * 50_000 + "1" + "}" * 50_000,
    '{"number": ' + nested(900) + ', "payment_status": "paid"}',  # parses; its repr is deep
    "[1, 2, 3]",
    '"paid"',
    "null",
    "true",
    "1" * 5000,  # more digits than int() takes
    "1e999999",
    "NaN",
    '{"number": {"$gt": ""}, "payment_status": ["paid"]}',
    '{"number": 1e400, "payment_status": null}',
    '{"number": "\\ud800", "payment_status": "\\u0000"}',
    "\x00\x01\x02",
    "{" * 10,
    "x" * 2_000_000,  # large, under Django's limit on a request body
]


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_whatever_the_response_field_holds_the_answer_is_clean_and_nothing_is_believed(
    client, link_order, sandbox, body, settings
):
    settings.PAYMENT_RETURN_MAX_READS = 1000
    response = client.post(return_url(link_order), {"response": body})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    link_order.refresh_from_db()
    assert link_order.payment_status == "awaiting"
    assert not AuditEntry.objects.filter(action__startswith="order.payment_").exists()


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", json.dumps({"response": {"payment_status": "paid"}})),
        ("application/json", nested(100_000)),
        ("text/plain", "response=" + nested(100_000)),
        ("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=response\r\n\r\n[[[["),
        ("multipart/form-data", "no boundary"),
        ("multipart/form-data; boundary=", ""),
        ("application/x-www-form-urlencoded", "response=%FF%FE%00&response=[[&" + "a=1&" * 10),
        ("application/x-www-form-urlencoded", "&".join(f"f{i}=1" for i in range(2000))),  # too many fields
        ("application/x-www-form-urlencoded", "response=" + "x" * 3_000_000),  # over Django's body limit
    ],
)
def test_bodies_of_any_shape_and_size_get_a_clean_answer(client, link_order, content_type, body, settings):
    settings.PAYMENT_RETURN_MAX_READS = 1000
    response = client.generic("POST", return_url(link_order), body, content_type=content_type)
    assert response.status_code in CLEAN
    link_order.refresh_from_db()
    assert link_order.payment_status == "awaiting"


@pytest.mark.parametrize(
    "token",
    ["%00", "a%00b", "x" * 5000, "..%2F..%2Fadmin", "%F0%9F%92%A9", "%27%20OR%201%3D1%20--", "%0d%0aSet-Cookie:x=1"],
)
def test_forged_tokens_are_no_payments(client, db, token):
    response = client.post(f"/payments/return/{token}/", {"response": "{}"})
    assert response.status_code == 404


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    body=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
        max_leaves=30,
    )
)
def test_any_json_is_answered_cleanly(client, link_order, settings, body):
    settings.PAYMENT_RETURN_MAX_READS = 10_000
    response = client.post(return_url(link_order), {"response": json.dumps(body)})
    assert response.status_code == 200


def test_one_token_makes_storedesk_read_the_store_a_bounded_number_of_times(client, link_order, sandbox, settings):
    settings.PAYMENT_RETURN_MAX_READS = 3
    settings.PAYMENT_RETURN_WINDOW_SECONDS = 60
    sandbox.clear_request_log("acme")
    answers = [client.post(return_url(link_order), {"response": "{}"}) for _ in range(6)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429, 429]
    refused = answers[-1]
    assert refused["Content-Type"].startswith("text/plain")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "Too many returns for this payment" in refused.content.decode()
    assert reads_of(sandbox, link_order) == 3


def test_the_limit_is_per_token(client, link_order, sandbox, settings):
    settings.PAYMENT_RETURN_MAX_READS = 1
    assert client.post(return_url(link_order), {"response": "{}"}).status_code == 200
    assert client.post(return_url(link_order), {"response": "{}"}).status_code == 429
    other = PhoneOrder.objects.create(
        store=link_order.store,
        key=uuid.uuid4(),
        state=PhoneOrder.State.CREATED,
        payment=PhoneOrder.Payment.LINK,
        order_number=link_order.order_number,
        payment_status=PhoneOrder.PaymentStatus.AWAITING,
    )
    assert client.post(return_url(other), {"response": "{}"}).status_code == 200
