"""Every search box takes "#101950" (an order number or a ticket id as the pages write
them) as the number, against the sandbox store over real HTTP."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dashboard.audit import audit_record
from dashboard.forms.fields import OrderNumberField, SearchField
from storeapi.roles import Role
from tests.factories import MembershipFactory, OperatorFactory

from .conftest import api_get

pytestmark = pytest.mark.django_db


def order_numbers(html: str) -> list[str]:
    return re.findall(r'data-order-number="(\d+)"', html)


def ticket_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-ticket-id="(\d+)"', html)]


def a_ticket_about_an_order(sandbox, store="acme") -> tuple[dict, list[int]]:
    """A seeded ticket that names an order, and every ticket of the store about that order."""
    tickets = api_get(sandbox, store, "tickets/")["results"]
    ticket = next(t for t in tickets if t.get("order"))
    about = api_get(sandbox, store, "tickets/", order_number=ticket["order"])["results"]
    return ticket, [t["id"] for t in about]


def test_the_orders_list(acme, login_as, sandbox):
    number = sandbox.order_numbers("acme")[12]
    html = login_as(acme).get(reverse("order_list", kwargs={"store": "acme"}), {"search_text": f"#{number}"})
    html = html.content.decode()
    assert order_numbers(html) == [number]
    assert f'value="#{number}"' in html  # the box keeps what was typed


def test_the_all_stores_orders(connect_store, login_as, sandbox):
    client = login_as(connect_store("acme"))
    number = sandbox.order_numbers("acme")[12]
    html = client.get(reverse("all_orders"), {"search_text": f"#{number}"}).content.decode()
    assert order_numbers(html) == [number]


def test_the_inbox_search_and_its_order_filter(acme, login_as, sandbox):
    client = login_as(acme)
    url = reverse("ticket_list", kwargs={"store": "acme"})
    ticket, about = a_ticket_about_an_order(sandbox)
    html = client.get(url, {"filter_text": f"#{ticket['id']}"}).content.decode()
    assert ticket_ids(html) == [ticket["id"]]
    for typed in (f"#{ticket['order']}", ticket["order"]):
        html = client.get(url, {"order_number": typed}).content.decode()
        assert sorted(ticket_ids(html)) == sorted(about), typed
        assert "Order: " in html  # a chip
    html = client.get(url, {"order_number": "last week"}).content.decode()
    assert "Enter an order number, like 101950." in html
    assert ticket_ids(html) == ticket_ids(client.get(url).content.decode())  # left out, not a 500


def test_the_all_stores_inbox_order_filter(connect_store, sandbox, client):
    operator = OperatorFactory()
    for store in ("acme", "bergmann"):
        MembershipFactory(operator=operator, store=connect_store(store), role=Role.AGENT)
    client.force_login(operator)
    ticket, about = a_ticket_about_an_order(sandbox)
    html = client.get(reverse("all_tickets"), {"order_number": f"#{ticket['order']}"}).content.decode()
    found = re.findall(r'<tr id="ticket-(\w+)-(\d+)"', html)
    # Order numbers are each store's own: bergmann's tickets about its order with that
    # number, if it has one, are rightly listed too.
    assert sorted(int(key) for store, key in found if store == "acme") == sorted(about)


def test_the_audit_logs_object_box(connect_store, login_as):
    acme = connect_store("acme")
    client = login_as(acme, Role.OWNER)
    for number in ("101950", "101951"):
        audit_record(
            operator=client.operator, store=acme, action="order.note_added", object_type="order", object_id=number
        )
    html = client.get(reverse("audit_log", kwargs={"store": "acme"}), {"object_id": "#101950"}).content.decode()
    assert "Order #101950</a>" in html and "Order #101951</a>" not in html
    assert len(re.findall(r'class="audit-row"', html)) == 1


@pytest.mark.parametrize(
    ("typed", "searched"),
    [("#101950", "101950"), ("# 101950", "101950"), (" #101950 ", "101950"), ("101950", "101950"), ("#ab", "#ab")],
)
def test_a_search_box_takes_a_number_with_its_sign(typed, searched):
    assert SearchField().clean(typed) == searched


def test_an_order_number_box_takes_only_a_number():
    assert OrderNumberField(required=False).clean("#101950") == "101950"
    with pytest.raises(ValidationError, match="Enter an order number"):
        OrderNumberField(required=False).clean("#ab")
