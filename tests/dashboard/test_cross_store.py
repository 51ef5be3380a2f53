"""All-stores inbox and orders, and global search: every store of the operator, at once."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from storeapi.roles import Role
from tests.factories import MembershipFactory, OperatorFactory, StoreFactory

from .conftest import HX, api_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_stores(connect_store, client):
    operator = OperatorFactory()
    stores = [connect_store(s) for s in ("acme", "bergmann", "siam")]
    for store in stores:
        MembershipFactory(operator=operator, store=store, role=Role.AGENT)
    client.force_login(operator)
    return stores


def rows(html):
    return re.findall(r'<tr id="ticket-(\w+)-(\d+)"', html)


def test_the_inbox_merges_every_store_newest_first(client, three_stores, sandbox):
    for name in ("acme", "bergmann", "siam"):
        sandbox.clear_request_log(name)
    html = client.get(reverse("all_tickets")).content.decode()
    found = rows(html)
    assert {store for store, _ in found} == {"acme", "bergmann", "siam"}
    created = re.findall(r'<td class="cell-when"><time datetime="([^"]+)"', html)
    assert len(created) == len(found) == 50
    from datetime import datetime

    moments = [datetime.fromisoformat(c) for c in created]
    assert moments == sorted(moments, reverse=True)
    # One request per store for the page.
    for name in ("acme", "bergmann", "siam"):
        assert [r["path"] for r in sandbox.request_log(name)] == [f"/{name}/api/admin/tickets/"]
    assert "Load more" in html


def test_load_more_continues_without_repeating_rows(client, three_stores):
    first = client.get(reverse("all_tickets")).content.decode()
    next_url = re.search(r'hx-get="(/tickets/\?cursor=[^"]+)"', first).group(1).replace("&amp;", "&")
    more = client.get(next_url, **HX).content.decode()
    assert "<table" not in more
    assert not set(rows(first)) & set(rows(more))
    assert len(rows(more)) > 0


def test_one_store_failing_is_a_notice_and_the_others_still_show(client, three_stores, sandbox):
    sandbox.set_faults("bergmann", error_rate=1.0, error_statuses=[503])
    html = client.get(reverse("all_tickets")).content.decode()
    found = rows(html)
    assert {store for store, _ in found} == {"acme", "siam"}
    assert 'data-store-error="unavailable"' in html and "Bergmann Haushaltswaren:" in html


def test_filters_and_the_store_filter(client, three_stores, sandbox):
    html = client.get(reverse("all_tickets"), {"status": "pending", "stores": ["acme", "siam"]}, **HX).content.decode()
    found = rows(html)
    assert found and {store for store, _ in found} <= {"acme", "siam"}
    assert all("Pending" in row for row in re.findall(r"<tr id=\"ticket-.*?</tr>", html, re.S))


def test_a_store_i_left_is_not_asked(client, three_stores, sandbox):
    other = StoreFactory(subdomain="elsewhere")  # not a member
    html = client.get(reverse("all_tickets"), {"stores": ["elsewhere"]}).content.decode()
    assert "elsewhere" not in {store for store, _ in rows(html)}
    assert other.subdomain not in re.findall(r'data-store="(\w+)"', html)


def test_all_orders(client, three_stores, sandbox):
    html = client.get(reverse("all_orders"), {"status": "open"}).content.decode()
    stores = set(re.findall(r'<tr id="order-(\w+)-\d+"', html))
    assert stores == {"acme", "bergmann", "siam"}
    assert "$" in html and "€" in html and "THB" in html


def test_search_an_order_number_in_every_store(client, three_stores, sandbox):
    number = sandbox.order_numbers("acme")[0]
    html = client.get(reverse("search"), {"q": number}).content.decode()
    assert f'href="/s/acme/orders/{number}/"' in html
    groups = re.findall(r'class="card mb-3 search-group" data-store="(\w+)"', html)
    assert "acme" in groups


def test_search_a_ticket_id_in_every_store(client, three_stores, sandbox):
    ticket_id = api_get(sandbox, "bergmann", "tickets/")["results"][0]["id"]
    html = client.get(reverse("search"), {"q": f"#{ticket_id}"}).content.decode()
    assert f'href="/s/bergmann/tickets/{ticket_id}/"' in html
    assert "bergmann" in re.findall(r'class="card mb-3 search-group" data-store="(\w+)"', html)


def test_all_orders_with_one_store_failing(client, three_stores, sandbox):
    sandbox.set_faults("siam", error_rate=1.0, error_statuses=[503])
    response = client.get(reverse("all_orders"))
    html = response.content.decode()
    assert response.status_code == 200
    assert set(re.findall(r'<tr id="order-(\w+)-\d+"', html)) == {"acme", "bergmann"}
    assert 'data-store-error="unavailable"' in html and "Siam Silk:" in html


def test_search_an_email(client, three_stores, sandbox):
    email = sandbox.orders("acme")[0]["user"]["email"]
    html = client.get(reverse("search"), {"q": email}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html and email in html and 'data-store="acme"' in html


def test_search_with_one_store_down(client, three_stores, sandbox):
    sandbox.set_faults("siam", error_rate=1.0, error_statuses=[502])
    number = sandbox.order_numbers("acme")[0]
    html = client.get(reverse("search"), {"q": number}).content.decode()
    assert "Siam Silk:" in html and f'href="/s/acme/orders/{number}/"' in html


def test_cross_store_pages_show_only_my_stores(client, connect_store, sandbox):
    acme = connect_store("acme")
    connect_store("siam")  # exists in Storedesk, but this operator is not a member
    operator = OperatorFactory()
    MembershipFactory(operator=operator, store=acme)
    client.force_login(operator)
    for name in ("all_tickets", "all_orders"):
        html = client.get(reverse(name)).content.decode()
        assert set(re.findall(r'data-store="(\w+)"', html)) == {"acme"}
    number = sandbox.order_numbers("siam")[0]
    html = client.get(reverse("search"), {"q": number}).content.decode()
    assert "/s/siam/" not in html


def test_search_text_is_escaped(client, three_stores):
    html = client.get(reverse("search"), {"q": '<img src=x onerror=alert(1)> hx-get="//evil"'}).content.decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_forged_cursor_starts_over_instead_of_failing(client, three_stores):
    response = client.get(reverse("all_tickets"), {"cursor": "forged"}, **HX)
    assert response.status_code == 200
    assert {store for store, _ in rows(response.content.decode())} == {"acme", "bergmann", "siam"}


@pytest.mark.parametrize("url_name", ["all_tickets", "all_orders"])
def test_the_operator_memberships_are_read_once_per_page(client, three_stores, url_name):
    """The stores the page covers and the store switcher come from one query."""
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse(url_name)).content.decode()
    assert "Siam Silk" in html  # in the switcher
    assert len([q for q in queries.captured_queries if 'FROM "storeapi_membership"' in q["sql"]]) == 1
