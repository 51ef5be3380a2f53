"""A macro's variables: a small, explicit replacement of known names.

A macro's body may name variables as `{{ customer.first_name }}` (spaces inside the
braces optional). Only the names in `VARIABLES` exist. Substitution is one pass of one
regular expression over the body the manager wrote: a value is inserted as it is and
never read again, so a customer called "{{ store.name }}" stays "{{ store.name }}".
No template engine ever runs over text that an operator or a customer wrote.

The result is plain text (the reply the customer receives); pages that show it
escape it like any other text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .formatting import humanize_code, web_url

# The variables, in the order the Macros page lists them, with what each one holds.
VARIABLES: dict[str, str] = {
    "customer.first_name": "The requester's first name",
    "customer.last_name": "The requester's last name",
    "customer.email": "The requester's e-mail address",
    "order.number": "The linked order's number",
    "order.status": "The linked order's status, in words",
    "order.tracking_url": "The tracking link of the order's latest shipment",
    "store.name": "The store's name",
    "operator.name": "Your name (the operator sending the reply)",
}

# Anything in double braces, on one line: a known name or a mistake to report.
_PLACEHOLDER = re.compile(r"\{\{([^{}\n]{0,100}?)\}\}")

# A value longer than this is cut: it is one name, number or link, not a text.
LONGEST_VALUE = 500


def variable_names(body: str) -> list[str]:
    """The names used in `body`, as written (stripped), in order, without repeats."""
    names = []
    for match in _PLACEHOLDER.finditer(body or ""):
        name = match.group(1).strip()
        if name not in names:
            names.append(name)
    return names


def unknown_variables(body: str) -> list[str]:
    return [name for name in variable_names(body) if name not in VARIABLES]


def clean_value(value) -> str:
    """One line of text: line breaks and other control characters become spaces (a name
    with a line break must not start a new paragraph of the reply), cut to LONGEST_VALUE."""
    if value is None:
        return ""
    text = "".join(" " if (ord(ch) < 32 or ord(ch) == 127) else ch for ch in str(value))
    text = " ".join(text.split())
    return text[:LONGEST_VALUE]


@dataclass
class Filled:
    text: str
    empty: list[str] = field(default_factory=list)  # variables used that had no value here


def fill(body: str, values: dict[str, str]) -> Filled:
    """`body` with each known variable replaced by its value (cleaned; "" when missing),
    in one pass. Names not in VARIABLES are left as written (a saved macro has none)."""
    empty = []

    def replace(match: re.Match) -> str:
        name = match.group(1).strip()
        if name not in VARIABLES:
            return match.group(0)
        value = clean_value(values.get(name))
        if not value and name not in empty:
            empty.append(name)
        return value

    return Filled(text=_PLACEHOLDER.sub(replace, body or ""), empty=empty)


def ticket_values(*, ticket: dict | None, customer: dict | None, order: dict | None, store, operator) -> dict:
    """The variables' values for one ticket, from what the store answered (any of which
    may be missing: a ticket without an order, a requester that could not be read)."""
    customer = customer if isinstance(customer, dict) else {}
    order = order if isinstance(order, dict) else {}
    ticket = ticket if isinstance(ticket, dict) else {}
    return {
        "customer.first_name": customer.get("first_name") or "",
        "customer.last_name": customer.get("last_name") or "",
        "customer.email": customer.get("email") or ticket.get("from_email") or "",
        "order.number": order.get("number") or "",
        "order.status": humanize_code(order["status"]) if order.get("status") else "",
        "order.tracking_url": latest_tracking_url(order),
        "store.name": getattr(store, "name", "") or getattr(store, "subdomain", "") or "",
        "operator.name": operator.get_full_name() if operator is not None else "",
    }


def latest_tracking_url(order: dict) -> str:
    """The newest shipment's tracking link, when it is a web address (a link a carrier
    or anyone else put there that is not http(s) is left out, not sent to a customer)."""
    for fulfillment in reversed(order.get("fulfillments") or []):
        if isinstance(fulfillment, dict):
            link = web_url(fulfillment.get("tracking_link"))
            if link:
                return link
    return ""
