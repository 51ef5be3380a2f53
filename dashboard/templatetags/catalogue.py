"""Template filters of the catalogue pages: stock at a glance."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html

from ..formatting import format_money

register = template.Library()

_LEVELS = {
    "in_stock": ("success", "In stock"),
    "low_stock": ("warning", "Low"),
    "out_of_stock": ("danger", "Out"),
    "untracked": ("light", "Not tracked"),
}


@register.filter
def stock_badge(level) -> str:
    """In stock (green), Low (amber), Out (red): in words, not only in colour."""
    style, text = _LEVELS.get(str(level), ("light", "Unknown"))
    css = f"text-bg-{style}" + (" border" if style == "light" else "")
    return format_html('<span class="badge {}" data-stock="{}">{}</span>', css, str(level), text)


@register.filter
def price_range(product, currency: str | None = None) -> str:
    """ "€24.00", or "€24.00 to €32.00" when its variants differ; "—" without a price."""

    low, high = product.prices
    if low is None:
        return "—"
    currency = currency or product.currency
    if low == high:
        return format_money(low, currency)
    return f"{format_money(low, currency)}\u2009\u2013\u2009{format_money(high, currency)}"  # en dash


def _positive_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


@register.filter
def line_product_url(line, store) -> str:
    """The page of an order line's product ("" when the line names none we can link):
    through its variant, which knows its product."""
    if not isinstance(line, dict) or store is None:
        return ""
    variant_id = _positive_int(line.get("variant_id")) or _positive_int(line.get("product_id"))
    if variant_id is None:
        return ""
    return reverse("variant_detail", kwargs={"store": store.subdomain, "variant_id": variant_id})


@register.filter
def ticket_products(ticket, order=None) -> list[tuple[int, str]]:
    """The products a ticket names (`products`: ids), each with a title when its order
    has a line of it, else "Product #id"."""
    if not isinstance(ticket, dict) or not isinstance(ticket.get("products"), list):
        return []
    titles = {}
    for line in (order or {}).get("lines") or [] if isinstance(order, dict) else []:
        if isinstance(line, dict):
            for key in ("variant_id", "product_id"):
                if _positive_int(line.get(key)) is not None:
                    titles.setdefault(_positive_int(line.get(key)), str(line.get("product_title") or ""))
    found = []
    for value in ticket["products"]:
        product_id = _positive_int(value)
        if product_id is not None:
            found.append((product_id, titles.get(product_id) or f"Product #{product_id}"))
    return found
