"""Customers pages against the sandbox."""

import re

import pytest
from django.urls import reverse

from dashboard.models import AuditEntry
from storeapi.roles import Role

from .conftest import HX, api_get

pytestmark = pytest.mark.django_db


def ids_in(html):
    return [int(i) for i in re.findall(r'data-customer-id="(\d+)"', html)]


def test_the_list_and_its_filters(acme, login_as, sandbox):
    client = login_as(acme)
    sandbox.clear_request_log("acme")
    html = client.get(reverse("customer_list", kwargs={"store": "acme"})).content.decode()
    # One upstream request for the page.
    assert [r["path"] for r in sandbox.request_log("acme")] == ["/acme/api/admin/users/"]
    assert ids_in(html) == [c["id"] for c in api_get(sandbox, "acme", "users/")["results"]]
    params = {"accepts_marketing": "true", "is_blocked": "false"}
    html = client.get(
        reverse("customer_list", kwargs={"store": "acme"}), params, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert ids_in(html) == [c["id"] for c in api_get(sandbox, "acme", "users/", **params)["results"]]
    assert "<html" not in html and "Accepts marketing: Yes" in html


def test_the_customer_page_with_orders_and_tickets_loaded_after(acme, login_as, sandbox):
    client = login_as(acme)
    customer = next(c for c in api_get(sandbox, "acme", "users/")["results"] if c["orders_count"])
    url = reverse("customer_detail", kwargs={"store": "acme", "customer_id": customer["id"]})
    html = client.get(url).content.decode()
    assert customer["email"] in html and "Addresses" in html and "Notes" in html
    assert "?panel=orders" in html and "?panel=tickets" in html
    orders = client.get(url, {"panel": "orders"}, **HX).content.decode()
    assert 'id="customer-orders"' in orders and "<html" not in orders
    assert len(re.findall(r'<tr data-href="/s/acme/orders/\d+/"', orders)) == min(customer["orders_count"], 50)
    tickets = client.get(url, {"panel": "tickets"}, **HX).content.decode()
    assert 'id="customer-tickets"' in tickets
    # Without JavaScript the panel link opens the page with the panel filled in.
    page = client.get(url, {"panel": "orders"}).content.decode()
    assert "<html" in page and 'id="customer-orders"' in page and customer["email"] in page


def test_an_unknown_customer_is_404(acme, login_as):
    assert (
        login_as(acme).get(reverse("customer_detail", kwargs={"store": "acme", "customer_id": 999999})).status_code
        == 404
    )


def test_add_a_customer_note(acme, login_as, sandbox, sandbox_writes):
    client = login_as(acme, Role.AGENT)
    customer = api_get(sandbox, "acme", "users/")["results"][0]
    url = reverse("customer_note_add", kwargs={"store": "acme", "customer_id": customer["id"]})
    html = client.post(url, {"message": "Prefers e-mail"}, **HX).content.decode()
    assert "Note added." in html and "Prefers e-mail" in html
    entry = AuditEntry.objects.get(action="customer.note_added")
    assert (entry.object_id, entry.store, entry.operator) == (str(customer["id"]), acme, client.operator)
