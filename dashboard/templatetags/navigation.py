"""The navigation bar's links and the store switcher, on every page, drawn in Python.

For the reason the list pages' rows are (templatetags/list_tables.py): a Django template
spends a few microseconds on every variable and tag it renders, and the navigation had
some fifty of them on every page. The markup is the one the templates had.

    {% nav_links %}                          the store's pages, or the all-stores pages
    {% store_switcher_items my_memberships %}   one item per store the operator is in
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from ..links import url_for
from .storedesk import html_text as _text

register = template.Library()

_NEW_TITLE = "New since someone last opened the list"


def _new_badge(count) -> str:
    """ "3 new" beside a link; the word shows only on wide screens (static/css/storedesk.css)."""
    if not count:
        return ""
    return (
        f' <span class="badge rounded-pill text-bg-danger nav-new" title="{_NEW_TITLE}">'
        f'{_text(count)}<span class="nav-new-word"> new</span></span>'
    )


def _link(url: str, label: str, *, active: bool, extra: str = "") -> str:
    current = " active" if active else ""
    return f'<li class="nav-item"><a class="nav-link{current}" href="{_text(url)}">{label}{extra}</a></li>'


@register.simple_tag(takes_context=True)
def nav_links(context) -> SafeString:
    """The store's pages (with the "N new" counts of its lists) on a store's page; the
    all-stores pages elsewhere. The current page's link is marked active."""
    path = context["request"].path
    store = context.get("store")
    if not store:
        products = url_for("all_products")
        links = [
            _link(url_for("all_orders"), "All orders", active=False),
            _link(url_for("all_tickets"), "All tickets", active=False),
            _link(products, "All products", active=products in path),
        ]
        return mark_safe("".join(links))  # noqa: S308 (URLs escaped, labels ours)
    new = context.get("new_counts") or {}
    subdomain = store.subdomain
    overview = url_for("store_overview", subdomain)
    links = [_link(overview, "Overview", active=path == overview)]
    for name, label, kind in (
        ("order_list", "Orders", "orders"),
        ("customer_list", "Customers", "customers"),
        ("ticket_list", "Tickets", "tickets"),
    ):
        url = url_for(name, subdomain)
        links.append(_link(url, label, active=url in path, extra=_new_badge(new.get(kind))))
    for name, label in (("product_list", "Products"), ("transaction_list", "Transactions")):
        url = url_for(name, subdomain)
        links.append(_link(url, label, active=url in path))
    return mark_safe("".join(links))  # noqa: S308 (URLs and counts escaped, labels ours)


@register.simple_tag(takes_context=True)
def store_switcher_items(context, memberships) -> SafeString:
    """The store switcher's items after "All stores": a divider, then each of the
    operator's stores with their role there, the current one active."""
    if not memberships:
        return mark_safe("")
    store = context.get("store")
    current = store.pk if store else None
    items = ['<li><hr class="dropdown-divider"></li>']
    for membership in memberships:
        active = " active" if current is not None and membership.store_id == current else ""
        url = url_for("store_overview", membership.store.subdomain)
        items.append(
            f'<li><a class="dropdown-item{active}" href="{_text(url)}">{_text(membership.store.display_name)} '
            f'<small class="text-body-secondary">{_text(membership.get_role_display())}</small></a></li>'
        )
    return mark_safe("".join(items))  # noqa: S308 (every value escaped)
