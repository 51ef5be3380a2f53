"""The navigation bar and the store switcher on every page (templatetags/navigation.py)."""

import re

from django.urls import reverse

from storeapi.models import Store
from storeapi.roles import Role
from tests.factories import MembershipFactory


def nav_links(html: str) -> list[tuple[str, str, bool]]:
    """(label, href, active) of each link of the navigation bar."""
    bar = html[html.index('<ul class="navbar-nav me-auto">') : html.index('id="nav-saved-views"')]
    return [
        (label, href, " active" in css)
        for css, href, label in re.findall(r'<a class="nav-link([^"]*)" href="([^"]+)">([^<]+)', bar)
    ]


def test_a_stores_page_links_the_stores_pages_and_marks_the_one_shown(acme, login_as):
    client = login_as(acme)
    html = client.get(reverse("customer_list", kwargs={"store": "acme"})).content.decode()
    assert nav_links(html) == [
        ("Overview", "/s/acme/", False),
        ("Orders", "/s/acme/orders/", False),
        ("Customers", "/s/acme/customers/", True),
        ("Tickets", "/s/acme/tickets/", False),
        ("Products", "/s/acme/products/", False),
        ("Transactions", "/s/acme/transactions/", False),
    ]
    overview = client.get(reverse("store_overview", kwargs={"store": "acme"})).content.decode()
    assert [label for label, _, active in nav_links(overview) if active] == ["Overview"]


def test_the_all_stores_pages_link_the_all_stores_lists(acme, login_as):
    client = login_as(acme)
    html = client.get(reverse("all_products")).content.decode()
    assert nav_links(html) == [
        ("All orders", "/orders/", False),
        ("All tickets", "/tickets/", False),
        ("All products", "/products/", True),
    ]


def test_the_store_switcher_lists_the_operators_stores_with_their_role_escaped(acme, login_as, connect_store):
    other = connect_store("bergmann")
    Store.objects.filter(pk=other.pk).update(name="<b>Bergmann</b> & Söhne")
    client = login_as(acme, Role.AGENT)
    MembershipFactory(operator=client.operator, store=other, role=Role.OWNER)
    html = client.get(reverse("ticket_list", kwargs={"store": "acme"})).content.decode()
    menu = html[html.index('aria-labelledby="store-switcher"') : html.index('id="account-menu"')]
    items = re.findall(r'<a class="dropdown-item( active)?" href="([^"]+)">(.*?)</a>', menu)
    assert items[0] == ("", "/", "All stores")
    escaped = '&lt;b&gt;Bergmann&lt;/b&gt; &amp; Söhne <small class="text-body-secondary">Owner</small>'
    assert ("", "/s/bergmann/", escaped) in items
    assert (" active", "/s/acme/", f'{acme.name} <small class="text-body-secondary">Agent</small>') in items
    assert "<b>Bergmann" not in html
