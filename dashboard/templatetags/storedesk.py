"""Template filters for what every page shows: form fields, money, store times, statuses.

{{ order.total_incl_tax|money:order.currency }}    $1,234.50 · €1,234.50 · THB 1,234.50
{{ order.date_placed|store_time:store }}           <time ...>2024-05-01 08:00 EDT</time>
{{ ticket.created_at|store_date:store }}           2024-05-01
{{ order.payment_status|status_badge }}            <span class="badge ...">Partially refunded</span>
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from html import escape as escape_text

from django import forms, template
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from storeapi.errors import (
    InvalidRequest,
    MissingScope,
    NotFound,
    RateLimited,
    StoreNotConnected,
    StoreUnavailable,
    TokenRevoked,
)

from ..formatting import format_money, humanize_code, web_url
from ..links import url_for

register = template.Library()


def html_text(value) -> str:
    """`value` in HTML as `{{ value }}` and format_html show it: escaped unless already
    safe. Without format_html's overhead, for markup drawn many times a page (the filter
    bars here, the rows in list_tables.py)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape_text(str(value))


_CLASS_BY_WIDGET = {
    "checkbox": "form-check-input",
    "select": "form-select",
    "selectmultiple": "form-select",
    "radioselect": "",
    "checkboxselectmultiple": "",
}


@register.filter
def bootstrap(field):
    """Render a bound field's widget with Bootstrap's classes and error state."""
    css = _CLASS_BY_WIDGET.get(field.widget_type, "form-control")
    if field.errors:
        css = f"{css} is-invalid"
    existing = field.field.widget.attrs.get("class", "")
    attrs = {"class": f"{existing} {css}".strip()}
    if field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}_helptext"
    return widget_html(field, attrs)


def widget_html(field, attrs: dict | None = None) -> str:
    """`field.as_widget(attrs=attrs)`, drawn in Python for Django's plain inputs and
    single selects (the same markup as their templates, without two template renders
    per input and per option)."""
    widget = field.field.widget
    drawn = _DRAWN_IN_PYTHON.get(widget.template_name)
    if drawn is None or (isinstance(widget, forms.Select) and widget.allow_multiple_selected):
        return field.as_widget(attrs=attrs)
    attrs = field.build_widget_attrs(dict(attrs or {}), widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    return drawn(widget.get_context(field.html_name, field.value(), attrs)["widget"])


def input_html(widget: dict) -> str:
    """An `<input>` from its widget context, as Django's `input.html` draws it (which
    includes `attrs.html`: two templates for every text box of a filter bar)."""
    value = widget["value"]
    value_attr = f' value="{html_text(value)}"' if value is not None else ""
    attrs = attrs_html(widget["attrs"])
    return mark_safe(  # noqa: S308 (every value escaped by html_text)
        f'<input type="{html_text(widget["type"])}" name="{html_text(widget["name"])}"{value_attr}{attrs}>'
    )


def attrs_html(attrs: dict) -> str:
    """Attributes as Django's `attrs.html` draws them: in order, `True` as a bare name,
    `False` left out."""
    parts = []
    for name, value in attrs.items():
        if value is True:
            parts.append(f" {html_text(name)}")
        elif value is not False:
            parts.append(f' {html_text(name)}="{html_text(value)}"')
    return mark_safe("".join(parts))  # noqa: S308 (every name and value escaped by html_text)


def select_html(widget: dict) -> str:
    """A `<select>` from its widget context, as Django's own templates draw it. Those
    include two templates for every option, and the filter bars and bulk toolbars of the
    list pages hold several dozen options: drawn there, they were a third of a list
    page's own work (docs/page-speed.md)."""
    parts = [f'<select name="{html_text(widget["name"])}"{attrs_html(widget["attrs"])}>']
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f'<optgroup label="{html_text(group)}">')
        for option in options:
            parts.append(
                f'<option value="{html_text(str(option["value"]))}"{attrs_html(option["attrs"])}>'
                f"{html_text(option['label'])}</option>"
            )
        if group:
            parts.append("</optgroup>")
    parts.append("</select>")
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped by html_text)


# Django's own widget templates that `bootstrap` draws in Python instead (same markup).
_DRAWN_IN_PYTHON = {
    "django/forms/widgets/select.html": select_html,
    **{
        f"django/forms/widgets/{name}.html": input_html
        for name in ("input", "text", "date", "hidden", "number", "email", "search", "url", "password")
    },
}


@register.simple_tag
def url_of(name, *args):
    """`{% url name arg %}`, remembered per process (dashboard.links): for what the
    layout and the list pages draw on every page."""
    return url_for(name, *args)


@register.simple_tag
def filter_fields(form):
    """The fields of a filter form, in one wrapping row (includes/filter_form.html):
    hidden fields, then each visible one with its label and errors. Multiple choices
    open in a `<details>` disclosure, which works without JavaScript. Drawn here, not
    in a template loop: a filter bar is the largest part of a list page's own markup."""
    parts = [widget_html(field) for field in form.hidden_fields()]
    for field in form.visible_fields():
        classes = ["filter-field"]
        multi = field.widget_type == "choicesdropdown"
        if multi:
            classes.append("filter-multi")
        if field.name in _SEARCH_FIELDS:
            classes.append("filter-search")
        parts.append(f'<div class="{" ".join(classes)}">')
        label = html_text(field.label)
        if multi:
            chosen = field.value()
            badge = f' <span class="badge text-bg-primary">{len(chosen)}</span>' if chosen else ""
            auto_id = html_text(field.auto_id)
            parts.append(
                '<details class="filter-dropdown">'
                f'<summary class="form-select form-select-sm" id="{auto_id}_summary">{label}{badge}</summary>'
                f'<fieldset class="filter-dropdown-menu shadow-sm" aria-labelledby="{auto_id}_summary">'
                f'<legend class="visually-hidden">{label}</legend>{choice_checkboxes(field)}</fieldset></details>'
            )
        else:
            parts.append(
                f'<label class="form-label small mb-0" for="{html_text(field.id_for_label)}">{label}</label>'
                f"{bootstrap(field)}"
            )
        parts.extend(f'<div class="invalid-feedback d-block">{html_text(error)}</div>' for error in field.errors)
        parts.append("</div>")
    return mark_safe("\n".join(parts))  # noqa: S308 (every value escaped by _html or drawn by a widget)


_SEARCH_FIELDS = {"search_text", "filter_text", "email", "name"}


@register.filter
def choice_checkboxes(field):
    """The checkboxes of a multiple-choice filter (the `<details>` dropdowns of the list
    pages), the chosen ones ticked. Built here rather than in a template loop: the
    filters of a list page have 20 or more choices, each a dozen template nodes."""
    chosen = field.value()
    if not isinstance(chosen, list | tuple):
        chosen = ()
    name, auto_id = html_text(field.html_name), html_text(field.auto_id)
    boxes = []
    for index, (value, label) in enumerate(field.field.choices):
        checked = " checked" if value in chosen else ""
        boxes.append(
            '<div class="form-check">\n'
            f'<input class="form-check-input" type="checkbox" name="{name}" value="{html_text(value)}" '
            f'id="{auto_id}_{index}"{checked}>\n'
            f'<label class="form-check-label" for="{auto_id}_{index}">{html_text(label)}</label>\n'
            "</div>"
        )
    return mark_safe("\n".join(boxes))  # noqa: S308 (every value escaped by html_text)


# --- money -----------------------------------------------------------------------------


@register.filter
def money(amount, currency=None):
    return format_money(amount, currency)


@register.filter
def times(amount, quantity):
    """amount times quantity, for a line's total: {{ line.price_incl_tax|times:line.quantity|money:cur }}."""
    try:
        return Decimal(str(amount)) * Decimal(str(quantity))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def child_url(base: str, key) -> str:
    """The URL of one row of a list: `/s/acme/orders/` and 1042 -> `/s/acme/orders/1042/`.

    Lists reverse their own URL once instead of once per row (50 rows a page)."""
    return f"{base}{key}/"


@register.filter(name="web_url")
def web_url_filter(value) -> str:
    """A URL from a store's data, for an href: itself when http or https, else "" (then
    the page shows the text without a link). `{% with link=f.tracking_link|web_url %}`."""
    return web_url(value)


@register.filter
def percent(rate):
    """A tax rate as the platform gives it (0.0725) in percent: "7.25%"."""
    try:
        value = Decimal(str(rate)) * 100
    except (InvalidOperation, ValueError):
        return rate
    return f"{value.normalize():f}%"


@register.filter
def dictget(mapping, key):
    """mapping[key] in a template, or None."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


# --- times --------------------------------------------------------------------------------


@lru_cache(maxsize=128)
def _zone_named(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _zone(store_or_zone) -> zoneinfo.ZoneInfo:
    # Looked up once per zone name, not once per row: a list shows 50 times per page.
    return _zone_named(str(getattr(store_or_zone, "timezone", store_or_zone) or "UTC"))


def _as_datetime(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return parse_datetime(value)
        except ValueError:
            return None
    return None


def zone_abbreviation(moment: datetime) -> str:
    abbreviation = moment.tzname() or ""
    if abbreviation[:1] in "+-":  # zones without a name: "+07" reads better as "UTC+07"
        return f"UTC{abbreviation}"
    return abbreviation


def local_time(value, store_or_zone) -> datetime | None:
    moment = _as_datetime(value)
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_zone(store_or_zone))


@register.filter
def store_time(value, store_or_zone):
    """A `<time>` in the store's time zone, with the zone shown and named in a tooltip."""
    zone = _zone(store_or_zone)
    if isinstance(value, str | datetime):
        return _store_time(value, zone)
    return value or "—"


# A list shows 50 to 100 of these a page, and the same rows again on the next view of
# the same list: remembered per (value, zone), as the answer depends on nothing else.
@lru_cache(maxsize=8192)
def _store_time(value: str | datetime, zone: zoneinfo.ZoneInfo):
    moment = local_time(value, zone)
    if moment is None:
        return value or "—"
    # Built without format_html and strftime; the ISO time is digits and separators,
    # the zone's names are escaped.
    iso = moment.isoformat()
    return mark_safe(  # noqa: S308
        f'<time datetime="{iso}" title="{escape_text(zone.key)}">{iso[:16].replace("T", " ")} '
        f'<span class="text-body-secondary">{escape_text(zone_abbreviation(moment))}</span></time>'
    )


@register.filter
def store_date(value, store_or_zone):
    """Just the date, in the store's time zone."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    moment = local_time(value, store_or_zone)
    return moment.date().isoformat() if moment else (value or "—")


@register.filter
def zone_name(store_or_zone) -> str:
    """ "America/New_York (EDT)": the zone a page's times are in, for headings and footnotes."""
    zone = _zone(store_or_zone)
    return f"{zone.key} ({zone_abbreviation(datetime.now(zone))})"


# --- statuses -------------------------------------------------------------------------------

_STATUS_STYLES = {
    # orders
    "open": "primary",
    "archived": "secondary",
    "canceled": "danger",
    # payment
    "paid": "success",
    "authorized": "info",
    "pending": "warning",
    "partially_paid": "warning",
    "expiring": "warning",
    "expired": "secondary",
    "voided": "secondary",
    "partially_voided": "secondary",
    "refunded": "dark",
    "partially_refunded": "dark",
    # fulfillment
    "fulfilled": "success",
    "partially_fulfilled": "info",
    "processing": "info",
    "unfulfilled": "warning",
    "on_hold": "warning",
    "not_required": "light",
    "rejected": "danger",
    "incomplete": "warning",
    # tickets
    "new": "danger",
    "solved": "success",
    "closed": "secondary",
    # priorities
    "high": "danger",
    "medium": "warning",
    "low": "light",
}


@register.filter
def status_badge(value):
    return _status_badge(str(value), bool(value))


@lru_cache(maxsize=512)
def _status_badge(code: str, present: bool):
    # Statuses are few and every list row shows two or three: each badge is built once.
    style = _STATUS_STYLES.get(code, "light")
    text_class = "text-bg-" + style + (" border" if style == "light" else "")
    return format_html('<span class="badge {}">{}</span>', text_class, humanize_code(code if present else ""))


@register.filter
def humanize(value):
    return humanize_code(value)


# --- store errors -----------------------------------------------------------------------------


@register.filter
def store_error_kind(error) -> str:
    """A stable name for the kind of a store error, for templates and CSS."""
    for cls, name in (
        (RateLimited, "rate_limited"),
        (StoreUnavailable, "unavailable"),
        (MissingScope, "missing_scope"),
        (TokenRevoked, "token_revoked"),
        (StoreNotConnected, "not_connected"),
        (NotFound, "not_found"),
        (InvalidRequest, "invalid"),
    ):
        if isinstance(error, cls):
            return name
    return "unexpected"


@register.filter
def retry_seconds(error) -> int:
    """How long to wait before retrying automatically (rate limits only)."""
    seconds = getattr(error, "retry_after", None) or 2
    return max(1, min(round(float(seconds)), 30))


@register.filter
def customer_name(user: dict | None) -> str:
    if not isinstance(user, dict):
        return "—"
    name = f"{user.get('first_name') or ''} {user.get('last_name') or ''}".strip()
    return name or user.get("email") or "—"


@register.filter
def clock_time(value, store_or_zone):
    """A time of day with seconds, in the store's time zone ("14:02:11")."""
    moment = local_time(value, store_or_zone)
    if moment is None:
        return "—"
    return format_html('<time datetime="{}">{}</time>', moment.isoformat(), moment.strftime("%H:%M:%S"))


@register.filter
def seconds_ago(value) -> str:
    """How long ago an aware datetime was, in the largest whole unit ("8 s", "3 min", "2 h";
    "a moment" under a second)."""
    moment = _as_datetime(value)
    if moment is None:
        return ""
    seconds = max(0, int((datetime.now(moment.tzinfo or zoneinfo.ZoneInfo("UTC")) - moment).total_seconds()))
    if seconds < 1:
        return "a moment"
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"
