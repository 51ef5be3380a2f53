"""What managers and agents do to an order: tags, cancel, refund (calculate, then
confirm the amount). Each is audited; each needs a sandbox that takes writes."""

import re
import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.models import AuditEntry, OrderRefund
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


def confirmation(html: str) -> dict:
    """What the confirmation form sends: its hidden fields (the refund's idempotency key
    among them), with the Refund button."""
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    return {**fields, "step": "confirm"}


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
    assert re.search(r'name="idempotency_key" value="[0-9a-f-]{36}"', confirm)
    assert api_get(sandbox, "acme", f"orders/{number}/")["payment_status"] == order["payment_status"]  # nothing yet
    done = client.post(url("order_refund", number), confirmation(confirm), **HX)
    assert done["HX-Retarget"] == "#order-body" and "Refunded $" in done.content.decode()
    entry = AuditEntry.objects.get(action="order.refunded")
    assert Decimal(entry.details["amount"]) == Decimal(amount)
    assert OrderRefund.objects.get().state == OrderRefund.State.REFUNDED


def test_a_refund_whose_amount_changed_is_not_made(acme, login_as, sandbox):
    client = login_as(acme, Role.MANAGER)
    number = new_paid_order(sandbox)
    line = api_get(sandbox, "acme", f"orders/{number}/")["lines"][0]
    data = {
        f"line_{line['id']}": "1",
        "restock_type": "no_restock",
        "step": "confirm",
        "confirmed_amount": "0.01",
        "idempotency_key": str(uuid.uuid4()),
    }
    html = client.post(url("order_refund", number), data, **HX).content.decode()
    assert "The amount changed" in html
    assert not AuditEntry.objects.filter(action="order.refunded").exists()
    # Nothing was refunded: the key is given back, and the new amount comes with a new one.
    assert not OrderRefund.objects.exists()
    assert confirmation(html)["idempotency_key"] != data["idempotency_key"]


def test_a_refund_of_nothing_is_an_error(acme, login_as, sandbox):
    client = login_as(acme, Role.MANAGER)
    number = new_paid_order(sandbox)
    html = client.post(
        url("order_refund", number), {"restock_type": "no_restock", "step": "calculate"}, **HX
    ).content.decode()
    # "... or the shipping" when there is shipping to refund (free shipping is none).
    assert "Choose at least one item" in html


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


def test_what_the_store_refuses_is_shown_in_plain_words(acme, login_as, sandbox, api):
    """The page was drawn from what the store said before someone canceled the order at
    the store itself: Storedesk offers the cancel, the store refuses, the page says why."""
    client = login_as(acme, Role.MANAGER)
    number = new_paid_order(sandbox)
    assert "Cancel order…" in client.get(url("order_detail", number)).content.decode()  # read, and kept
    api("POST", f"orders/{number}/cancel/", json={"cancel_reason": "at the store", "send_cancel_notification": False})
    html = client.post(url("order_cancel", number), {"cancel_reason": "too late"}, **HX).content.decode()
    assert "The store refused this: This order is already canceled." in html
    assert 'value="too late"' in html  # the reason is kept
    assert not AuditEntry.objects.exists()


# --- only what the store would take is offered ------------------------------------------------


def order_page(client, number) -> str:
    return client.get(url("order_detail", number)).content.decode()


def cancel_posts(sandbox, number) -> int:
    path = f"/acme/api/admin/orders/{number}/cancel/"
    return len([e for e in sandbox.request_log("acme") if e["method"] == "POST" and e["path"] == path])


def test_a_fulfilled_order_offers_no_cancel_and_its_form_sends_nothing(acme, login_as, sandbox):
    client = login_as(acme, Role.MANAGER)
    number = sandbox.orders("acme", status="open", fulfillment_status="fulfilled", payment_status="paid")[0]["number"]
    html = order_page(client, number)
    assert "Cancel order…" not in html and url("order_cancel", number) not in html
    assert "Refund…" in html  # what the store takes instead
    # The form, from an old link or a second tab: it says why, and asks nothing.
    form = client.get(url("order_cancel", number), **HX).content.decode()
    assert "A fulfilled order cannot be canceled; refund it instead." in form and 'name="cancel_reason"' not in form
    sandbox.clear_request_log("acme")
    html = client.post(url("order_cancel", number), {"cancel_reason": "too late"}, **HX).content.decode()
    assert "A fulfilled order cannot be canceled; refund it instead. Nothing was sent to the store." in html
    assert cancel_posts(sandbox, number) == 0 and not AuditEntry.objects.exists()


def test_an_open_paid_order_offers_both(acme, login_as, sandbox):
    client = login_as(acme, Role.MANAGER)
    html = order_page(client, new_paid_order(sandbox))
    assert "Cancel order…" in html and "Refund…" in html


def test_an_order_with_nothing_captured_or_refunded_in_full_offers_no_refund(acme, login_as, sandbox):
    client = login_as(acme, Role.MANAGER)
    unpaid = order_page(client, an_order_without_a_payment(sandbox))
    assert "Refund…" not in unpaid and "Cancel order…" in unpaid
    refunded = sandbox.orders("acme", payment_status="refunded", fulfillment_status="fulfilled")[0]["number"]
    assert "Refund…" not in order_page(client, refunded)
    # Nor "Also refund the whole order" when canceling an unpaid order.
    form = client.get(url("order_cancel", an_order_without_a_payment(sandbox)), **HX).content.decode()
    assert 'name="cancel_reason"' in form and 'name="full_refund"' not in form


def paid_order_with_shipping(sandbox) -> tuple[str, dict]:
    for _ in range(20):
        number = new_paid_order(sandbox)
        order = api_get(sandbox, "acme", f"orders/{number}/")
        if Decimal(order["shipping_incl_tax"]) > 0:
            return number, order
    raise AssertionError("the sandbox placed no paid order with shipping to pay in 20 tries")


def test_refund_shipping_is_offered_until_the_shipping_was_refunded(acme, login_as, sandbox):
    client = login_as(acme, Role.MANAGER)
    number, order = paid_order_with_shipping(sandbox)
    form = client.get(url("order_refund", number), **HX).content.decode()
    shipping = Decimal(order["shipping_incl_tax"])
    assert 'name="refund_shipping"' in form and f"Refund shipping (${shipping})" in form
    data = {"refund_shipping": "on", "restock_type": "no_restock", "step": "calculate"}
    confirm = client.post(url("order_refund", number), data, **HX).content.decode()
    assert "Refund $" in confirm, confirm
    client.post(url("order_refund", number), confirmation(confirm), **HX)
    assert refunds_at_the_store(sandbox, number)[0]["adjustments"][0]["type"] == "refund_shipping"

    html = order_page(client, number)
    assert "Refund…" in html  # the items are still refundable
    form = client.get(url("order_refund", number), **HX).content.decode()
    assert 'name="refund_shipping"' not in form and "Refund shipping" not in form
    # Sent anyway (an old form): it is not part of the refund.
    line = order["lines"][0]
    data = {f"line_{line['id']}": "1", "refund_shipping": "on", "restock_type": "no_restock", "step": "calculate"}
    confirm = client.post(url("order_refund", number), data, **HX).content.decode()
    assert 'name="refund_shipping"' not in confirm
    amount = Decimal(re.search(r'name="confirmed_amount" value="([^"]+)"', confirm).group(1))
    assert amount == Decimal(line["price_incl_tax"])


def test_required_fields_are_marked_as_required(acme, login_as, sandbox):
    client = login_as(acme, Role.MANAGER)
    number = new_paid_order(sandbox)
    mark = '<span class="text-danger" aria-hidden="true">*</span>'
    cancel = client.get(url("order_cancel", number), **HX).content.decode()
    assert re.search(rf"Reason {re.escape(mark)}</label>", cancel)
    assert re.search(r'<input[^>]*name="cancel_reason"[^>]*required', cancel)
    assert f"E-mail the customer {mark}" not in cancel  # an optional field is not marked
    refund = client.get(url("order_refund", number), **HX).content.decode()
    assert re.search(rf"Stock {re.escape(mark)}</label>", refund)
    assert f"Note (optional) {mark}" not in refund


def test_an_order_with_nothing_captured_offers_no_refund(acme, login_as, sandbox):
    client = login_as(acme, Role.MANAGER)
    number = an_order_without_a_payment(sandbox)
    line = api_get(sandbox, "acme", f"orders/{number}/")["lines"][0]
    data = {f"line_{line['id']}": "1", "restock_type": "no_restock", "step": "calculate"}
    html = client.post(url("order_refund", number), data, **HX).content.decode()
    assert "Nothing can be refunded" in html and 'value="confirm"' not in html


# --- one refund per confirmation (its idempotency key) ------------------------------------------


def paid_order_with_a_line_of_two(sandbox) -> tuple[str, dict]:
    """A new paid order with a line of two or more: refunding one of them twice is
    possible at the store, so only Storedesk can keep a confirmation from refunding twice."""
    for _ in range(10):
        for number in sandbox.create_orders("acme", count=10):
            order = api_get(sandbox, "acme", f"orders/{number}/")
            line = next((line for line in order["lines"] if line["quantity"] >= 2), None)
            if order["payment_status"] == "paid" and line is not None:
                return number, line
    raise AssertionError("the sandbox placed no paid order with a line of two in 100 tries")


def refunds_at_the_store(sandbox, number: str) -> list[dict]:
    (order,) = sandbox.orders("acme", detail=True, order_number=number)
    return order["refunds"]


def refund_posts(sandbox, number: str) -> int:
    path = f"/acme/api/admin/orders/{number}/refund/"
    return len([e for e in sandbox.request_log("acme") if e["method"] == "POST" and e["path"] == path])


def calculated(client, number: str, line: dict) -> str:
    data = {f"line_{line['id']}": "1", "restock_type": "no_restock", "step": "calculate"}
    html = client.post(url("order_refund", number), data, **HX).content.decode()
    assert "Refund $" in html, html
    return html


def test_a_second_confirmation_answers_with_the_first_refund(acme, login_as, sandbox):
    """A double click, or the browser sending the confirmation again: one refund, and the
    second answer is the first one's result (the store is not asked again)."""
    client = login_as(acme, Role.MANAGER)
    number, line = paid_order_with_a_line_of_two(sandbox)
    form = confirmation(calculated(client, number, line))
    sandbox.clear_request_log("acme")
    first = client.post(url("order_refund", number), form, **HX)
    assert "Refunded $" in first.content.decode()
    again = client.post(url("order_refund", number), form, **HX)
    assert again["HX-Retarget"] == "#order-body"
    text = again.content.decode()
    assert "already made" in text and client.operator.email in text and "Nothing more was refunded" in text
    assert refund_posts(sandbox, number) == 1
    assert len(refunds_at_the_store(sandbox, number)) == 1
    assert AuditEntry.objects.filter(action="order.refunded").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_make_one_refund(acme, login_as, sandbox):
    """Two operators confirm the same refund at once (the second while the first one's
    refund is on its way to the store): one refund; the second is told it is being made,
    and then sees the first one's result."""
    from django.db import connection
    from django.test import Client

    from tests.factories import MembershipFactory, OperatorFactory
    from tests.storeapi.wiretap import before_sending

    first_operator = login_as(acme, Role.MANAGER)
    colleague = OperatorFactory()
    MembershipFactory(operator=colleague, store=acme, role=Role.MANAGER)
    second = Client()
    second.force_login(colleague)
    number, line = paid_order_with_a_line_of_two(sandbox)
    form = confirmation(calculated(first_operator, number, line))
    sandbox.clear_request_log("acme")

    answers = {}

    def colleague_confirms():
        try:
            answers["while"] = second.post(url("order_refund", number), form, **HX).content.decode()
        finally:
            connection.close()  # this thread's own

    def hold_the_first(request):  # the first refund is about to reach the store
        if request.path_url.endswith("/refund/") and "while" not in answers:
            colleague = threading.Thread(target=colleague_confirms)
            colleague.start()
            colleague.join(timeout=60)

    with before_sending(sandbox.api_url("acme", f"orders/{number}/refund/"), hold_the_first, method="POST"):
        done = first_operator.post(url("order_refund", number), form, **HX).content.decode()
    assert "Refunded $" in done
    assert "being made" in answers["while"] and first_operator.operator.email in answers["while"]
    # The colleague's panel asks again (htmx, or the Check again button): the first's result.
    after = second.post(url("order_refund", number), confirmation(answers["while"]), **HX).content.decode()
    assert "already made" in after and first_operator.operator.email in after
    assert refund_posts(sandbox, number) == 1
    assert len(refunds_at_the_store(sandbox, number)) == 1
    assert AuditEntry.objects.filter(action="order.refunded").count() == 1


def test_a_confirmation_needs_its_key_and_the_key_its_refund(acme, login_as, sandbox):
    client = login_as(acme, Role.MANAGER)
    number, line = paid_order_with_a_line_of_two(sandbox)
    form = confirmation(calculated(client, number, line))
    sandbox.clear_request_log("acme")
    without = client.post(url("order_refund", number), {**form, "idempotency_key": ""}, **HX).content.decode()
    assert "calculate the refund again" in without
    assert client.post(url("order_refund", number), form, **HX).status_code == 200
    # The same key for another refund (a copied or edited form) refunds nothing.
    other = {**form, "restock_type": "return"}
    html = client.post(url("order_refund", number), other, **HX).content.decode()
    assert "does not match" in html
    assert refund_posts(sandbox, number) == 1


def test_a_confirmation_whose_first_answer_was_lost_refunds_nothing_more(acme, login_as, sandbox):
    """The request that confirmed first died before it recorded the store's answer: the
    money may have moved. Confirming again does not ask the store; it says to look."""
    client = login_as(acme, Role.MANAGER)
    number, line = paid_order_with_a_line_of_two(sandbox)
    form = confirmation(calculated(client, number, line))
    OrderRefund.objects.create(
        key=form["idempotency_key"],
        store=acme,
        order_number=number,
        operator=client.operator,
        amount=form["confirmed_amount"],
        request={"lines": {str(line["id"]): 1}, "refund_shipping": False, "restock": "no_restock"},
    )
    OrderRefund.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    sandbox.clear_request_log("acme")
    html = client.post(url("order_refund", number), form, **HX).content.decode()
    assert "may have been made" in html
    assert refund_posts(sandbox, number) == 0
    assert OrderRefund.objects.get().state == OrderRefund.State.UNKNOWN


def test_without_javascript_a_second_confirmation_also_refunds_once(acme, login_as, sandbox):
    client = login_as(acme, Role.MANAGER)
    number, line = paid_order_with_a_line_of_two(sandbox)
    data = {f"line_{line['id']}": "1", "restock_type": "no_restock", "step": "calculate"}
    page = client.post(url("order_refund", number), data).content.decode()
    assert "<html" in page
    form = confirmation(page)
    sandbox.clear_request_log("acme")
    first = client.post(url("order_refund", number), form)
    assert first.status_code == 302 and first.url == url("order_detail", number)
    assert "Refunded $" in client.get(first.url).content.decode()
    again = client.post(url("order_refund", number), form)
    assert again.status_code == 302
    assert "already made" in client.get(again.url).content.decode()
    assert refund_posts(sandbox, number) == 1


def test_a_confirmation_while_the_same_refund_is_being_made_asks_nothing(acme, login_as, sandbox):
    """Without JavaScript too: the page says the refund is being made, with a button that
    sends the same confirmation again (which never refunds twice)."""
    client = login_as(acme, Role.MANAGER)
    number, line = paid_order_with_a_line_of_two(sandbox)
    form = confirmation(calculated(client, number, line))
    OrderRefund.objects.create(
        key=form["idempotency_key"],
        store=acme,
        order_number=number,
        operator_email="colleague@example.com",
        amount=form["confirmed_amount"],
        request={"lines": {str(line["id"]): 1}, "refund_shipping": False, "restock": "no_restock"},
    )
    sandbox.clear_request_log("acme")
    page = client.post(url("order_refund", number), form).content.decode()
    assert "<html" in page and "being made right now (confirmed by colleague@example.com)" in page
    again = {k: v for k, v in confirmation(page).items() if k != "csrfmiddlewaretoken"}
    assert "Check again" in page and again == {k: v for k, v in form.items() if k != "csrfmiddlewaretoken"}
    assert refund_posts(sandbox, number) == 0
