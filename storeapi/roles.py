"""The one table of what each role may do in a store.

Views and services ask `role_allows(role, Perm.X)` (or `membership.allows(Perm.X)`);
nothing else compares role names.
"""

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer"
    AGENT = "agent", "Agent"
    MANAGER = "manager", "Manager"
    OWNER = "owner", "Owner"


class Perm(StrEnum):
    VIEW = "view"  # read orders, customers, tickets, transactions
    REPLY_TICKETS = "reply_tickets"  # public replies, internal notes
    UPDATE_TICKETS = "update_tickets"  # status, priority, assignee, tags
    ADD_NOTES = "add_notes"  # notes on orders and customers
    TAG_ORDERS = "tag_orders"
    CREATE_CUSTOMERS = "create_customers"
    BULK_TICKETS = "bulk_tickets"  # set status / assignee on many tickets
    ORDER_ACTIONS = "order_actions"  # cancel, refund
    CREATE_ORDERS = "create_orders"
    BULK_ORDERS = "bulk_orders"  # tag / note many orders
    EXPORT_ORDERS = "export_orders"
    MANAGE_MACROS = "manage_macros"  # create, edit, delete the store's canned replies
    MANAGE_CONNECTION = "manage_connection"  # connect, reconnect, disconnect the store
    MANAGE_MEMBERS = "manage_members"  # invite, change roles, remove
    VIEW_AUDIT_LOG = "view_audit_log"


_VIEWER = frozenset({Perm.VIEW})
_AGENT = _VIEWER | {
    Perm.REPLY_TICKETS,
    Perm.UPDATE_TICKETS,
    Perm.ADD_NOTES,
    Perm.TAG_ORDERS,
    Perm.CREATE_CUSTOMERS,
    Perm.BULK_TICKETS,
}
_MANAGER = _AGENT | {
    Perm.ORDER_ACTIONS,
    Perm.CREATE_ORDERS,
    Perm.BULK_ORDERS,
    Perm.EXPORT_ORDERS,
    Perm.MANAGE_MACROS,
}
_OWNER = _MANAGER | {Perm.MANAGE_CONNECTION, Perm.MANAGE_MEMBERS, Perm.VIEW_AUDIT_LOG}

ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.VIEWER: _VIEWER,
    Role.AGENT: _AGENT,
    Role.MANAGER: _MANAGER,
    Role.OWNER: _OWNER,
}


def role_allows(role: str, perm: Perm) -> bool:
    return perm in ROLE_PERMISSIONS.get(role, frozenset())
