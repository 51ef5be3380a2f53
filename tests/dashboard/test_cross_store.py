"""All-stores inbox and orders, and global search: every store of the operator, at once."""

import re
from datetime import date, timedelta
from html import unescape
from urllib.parse import urlencode

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
    # One request per store for the page, one for the names of its ticket types and one
    # for the store's users (the assignees' names): cached reads shared by the team, not
    # asked again on the next view.
    for name in ("acme", "bergmann", "siam"):
        paths = sorted(r["path"] for r in sandbox.request_log(name))
        assert paths == [f"/{name}/api/admin/tickets/", f"/{name}/api/admin/tickettypes/", f"/{name}/api/admin/users/"]
        sandbox.clear_request_log(name)
    assert "Load more" in html
    client.get(reverse("all_tickets"))
    for name in ("acme", "bergmann", "siam"):
        assert sandbox.request_log(name) == []


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


# Orders placed before the suite ran: other tests place new orders (phone orders in
# Acme), enough to fill the newest page with one store's.
SEEDED_ONLY = {"date_placed_to": (date.today() - timedelta(days=2)).isoformat()}


def test_all_orders(client, three_stores, sandbox):
    html = client.get(reverse("all_orders"), {"status": "open", **SEEDED_ONLY}).content.decode()
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
    response = client.get(reverse("all_orders"), SEEDED_ONLY)
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
    # Reads of memberships themselves (the saved views' query names colleagues in a subquery).
    assert len([q for q in queries.captured_queries if q["sql"].startswith('SELECT "storeapi_membership".')]) == 1


def test_the_inbox_names_each_tickets_type_in_its_own_stores_words(client, three_stores, sandbox):
    html = client.get(reverse("all_tickets")).content.decode()
    shown = {}
    for store, key, row in re.findall(r'<tr id="ticket-(\w+)-(\d+)"(.*?)</tr>', html, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        shown[(store, int(key))] = unescape(cells[4])  # ticket, requester, status, priority, type
    assert len(shown) == 50
    named = 0
    for store in ("acme", "bergmann", "siam"):
        types = api_get(sandbox, store, "tickettypes/")
        names = {t["id"]: t["name"] for t in (types["results"] if isinstance(types, dict) else types)}
        tickets = {t["id"]: t for t in api_get(sandbox, store, "tickets/")["results"]}
        for (row_store, key), type_name in shown.items():
            if row_store == store:
                expected = names.get(tickets[key]["ticket_type"]) or "—"
                assert type_name == expected, (store, key)
                named += expected != "—"
    assert named > 0
    # A second page view asks the stores nothing (the types are kept with the tickets).
    for store in ("acme", "bergmann", "siam"):
        sandbox.clear_request_log(store)
    client.get(reverse("all_tickets"))
    assert not any(sandbox.request_log(store) for store in ("acme", "bergmann", "siam"))


def test_search_says_when_a_store_has_more_and_links_to_its_list(client, three_stores, sandbox):
    # A name that more orders of acme have than the search shows, but fewer than a page.
    names = {o["user"]["last_name"] for o in sandbox.orders("acme") if o["user"] and o["user"].get("last_name")}
    counts = {name: len(sandbox.order_numbers("acme", search_text=name)) for name in sorted(names)}
    name, count = next((n, c) for n, c in counts.items() if 10 < c <= 50)
    html = client.get(reverse("search"), {"q": name}).content.decode()
    group = re.search(r'data-store="acme".*?</section>', html, re.S).group(0)
    assert len(re.findall(r"/s/acme/orders/\d+/", group)) == 10
    link = re.search(r'<a href="([^"]+)" data-search-more="orders">([^<]+)</a>', group)
    assert link.group(2) == f"See all {count} orders in Acme Outfitters"
    assert unescape(link.group(1)) == f"/s/acme/orders/?{urlencode({'search_text': name})}"
    listed = client.get(unescape(link.group(1))).content.decode()
    assert len(re.findall(r'data-order-number="(\d+)"', listed)) == count
    # More than a page: the store gives no total, so the search says so.
    html = client.get(reverse("search"), {"q": "a"}).content.decode()
    group = re.search(r'data-store="acme".*?</section>', html, re.S).group(0)
    assert "See all orders in Acme Outfitters (more than 50)" in group
    # A number is one order: nothing more to see.
    html = client.get(reverse("search"), {"q": sandbox.order_numbers("acme")[0]}).content.decode()
    assert "data-search-more" not in html
