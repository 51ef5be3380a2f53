"""Payment links: the sandbox's buyer page, then the store's POST back to Storedesk.

Storedesk runs as Django's live server here and `SITE_URL` is its URL, so the return
URL the order carries is reachable by the sandbox: approving or canceling on the
sandbox's payment page makes the sandbox POST `response=<json>` to it, server to
server, before the page answers.
"""

import json
import time
import uuid

import pytest
import requests
from django.core import mail
from django.urls import reverse

from dashboard.models import AuditEntry, PhoneOrder
from storeapi.connect import store_connect_with_token
from storeapi.roles import Role
from tests.dashboard.conftest import PHONE_SCOPES, unique_email
from tests.dashboard.test_phone_orders import in_stock, new_url, order_form
from tests.factories import MembershipFactory


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def manager(shop, login_as):
    return login_as(shop, Role.MANAGER)


@pytest.fixture
def link_order(site, shop, manager, sandbox, api):
    """An order placed with a payment link, waiting for the buyer."""
    buyer = api("POST", "users/", json={"email": unique_email("link"), "first_name": "Lin", "last_name": "Kay"})
    response = manager.post(new_url(), order_form(buyer, [(in_stock(sandbox)["id"], 1)], payment="link"))
    assert response.status_code == 302, response.content.decode()[:2000]
    phone_order = PhoneOrder.objects.get()
    assert phone_order.payment_status == "awaiting" and phone_order.payment_url
    return phone_order


def receiver_url(site, phone_order) -> str:
    return f"{site}/payments/return/{phone_order.return_token}/"


def test_approved_on_the_payment_page_the_order_shows_paid_and_the_operator_is_told(link_order, manager, sandbox, api):
    outcome = sandbox.approve_payment(link_order.payment_url)
    assert (outcome["status"], outcome["postback_status"]) == ("approved", 200)
    link_order.refresh_from_db()
    assert link_order.payment_status == "paid"
    assert link_order.payment_detail["payment_status"] == "paid" and link_order.payment_detail["gateway"] == "PayPal"
    assert api("GET", f"orders/{link_order.order_number}/")["payment_status"] == "paid"
    entry = AuditEntry.objects.get(action="order.payment_confirmed")
    assert entry.object_id == link_order.order_number and entry.details["source"] == "return"
    (message,) = mail.outbox
    assert message.to == [manager.operator.email] and "payment received" in message.subject
    order_url = reverse("order_detail", kwargs={"store": "acme", "number": link_order.order_number})
    detail = manager.get(order_url).content.decode()
    assert 'data-payment-status="paid"' in detail and "The buyer paid with PayPal" in detail
    # The notice area of the operator's next page says it, once.
    notice = detail[detail.index('id="payment-notice"') :]
    assert f"Order #{link_order.order_number}" in notice and "the buyer paid." in notice
    assert 'id="payment-notice"' not in manager.get(reverse("home")).content.decode()
    # An order page still polling as "awaiting" is told to load again.
    panel = reverse("order_payment", kwargs={"store": "acme", "number": link_order.order_number})
    assert manager.get(panel, HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"


def test_canceled_on_the_payment_page_the_attempt_is_marked_failed(link_order, manager, sandbox):
    outcome = sandbox.cancel_payment(link_order.payment_url)
    assert (outcome["status"], outcome["postback_status"]) == ("canceled", 200)
    link_order.refresh_from_db()
    assert link_order.payment_status == "failed" and link_order.payment_detail["transaction_status"] == "failed"
    assert AuditEntry.objects.filter(action="order.payment_failed", object_id=link_order.order_number).exists()
    assert "payment failed" in mail.outbox[0].subject
    detail = manager.get(reverse("order_detail", kwargs={"store": "acme", "number": link_order.order_number}))
    assert "The payment failed or the buyer canceled it" in detail.content.decode()


def test_a_forged_post_that_the_api_does_not_confirm_changes_nothing(link_order, site, api):
    number = link_order.order_number
    claimed = {**api("GET", f"orders/{number}/"), "payment_status": "paid", "total_outstanding": "0.00"}
    for body in (json.dumps(claimed), "{}", "not json", ""):
        answer = requests.post(receiver_url(site, link_order), data={"response": body}, timeout=30)
        assert answer.status_code == 200
    link_order.refresh_from_db()
    assert link_order.payment_status == "awaiting"
    assert not AuditEntry.objects.filter(action__startswith="order.payment_").exists()
    assert mail.outbox == []
    assert api("GET", f"orders/{number}/")["payment_status"] == "pending"


def test_the_receiver_only_knows_its_own_tokens_and_takes_only_posts(link_order, site):
    assert (
        requests.post(f"{site}/payments/return/{uuid.uuid4().hex}/", data={"response": "{}"}, timeout=30).status_code
        == 404
    )
    assert requests.get(receiver_url(site, link_order), timeout=30).status_code == 405
    link_order.refresh_from_db()
    assert link_order.payment_status == "awaiting"


@pytest.fixture
def store_webhook(site, shop, sandbox, api):
    """Storedesk's signed webhook registered at the sandbox by a real connect (its
    target is the live server); removed afterwards, so that no later event is delivered
    to a Storedesk that is gone."""
    owner = MembershipFactory(store=shop, role=Role.OWNER).operator
    token = sandbox.issue_token("acme", scopes=PHONE_SCOPES)
    store = store_connect_with_token(subdomain="acme", token=token, operator=owner)
    yield store
    for hook in api("GET", "webhooks/")["results"]:
        if hook["target"].startswith(site):
            api("DELETE", f"webhooks/{hook['id']}/")


def wait_until(predicate, timeout=30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_the_store_webhook_confirms_a_payment_whose_postback_was_lost(
    link_order, site, sandbox, store_webhook, celery_worker
):
    # The store cannot reach Storedesk: its POST to the return URL fails, and Storedesk
    # cannot verify its first webhook deliveries either (a wrong secret: answered 401,
    # and the store retries). This holds the webhook back while the state in between is
    # checked; otherwise the worker may already have recorded the payment...
    PhoneOrder.objects.filter(pk=link_order.pk).update(return_token="gone-" + link_order.return_token[5:])
    secret = store_webhook.webhook_secret()
    store_webhook.set_webhook_secret("not-the-secret-the-store-signs-with")
    store_webhook.save()
    outcome = sandbox.approve_payment(link_order.payment_url)
    assert outcome["postback_status"] == 404
    link_order.refresh_from_db()
    assert link_order.payment_status == "awaiting"
    # ...then the store's retry of its signed order.updated webhook gets through: the
    # live server verifies and records it, the Celery worker processes it (storeapi
    # sends `webhook_received`), and Storedesk asks the API and records the payment.
    store_webhook.set_webhook_secret(secret)
    store_webhook.save()

    def paid():
        link_order.refresh_from_db()
        return link_order.payment_status == "paid"

    assert wait_until(paid), sandbox.webhook_deliveries("acme")
    assert link_order.payment_status == "paid"
    assert AuditEntry.objects.get(action="order.payment_confirmed").details["source"] == "webhook"
    delivered = [
        d
        for d in sandbox.webhook_deliveries("acme")
        if d["event_type"] == "order.updated" and d["target"].startswith(site) and d["status_code"] == 200
    ]
    assert delivered and all(d["signature_ok"] for d in delivered)


def test_the_operator_can_check_the_payment_now(link_order, manager, sandbox):
    PhoneOrder.objects.filter(pk=link_order.pk).update(return_token="moved-" + link_order.return_token[6:])
    sandbox.approve_payment(link_order.payment_url)
    url = reverse("order_payment_check", kwargs={"store": "acme", "number": link_order.order_number})
    answer = manager.post(url, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and "The store says: paid." in answer.content.decode()
    link_order.refresh_from_db()
    assert link_order.payment_status == "paid"
    assert AuditEntry.objects.get(action="order.payment_confirmed").operator == manager.operator


def test_a_concurrent_double_submit_creates_one_order(site, shop, manager, sandbox, api):
    """Two requests with the same form at the same time: one order. The second lands on
    it too, or, when it comes while the first waits for the store, is told so at once
    (202) and lands on it once it checks again."""
    import threading

    buyer = api("POST", "users/", json={"email": unique_email("race"), "first_name": "Ra", "last_name": "Ce"})
    data = order_form(buyer, [(in_stock(sandbox)["id"], 1)])
    browser = requests.Session()
    browser.cookies.update({k: v.value for k, v in manager.cookies.items()})
    browser.get(f"{site}{new_url()}", timeout=30)
    token = browser.cookies.get("csrftoken")
    answers = []

    def submit():
        answers.append(
            browser.post(
                f"{site}{new_url()}",
                data=data,
                headers={"X-CSRFToken": token, "Referer": f"{site}{new_url()}"},
                allow_redirects=False,
                timeout=60,
            )
        )

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    orders = api("GET", f"users/{buyer['id']}/orders/")
    assert len(orders) == 1
    order_page = reverse("order_detail", kwargs={"store": "acme", "number": orders[0]["number"]})
    assert sorted(a.status_code for a in answers) in ([302, 302], [202, 302])
    for answer in answers:
        if answer.status_code == 202:
            assert "This order is already being placed" in answer.text
            answer = browser.post(
                f"{site}{new_url()}",
                data={**data, "action": "placing"},
                headers={"X-CSRFToken": token, "Referer": f"{site}{new_url()}"},
                allow_redirects=False,
                timeout=60,
            )
        assert answer.status_code == 302 and answer.headers["Location"] == order_page
    assert PhoneOrder.objects.count() == 1
