"""The tables of the list pages: orders, tickets and customers, of one store or all stores.

One frame (`includes/list_table.html`) draws every such table; this module gives it
the table's columns and its rows:

    {% list_table "orders" all_stores=all_stores as table %}
    table.header    the header's cells (the columns': `table.columns`, (label, css class))
    table.bulk_form the id of the bulk-action form whose checkbox column shows, or ""
    table.colspan   how many columns a full-width row spans (the checkbox column included)
    table.rows      every row of the page, as HTML (`page.results` of one store, or
                    `page.rows` of the all-stores lists, each with a store badge)

Why the rows are written here and not in a row template: a Django template spends a few
microseconds on every variable and tag it renders, and a list page has 50 rows of about
20 of them each. Rendered through templates the rows were most of Storedesk's own work
per page (docs/page-speed.md has the profile and the figures); built here, with the same
filters the templates use, they cost a small fraction of that. The markup is the one
the row templates had; keep the cells of a table and its `columns` side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from ..formatting import format_money
from ..links import url_for
from ..presence import tickets_presence
from .collisions import presence_mark
from .storedesk import customer_name, status_badge, store_time
from .storedesk import html_text as _text

register = template.Library()


def _field(row, key: str) -> Any:
    """`row.key` as a template reads a dict: missing is the empty string."""
    return row.get(key, "") if isinstance(row, dict) else ""


def _tags(values, margin: str) -> str:
    if not isinstance(values, list | tuple):
        return ""
    return "".join(f'<span class="badge text-bg-light border {margin}">{_text(tag)}</span>' for tag in values)


def _store_badge(row_store) -> str:
    if row_store is None:
        return ""
    return f'<span class="badge text-bg-dark store-badge me-1">{_text(row_store.display_name)}</span>'


def _row_id(prefix: str, row_store, key: str) -> str:
    return f"{prefix}-{_text(row_store.subdomain)}-{key}" if row_store is not None else f"{prefix}-{key}"


# --- the rows ------------------------------------------------------------------------------
# Each takes one row of the store's answer; `base_url` is the store's list URL (a row's
# page is the list's URL plus its key), `store` the store the row belongs to, `row_store`
# the same store on the all-stores lists (a badge, and the store in the row's id) or None.


def order_row(order, *, store, row_store, base_url: str, bulk: bool, autofocus: bool, checked: bool = False) -> str:
    number = _text(_field(order, "number"))
    url = f"{base_url}{number}/"
    user = _field(order, "user")
    email = user.get("email") if isinstance(user, dict) else None
    email_line = f'<div class="small text-body-secondary">{_text(email)}</div>' if email else ""
    test_badge = ' <span class="badge text-bg-warning">Test</span>' if _field(order, "is_test") else ""
    total = format_money(_field(order, "total_incl_tax"), _field(order, "currency"))
    checkbox = (
        f'<td class="select-cell"><input type="checkbox" class="form-check-input" name="ids" value="{number}" '
        f'form="bulk-orders" aria-label="Select order #{number}"{" checked" if checked else ""}></td>'
        if bulk
        else ""
    )
    return (
        f'<tr id="{_row_id("order", row_store, number)}" class="order-row" data-href="{url}" '
        f'data-order-number="{number}" data-store="{_text(store.subdomain)}">'
        f"{checkbox}"
        f'<td class="cell-primary">{_store_badge(row_store)}<a href="{url}" class="fw-semibold"'
        f"{' data-autofocus' if autofocus else ''}>#{number}</a>{test_badge}</td>"
        f'<td class="cell-time">{_text(store_time(_field(order, "date_placed"), store))}</td>'
        f'<td class="cell-customer">{_text(customer_name(user))}'
        f"{email_line}</td>"
        f'<td class="cell-aside text-end money">{_text(total)}</td>'
        f"<td>{status_badge(_field(order, 'payment_status'))}</td>"
        f"<td>{status_badge(_field(order, 'fulfillment_status'))}</td>"
        f'<td class="cell-status">{status_badge(_field(order, "status"))}</td>'
        "</tr>"
    )


def presence_slot(store, key: str, others, *, oob: bool = False) -> str:
    """Where a ticket row shows who else has the ticket open: kept (empty when nobody is)
    so that the inbox's refresh (views/presence.py) can swap it in place. `key`: the
    ticket's id, escaped."""
    swap = ' hx-swap-oob="true"' if oob else ""
    mark = presence_mark(others) if others else ""
    return f'<span class="presence-slot" id="presence-{_text(store.subdomain)}-{key}"{swap}>{mark}</span>'


def ticket_row(
    ticket, *, store, row_store, base_url: str, bulk: bool, autofocus: bool, checked: bool = False, others=()
) -> str:
    key = _text(_field(ticket, "id"))
    url = f"{base_url}{key}/"
    assignee = _field(ticket, "assignee")
    # `assignee_name`: set by the view from the store's users (selectors.tickets).
    name = _field(ticket, "assignee_name") or f"Store user #{assignee}"
    assigned = _text(name) if assignee else '<span class="text-body-secondary">Unassigned</span>'
    checkbox = (
        f'<td class="select-cell"><input type="checkbox" class="form-check-input" name="ids" value="{key}" '
        f'form="bulk-tickets" aria-label="Select ticket #{key}"{" checked" if checked else ""}></td>'
        if bulk
        else ""
    )
    return (
        f'<tr id="{_row_id("ticket", row_store, key)}" class="ticket-row" data-href="{url}" '
        f'data-ticket-id="{key}" data-store="{_text(store.subdomain)}">'
        f"{checkbox}"
        f'<td class="cell-primary">{_store_badge(row_store)}<a href="{url}" class="fw-semibold"'
        f"{' data-autofocus' if autofocus else ''}>#{key}</a> {_text(_field(ticket, 'subject'))} "
        f"{_tags(_field(ticket, 'tags'), 'ms-1')}{presence_slot(store, key, others)}</td>"
        f'<td class="cell-customer">{_text(_field(ticket, "from_email") or "—")}</td>'
        f'<td class="cell-aside">{status_badge(_field(ticket, "status"))}</td>'
        f"<td>{status_badge(_field(ticket, 'priority'))}</td>"
        f"<td>{_text(_field(ticket, 'type_name') or '—')}</td>"
        f"<td>{assigned}</td>"
        f'<td class="cell-when">{_text(store_time(_field(ticket, "created_at"), store))}</td>'
        f'<td class="cell-time">{_text(store_time(_field(ticket, "updated_at"), store))}</td>'
        "</tr>"
    )


def customer_row(customer, *, store, row_store, base_url: str, bulk: bool, autofocus: bool, checked=False) -> str:
    key = _text(_field(customer, "id"))
    url = f"{base_url}{key}/"
    blocked = ' <span class="badge text-bg-danger">Blocked</span>' if _field(customer, "is_blocked") else ""
    marketing = "Yes" if _field(customer, "accepts_marketing") else '<span class="text-body-secondary">No</span>'
    spent = format_money(_field(customer, "total_spent"), store.currency)
    return (
        f'<tr id="customer-{key}" class="customer-row" data-href="{url}" data-customer-id="{key}">'
        f'<td class="cell-primary"><a href="{url}" class="fw-semibold"{" data-autofocus" if autofocus else ""}>'
        f"{_text(customer_name(customer))}</a>{blocked}</td>"
        f'<td class="cell-customer">{_text(_field(customer, "email"))}</td>'
        f'<td class="cell-time">{_text(store_time(_field(customer, "date_joined"), store))}</td>'
        f'<td class="text-end num">{_text(_field(customer, "orders_count"))}</td>'
        f'<td class="cell-aside text-end money">{_text(spent)}</td>'
        f"<td>{marketing}</td>"
        f"<td>{_tags(_field(customer, 'tags'), 'me-1')}</td>"
        "</tr>"
    )


# --- the tables ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableKind:
    noun: str  # "order": ids (#order-table, #order-rows), labels
    nouns: str
    url_name: str  # the store's list, whose URL plus a row's key is the row's page
    columns: tuple[tuple[str, str], ...]  # (label, css class) of each header cell
    row: Any  # one of the row functions above
    bulk_perm: str = ""  # the permission that shows the checkbox column (one store only)
    key: str = "id"  # the field of a row that its checkbox sends


KINDS = {
    "orders": TableKind(
        noun="order",
        nouns="orders",
        url_name="order_list",
        columns=(
            ("Order", ""),
            ("Placed", ""),
            ("Customer", ""),
            ("Total", "text-end"),
            ("Payment", ""),
            ("Fulfillment", ""),
            ("Status", ""),
            # No tags: the platform's order list (`OrderList`) carries none; the tags
            # filter still asks the store, and an order's page shows its tags.
        ),
        row=order_row,
        bulk_perm="bulk_orders",
        key="number",
    ),
    "tickets": TableKind(
        noun="ticket",
        nouns="tickets",
        url_name="ticket_list",
        columns=(
            ("Ticket", ""),
            ("Requester", ""),
            ("Status", ""),
            ("Priority", ""),
            ("Type", ""),
            ("Assignee", ""),
            ("Created", ""),
            ("Updated", ""),
        ),
        row=ticket_row,
        bulk_perm="bulk_tickets",
    ),
    "customers": TableKind(
        noun="customer",
        nouns="customers",
        url_name="customer_list",
        columns=(
            ("Name", ""),
            ("E-mail", ""),
            ("Joined", ""),
            ("Orders", "text-end"),
            ("Spent", "text-end"),
            ("Marketing", ""),
            ("Tags", ""),
        ),
        row=customer_row,
    ),
}


class ListTable:
    """One list page's table, for the frame template (see the module's docstring)."""

    def __init__(
        self, kind: TableKind, *, all_stores: bool, page, store, can, cursor, selected=(), viewer_id=None, presence=None
    ):
        self.kind = kind
        self.viewer_id = viewer_id  # the operator looking: the rows mark tickets someone else has open
        self.presence = presence  # who else is on the page's tickets, when the view has read it already
        self.selected = selected  # keys of the rows to show ticked (a refused bulk form's)
        self.all_stores = all_stores
        self.page = page
        self.store = store
        self.cursor = cursor
        prefix = f"all-{kind.noun}" if all_stores else kind.noun
        self.table_id = f"{prefix}-table"
        self.rows_id = f"{prefix}-rows"
        allowed = bool(kind.bulk_perm and not all_stores and isinstance(can, dict) and can.get(kind.bulk_perm))
        self.bulk_form = f"bulk-{kind.nouns}" if allowed else ""
        self.columns = kind.columns
        self.colspan = len(kind.columns) + (1 if self.bulk_form else 0)

    def _items(self) -> list[tuple[Any, Any, Any]]:
        """(row, its store, the store for a badge or None) for each row of the page."""
        if self.all_stores:
            return [(item.row, item.store, item.store) for item in getattr(self.page, "rows", None) or []]
        return [(row, self.store, None) for row in getattr(self.page, "results", None) or []]

    def _present(self, items) -> dict:
        """Who else has each ticket of the page open (dashboard/presence.py), in one
        round trip to Redis for the whole page."""
        if self.kind.row is not ticket_row or not items:
            return {}
        if self.presence is not None:
            return self.presence
        return tickets_presence([(store.pk, _field(row, "id")) for row, store, _ in items], excluding=self.viewer_id)

    def header(self) -> SafeString:
        """The header's cells: the bulk checkbox's, when it shows, then the columns'."""
        cells = []
        if self.bulk_form:
            cells.append(
                f'<th scope="col" class="select-cell"><input type="checkbox" class="form-check-input" '
                f'data-select-all="#{self.table_id}" form="{self.bulk_form}" '
                f'aria-label="Select every {self.kind.noun} shown"></th>'
            )
        for label, css in self.columns:
            css_attr = f' class="{css}"' if css else ""
            cells.append(f'<th scope="col"{css_attr}>{_text(label)}</th>')
        return mark_safe("".join(cells))  # noqa: S308 (the labels escaped, the rest our constants)

    @property
    def has_rows(self) -> bool:
        return bool(self._items())

    def rows(self) -> SafeString:
        urls: dict[str, str] = {}  # per store, not per row
        html = []
        items = self._items()
        present = self._present(items)
        for index, (row, store, row_store) in enumerate(items):
            extra = {"others": present.get((store.pk, str(_field(row, "id"))), ())} if present else {}
            base_url = urls.get(store.subdomain)
            if base_url is None:
                base_url = urls[store.subdomain] = url_for(self.kind.url_name, store.subdomain)
            html.append(
                self.kind.row(
                    row,
                    store=store,
                    row_store=row_store,
                    base_url=base_url,
                    bulk=bool(self.bulk_form),
                    autofocus=index == 0 and bool(self.cursor),
                    checked=bool(self.selected) and str(_field(row, self.kind.key)) in self.selected,
                    **extra,
                )
            )
        # Every value in these rows went through _text (escaped) or a filter that
        # returns escaped HTML, as in a template.
        return mark_safe("\n".join(html))  # noqa: S308


@register.simple_tag(takes_context=True)
def list_table(context, kind: str, all_stores: bool = False) -> ListTable:
    return ListTable(
        KINDS[kind],
        all_stores=bool(all_stores),
        page=context.get("page"),
        store=context.get("store"),
        can=context.get("can"),
        cursor=context.get("cursor"),
        selected=context.get("bulk_selected") or (),
        viewer_id=getattr(getattr(context.get("request"), "user", None), "pk", None),
        presence=context.get("rows_presence"),
    )


# --- the inbox's tabs ---------------------------------------------------------------------------


@register.simple_tag(takes_context=True)
def inbox_tabs(context, tabs: list[dict], counts: dict | None) -> SafeString:
    """The inbox's status tabs (dashboard.views.tickets._tabs), each with the store's count
    when counted (`counts`, by status), drawn here for the reason the rows are."""
    path = _text(context["request"].path)
    html = []
    for tab in tabs:
        url = f"{path}{_text(tab['query'])}"
        active = tab.get("active")
        badge = ""
        if tab.get("counted"):
            count = _text(counts.get(tab["status"])) if counts else ""
            badge = (
                f' <span id="ticket-count-{_text(tab["status"])}" '
                f'class="badge rounded-pill text-bg-secondary ticket-count">{count}</span>'
            )
        current = ' active" aria-current="page' if active else ""
        html.append(
            f'<li class="nav-item"><a class="nav-link{current}" href="{url}" hx-get="{url}" hx-target="#ticket-list" '
            f'hx-swap="outerHTML" hx-push-url="true">{_text(tab["label"])}{badge}</a></li>'
        )
    return mark_safe("".join(html))  # noqa: S308 (every value escaped)
