"""Customers pages against the sandbox: the list, a customer's page, a new customer."""

import re

import pytest
from django.urls import reverse

from dashboard.models import AuditEntry
from storeapi.roles import Role

from .conftest import HX, api_get, unique_email

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


def test_add_a_customer_note(acme, login_as, sandbox):
    client = login_as(acme, Role.AGENT)
    customer = api_get(sandbox, "acme", "users/")["results"][0]
    url = reverse("customer_note_add", kwargs={"store": "acme", "customer_id": customer["id"]})
    html = client.post(url, {"message": "Prefers e-mail"}, **HX).content.decode()
    assert "Note added." in html and "Prefers e-mail" in html
    entry = AuditEntry.objects.get(action="customer.note_added")
    assert (entry.object_id, entry.store, entry.operator) == (str(customer["id"]), acme, client.operator)


# --- a new customer -----------------------------------------------------------------------------


def test_an_agent_creates_a_customer_and_lands_on_their_page(shop, login_as, sandbox):
    client = login_as(shop, Role.AGENT)
    url = reverse("customer_new", kwargs={"store": "acme"})
    page = client.get(url)
    assert page.status_code == 200 and b'name="email"' in page.content and b'name="phone_number"' in page.content
    email = unique_email("new")
    response = client.post(
        url,
        {
            "email": email,
            "first_name": "Grace",
            "last_name": "Hopper",
            "phone_number": "+1 212 555 0199",
            "language": "en",
            "accepts_marketing": "on",
            "tags": "phone, vip",
        },
    )
    (created,) = sandbox.customers("acme", email=email)
    assert response.status_code == 302
    assert response["Location"] == reverse("customer_detail", kwargs={"store": "acme", "customer_id": created["id"]})
    assert (created["first_name"], created["phone_number"], created["accepts_marketing"]) == (
        "Grace",
        "+1 212 555 0199",
        True,
    )
    assert created["tags"] == ["phone", "vip"] and created["language"] == "en"
    entry = AuditEntry.objects.get(action="customer.created", store=shop)
    assert entry.operator == client.operator and entry.object_id == str(created["id"])
    assert email in client.get(response["Location"]).content.decode()


def test_a_duplicate_email_shows_the_store_error_on_the_email_field(shop, login_as, sandbox, buyer):
    client = login_as(shop, Role.AGENT)
    before = len(sandbox.customers("acme"))
    response = client.post(
        reverse("customer_new", kwargs={"store": "acme"}), {"email": buyer["email"], "first_name": "Twin"}, **HX
    )
    assert response.status_code == 200  # htmx swaps the form with its errors in place (a 400 without htmx)
    html = response.content.decode()
    field = html[html.index('name="email"') :]
    assert "is-invalid" in html[html.rindex("<input", 0, html.index('name="email"')) : html.index('name="email"') + 200]
    assert "A customer with this email already exists." in field[: field.index("</div>") + 200]
    assert 'value="Twin"' in html  # nothing typed is lost
    assert len(sandbox.customers("acme")) == before
    assert not AuditEntry.objects.filter(action="customer.created").exists()


def test_an_invalid_phone_is_refused_before_asking_the_store(shop, login_as, sandbox):
    client = login_as(shop, Role.AGENT)
    sandbox.clear_request_log("acme")
    email = unique_email("phone")
    response = client.post(
        reverse("customer_new", kwargs={"store": "acme"}), {"email": email, "phone_number": "call me maybe"}
    )
    assert response.status_code == 400
    assert "Enter a valid phone number" in response.content.decode()
    assert sandbox.customers("acme", email=email) == []
    assert not [r for r in sandbox.request_log("acme") if r["method"] == "POST"]
