"""What an export can contain, and how one store's answer becomes typed cells.

A cell is a plain JSON value; its column's type says how writers show it:
`text` (neutralised against formula injection), `money` (a decimal string, written as
a number), `int`, `bool`, `datetime` (local time in the store's timezone, as
"YYYY-MM-DD HH:MM:SS"; the `timezone` column names the zone).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

TEXT, MONEY, INT, BOOL, DATETIME = "text", "money", "int", "bool", "datetime"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    type: str
    get: Callable[[dict, dict, object], object]  # (order, line or {}, store) -> raw value
    default: bool = True


def _order(field):
    return lambda order, line, store: order.get(field)


def _line(field):
    return lambda order, line, store: line.get(field)


def _user(field):
    return lambda order, line, store: (order.get("user") or {}).get(field)


def _customer_name(order, line, store):
    user = order.get("user") or {}
    return " ".join(part for part in (user.get("first_name"), user.get("last_name")) if part)


def _store(order, line, store):
    return store.subdomain


def _timezone(order, line, store):
    return store.timezone


def _line_total(order, line, store):
    try:
        return str(Decimal(str(line.get("price_incl_tax"))) * int(line.get("quantity") or 0))
    except (InvalidOperation, ValueError, TypeError):
        return None


_COMMON_HEAD = [
    Column("store", "store", TEXT, _store),
    Column("number", "order number", TEXT, _order("number")),
    Column("date_placed", "date placed", DATETIME, _order("date_placed")),
    Column("timezone", "timezone", TEXT, _timezone),
    Column("status", "status", TEXT, _order("status")),
]

ORDER_COLUMNS = [
    *_COMMON_HEAD,
    Column("payment_status", "payment status", TEXT, _order("payment_status")),
    Column("fulfillment_status", "fulfillment status", TEXT, _order("fulfillment_status")),
    Column("customer_email", "customer email", TEXT, _user("email")),
    Column("customer_name", "customer name", TEXT, _customer_name),
    Column("customer_phone", "customer phone", TEXT, _user("phone_number"), default=False),
    Column("currency", "currency", TEXT, _order("currency")),
    Column("total_excl_tax", "total excl. tax", MONEY, _order("total_excl_tax")),
    Column("total_tax", "tax", MONEY, _order("total_tax")),
    Column("shipping_incl_tax", "shipping incl. tax", MONEY, _order("shipping_incl_tax")),
    Column("total_discount", "discount", MONEY, _order("total_discount")),
    Column("total_incl_tax", "total incl. tax", MONEY, _order("total_incl_tax")),
    Column("total_outstanding", "outstanding", MONEY, _order("total_outstanding")),
    Column("total_cost", "cost", MONEY, _order("total_cost"), default=False),
    Column("shipping_method", "shipping method", TEXT, _order("shipping_method")),
    Column("source", "source", TEXT, _order("source")),
    Column("is_test", "test order", BOOL, _order("is_test")),
    Column("created_at", "created at", DATETIME, _order("created_at"), default=False),
    Column("updated_at", "updated at", DATETIME, _order("updated_at"), default=False),
    Column("order_status_url", "status page", TEXT, _order("order_status_url"), default=False),
]

ORDER_LINE_COLUMNS = [
    *_COMMON_HEAD,
    Column("customer_email", "customer email", TEXT, _user("email")),
    Column("currency", "currency", TEXT, _order("currency")),
    Column("line_id", "line id", INT, _line("id")),
    Column("sku", "SKU", TEXT, _line("sku")),
    Column("product_title", "product", TEXT, _line("product_title")),
    Column("variant_title", "variant", TEXT, _line("variant_title")),
    Column("quantity", "quantity", INT, _line("quantity")),
    Column("price_excl_tax", "unit price excl. tax", MONEY, _line("price_excl_tax")),
    Column("price_incl_tax", "unit price incl. tax", MONEY, _line("price_incl_tax")),
    Column("line_total_incl_tax", "line total incl. tax", MONEY, _line_total),
    Column("total_discount", "line discount", MONEY, _line("total_discount")),
    Column("unit_cost", "unit cost", MONEY, _line("unit_cost"), default=False),
    Column("payment_status", "payment status", TEXT, _order("payment_status"), default=False),
    Column("fulfillment_status", "fulfillment status", TEXT, _order("fulfillment_status"), default=False),
]

COLUMNS_BY_RESOURCE = {"orders": ORDER_COLUMNS, "order_lines": ORDER_LINE_COLUMNS}


def columns_for(resource: str, keys: list[str] | None = None) -> list[Column]:
    """The columns of an export, in the canonical order; the defaults when `keys` is empty."""
    available = COLUMNS_BY_RESOURCE[resource]
    if not keys:
        return [c for c in available if c.default]
    wanted = set(keys)
    return [c for c in available if c.key in wanted]


def column_choices(resource: str) -> list[tuple[str, str]]:
    return [(c.key, c.label) for c in COLUMNS_BY_RESOURCE[resource]]


def _local(value, tz: ZoneInfo):
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def _money(value):
    if value is None or value == "":
        return None
    try:
        return str(Decimal(str(value)).quantize(Decimal("0.01")))
    except InvalidOperation:
        return None


def cell(column: Column, value, tz: ZoneInfo):
    if column.type == DATETIME:
        return _local(value, tz)
    if column.type == MONEY:
        return _money(value)
    if column.type == INT:
        try:
            return int(value) if value is not None and value != "" else None
        except (TypeError, ValueError):
            return None
    if column.type == BOOL:
        return None if value is None else bool(value)
    return "" if value is None else str(value)


def rows_for_order(columns: list[Column], order: dict, store, lines: list[dict] | None = None) -> list[list]:
    """One row per order, or with `lines` one row per line (an order without lines gives none)."""
    tz = ZoneInfo(store.timezone or "UTC")
    targets = [{}] if lines is None else lines
    return [[cell(c, c.get(order, line, store), tz) for c in columns] for line in targets]
