"""What managers and agents do to an order: tags, cancel, refund (calculate, then
confirm the amount). Each is audited; each needs a sandbox that takes writes."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from dashboard.models import AuditEntry
from storeapi.roles import Role

from .conftest import HX, api_get, new_paid_order

pytestmark = pytest.mark.django_db


def url(name, number):
    return reverse(name, kwargs={"store": "acme", "number": number})


def an_order_without_a_payment(sandbox):
    for _ in range(40):
        number = sandbox.create_orders("acme", count=1)[0]
        if api_get(sandbox, "acme", f"orders/{number}/")["payment_status"] in ("pending", "authorized"):
            return number
    raise AssertionError("the sandbox placed no unpaid order in 40 tries")


def test_tags_added_and_removed_in_place(acme, login_as, sandbox):
    client = login_as(acme, Role.AGENT)
    number = new_paid_order(sandbox)
    html = client.post(
        url("order_tag_add", number), {"tag": "callback"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="order-tags"
    ).content.decode()
    assert "Tag “callback” added." in html and 'value="callback"' in html
    assert "callback" in api_get(sandbox, "acme", f"orders/{number}/")["tags"]
    client.post(url("order_tag_remove", number), {"tag": "callback"}, **HX)
    assert "callback" not in api_get(sandbox, "acme", f"orders/{number}/")["tags"]
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "order.tag_added",
        "order.tag_removed",
    ]


def test_a_tag_with_a_comma_is_a_field_error(acme, login_as, sandbox):
    client = login_as(acme, Role.AGENT)
    number = new_paid_order(sandbox)
    html = client.post(url("order_tag_add", number), {"tag": "a,b"}, **HX).content.decode()
    assert "One tag at a time" in html and not AuditEntry.objects.exists()


def test_cancel_asks_first_and_needs_a_reason(acme, login_as, sandbox):
    client = login_as(acme, Role.MANAGER)
    number = new_paid_order(sandbox)
    html = client.get(url("order_cancel", number), **HX).content.decode()
    assert "cannot be undone" in html and 'name="cancel_reason"' in html and "<html" not in html
    html = client.post(url("order_cancel", number), {"cancel_reason": ""}, **HX).content.decode()
    assert "This field is required." in html
    assert api_get(sandbox, "acme", f"orders/{number}/")["status"] == "open"


def test_cancel(acme, login_as, sandbox):
    client = login_as(acme, Role.MANAGER)
    number = new_paid_order(sandbox)
    response = client.post(
        url("order_cancel", number),
        {"cancel_reason": "Customer asked"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="order-cancel",
    )
    html = response.content.decode()
    assert response["HX-Retarget"] == "#order-body"
    assert f"Order #{number} was canceled." in html
    assert api_get(sandbox, "acme", f"orders/{number}/")["status"] == "canceled"
    entry = AuditEntry.objects.get(action="order.canceled")
    assert (entry.object_id, entry.details["reason"], entry.operator) == (number, "Customer asked", client.operator)


def test_refund_calculates_then_refunds_the_confirmed_amount(acme, login_as, sandbox):
    client = login_as(acme, Role.MANAGER)
    number = new_paid_order(sandbox)
    order = api_get(sandbox, "acme", f"orders/{number}/")
    line = order["lines"][0]
    form = client.get(url("order_refund", number), **HX).content.decode()
    assert f'name="line_{line["id"]}"' in form
    data = {f"line_{line['id']}": "1", "restock_type": "no_restock", "step": "calculate"}
    confirm = client.post(url("order_refund", number), data, **HX).content.decode()
    amount = re.search(r'name="confirmed_amount" value="([^"]+)"', confirm).group(1)
    assert Decimal(amount) > 0 and "Refund $" in confirm
    assert api_get(sandbox, "acme", f"orders/{number}/")["payment_status"] == order["payment_status"]  # nothing yet
    done = client.post(url("order_refund", number), {**data, "step": "confirm", "confirmed_amount": amount}, **HX)
    assert done["HX-Retarget"] == "#order-body" and "Refunded $" in done.content.decode()
    entry = AuditEntry.objects.get(action="order.refunded")
    assert Decimal(entry.details["amount"]) == Decimal(amount)


def test_a_refund_whose_amount_changed_is_not_made(acme, login_as, sandbox):
    client = login_as(acme, Role.MANAGER)
    number = new_paid_order(sandbox)
    line = api_get(sandbox, "acme", f"orders/{number}/")["lines"][0]
    data = {f"line_{line['id']}": "1", "restock_type": "no_restock", "step": "confirm", "confirmed_amount": "0.01"}
    html = client.post(url("order_refund", number), data, **HX).content.decode()
    assert "The amount changed" in html
    assert not AuditEntry.objects.filter(action="order.refunded").exists()


def test_a_refund_of_nothing_is_an_error(acme, login_as, sandbox):
    client = login_as(acme, Role.MANAGER)
    number = new_paid_order(sandbox)
    html = client.post(
        url("order_refund", number), {"restock_type": "no_restock", "step": "calculate"}, **HX
    ).content.decode()
    assert "Choose at least one item or the shipping" in html


def test_more_than_was_bought_is_a_field_error(acme, login_as, sandbox):
    client = login_as(acme, Role.MANAGER)
    number = new_paid_order(sandbox)
    line = api_get(sandbox, "acme", f"orders/{number}/")["lines"][0]
    data = {f"line_{line['id']}": str(line["quantity"] + 5), "restock_type": "no_restock", "step": "calculate"}
    html = client.post(url("order_refund", number), data, **HX).content.decode()
    assert "Ensure this value is less than or equal to" in html


def test_without_javascript_cancel_and_refund_are_pages(acme, login_as, sandbox):
    client = login_as(acme, Role.MANAGER)
    number = new_paid_order(sandbox)
    for name in ("order_cancel", "order_refund"):
        html = client.get(url(name, number)).content.decode()
        assert "<html" in html and f"#{number}" in html


def test_what_the_store_refuses_is_shown_in_plain_words(acme, login_as, sandbox):
    client = login_as(acme, Role.MANAGER)
    number = sandbox.orders("acme", status="open", fulfillment_status="fulfilled")[0]["number"]
    html = client.post(url("order_cancel", number), {"cancel_reason": "too late"}, **HX).content.decode()
    assert "The store refused this: A fulfilled order cannot be canceled" in html
    assert 'value="too late"' in html  # the reason is kept
    assert not AuditEntry.objects.exists()


def test_an_order_with_nothing_captured_offers_no_refund(acme, login_as, sandbox):
    client = login_as(acme, Role.MANAGER)
    number = an_order_without_a_payment(sandbox)
    line = api_get(sandbox, "acme", f"orders/{number}/")["lines"][0]
    data = {f"line_{line['id']}": "1", "restock_type": "no_restock", "step": "calculate"}
    html = client.post(url("order_refund", number), data, **HX).content.decode()
    assert "Nothing can be refunded" in html and 'value="confirm"' not in html
