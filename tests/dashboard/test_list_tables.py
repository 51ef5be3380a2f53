"""The tables of the list pages (one frame, includes/list_table.html; rows from
dashboard/templatetags/list_tables.py): every row spans the header's columns, the bulk
checkbox column included when it shows, and store data in rows stays inert."""

import re

import pytest
from django.urls import reverse

from dashboard.templatetags.list_tables import KINDS, ListTable
from storeapi.client import Page
from storeapi.roles import Role
from tests.factories import StoreFactory

from .conftest import HX

pytestmark = pytest.mark.django_db


def header_cells(html: str) -> list[str]:
    head = re.search(r"<thead.*?</thead>", html, re.S).group(0)
    return re.findall(r"<th\b[^>]*>", head)


def colspans(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<td colspan="(\d+)"', html)]


def first_row_cells(html: str, row_class: str) -> int:
    row = re.search(rf'<tr id="[^"]+" class="{row_class}".*?</tr>', html, re.S).group(0)
    return len(re.findall(r"<td\b", row))


@pytest.mark.parametrize(
    ("url_name", "role", "row_class", "columns", "checkboxes"),
    [
        ("order_list", Role.MANAGER, "order-row", 8, True),
        ("order_list", Role.AGENT, "order-row", 7, False),
        ("ticket_list", Role.AGENT, "ticket-row", 9, True),
        ("ticket_list", Role.VIEWER, "ticket-row", 8, False),
        ("customer_list", Role.MANAGER, "customer-row", 7, False),
    ],
)
def test_full_width_rows_span_every_column_of_one_store(
    acme, login_as, sandbox, url_name, role, row_class, columns, checkboxes
):
    sandbox.set_page_size("acme", 10)  # "Load more" on every list
    client = login_as(acme, role)
    url = reverse(url_name, kwargs={"store": "acme"})
    html = client.get(url).content.decode()

    head = header_cells(html)
    assert len(head) == columns
    assert ('class="select-cell"' in head[0]) is checkboxes
    assert first_row_cells(html, row_class) == columns
    assert "Load more" in html and colspans(html) == [columns]

    # A page of more rows that fails: the store's error spans the table too.
    rows = client.get(url, {"cursor": "garbage"}, **HX).content.decode()
    assert "data-store-error" in rows and "<table" not in rows
    assert colspans(rows) == [columns]


@pytest.mark.parametrize(
    ("url_name", "row_class", "columns"), [("all_orders", "order-row", 7), ("all_tickets", "ticket-row", 8)]
)
def test_the_all_stores_lists_have_no_checkbox_column(connect_store, login_as, sandbox, url_name, row_class, columns):
    sandbox.set_page_size("acme", 10)
    client = login_as(connect_store("acme"), Role.OWNER)  # bulk actions allowed in the store
    html = client.get(reverse(url_name)).content.decode()
    head = header_cells(html)
    assert len(head) == columns and "select-cell" not in html
    assert first_row_cells(html, row_class) == columns
    assert colspans(html) == [columns]


def test_store_data_in_rows_stays_inert():
    store = StoreFactory.build(subdomain="acme", timezone="UTC")
    evil = '<img src=x onerror=alert(1)> hx-get="//evil"'
    order = {
        "number": evil,
        "user": {"first_name": evil, "email": evil},
        "date_placed": evil,
        "total_incl_tax": evil,
        "currency": "USD",
        "status": evil,
        "tags": [evil],
    }
    ticket = {"id": evil, "subject": evil, "from_email": evil, "type_name": evil, "assignee": evil, "tags": [evil]}
    customer = {
        "id": evil,
        "first_name": evil,
        "email": evil,
        "date_joined": evil,
        "orders_count": evil,
        "tags": [evil],
    }
    for kind, row in (("orders", order), ("tickets", ticket), ("customers", customer)):
        table = ListTable(KINDS[kind], all_stores=False, page=Page(results=[row]), store=store, can={}, cursor=None)
        html = table.rows()
        assert "<img" not in html and 'hx-get="//evil"' not in html, kind
        assert "&lt;img src=x onerror=alert(1)&gt; hx-get=&quot;//evil&quot;" in html, kind


def test_the_orders_list_has_no_tags_column(acme, login_as, sandbox):
    """The platform's order list (`OrderList`) carries no tags: the column was always empty."""
    html = login_as(acme).get(reverse("order_list", kwargs={"store": "acme"})).content.decode()
    head = re.search(r"<thead.*?</thead>", html, re.S).group(0)
    assert "Placed" in head and "Tags" not in head
    assert 'name="tags"' in html  # the tags filter still goes to the store
