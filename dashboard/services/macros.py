"""Macros: saving them (the Macros page) and applying one to a ticket."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F

from storeapi.errors import StoreAPIError

from ..audit import audit_record
from ..models import Macro
from ..selectors.macros import macro_reach
from .tickets import TicketUpdate, ticket_reply, ticket_update

MACRO_FIELDS = ("name", "body", "kind", "status", "priority", "tags", "store")


def _scope(macro: Macro) -> str:
    return macro.store.display_name if macro.store_id else "all stores"


def _snapshot(macro: Macro) -> dict:
    return {
        "name": macro.name,
        "kind": macro.kind,
        "status": macro.status,
        "priority": macro.priority,
        "tags": list(macro.tags or []),
        "store": macro.store.subdomain if macro.store_id else None,
        "body": macro.body[:2000],
    }


def macro_save(*, operator, macro: Macro) -> Macro:
    """Create or update `macro` (its fields set by the form). An all-stores macro is its
    author's: whoever makes a macro all-stores becomes its author, so that it reaches
    the stores they manage, not those of whoever wrote it first."""
    created = macro.pk is None
    if created or macro.store_id is None:
        macro.author = operator
        macro.author_name = operator.get_full_name()[:255]
    macro.save()
    _audit(
        operator,
        macro,
        action="macro.created" if created else "macro.updated",
        summary=f"{'Created' if created else 'Changed'} the macro “{macro.name}” ({_scope(macro)})",
    )
    return macro


def macro_delete(*, operator, macro: Macro) -> None:
    _audit(operator, macro, action="macro.deleted", summary=f"Deleted the macro “{macro.name}” ({_scope(macro)})")
    macro.delete()


def _audit(operator, macro: Macro, *, action: str, summary: str) -> None:
    """In the audit log of every store the macro is offered in (an all-stores macro:
    each store its author manages), so that each store's log says what changed the
    replies its tickets are offered; without such a store, in the log of no store."""
    for store in macro_reach(macro) or [None]:
        audit_record(
            operator=operator,
            store=store,
            action=action,
            object_type="macro",
            object_id=macro.pk,
            summary=summary,
            details=_snapshot(macro),
        )


def macro_ticket_values(*, macro: Macro, drawn: dict) -> dict:
    """The ticket's properties after the macro: its status and priority if it sets
    them, its tags added to the ticket's (as the form was drawn), the rest as drawn."""
    values = {name: drawn.get(name) for name in ("status", "priority", "assignee", "tags")}
    if macro.status:
        values["status"] = macro.status
    if macro.priority:
        values["priority"] = macro.priority
    if macro.tags:
        tags = [str(tag) for tag in drawn.get("tags") or []]
        values["tags"] = tags + [tag for tag in macro.tags if tag not in tags]
    return values


@dataclass
class MacroApplied:
    update: TicketUpdate | None  # the property change (None: the macro changes none)
    ticket: dict | None = None  # the store's answer to the reply
    replied: bool = False
    reply_error: StoreAPIError | None = None  # the properties changed, the reply failed

    @property
    def conflicts(self) -> list[str]:
        return self.update.conflicts if self.update else []


def macro_apply(*, operator, store, ticket_id: int, macro: Macro, body: str, drawn: dict) -> MacroApplied:
    """One property change, then one reply, through the ticket services (each audited
    as usual), then one audit entry naming the macro and its count of uses +1.

    The property change goes first and follows the ticket page's rule
    (dashboard/services/edits.py): a field the macro changes that a colleague or the
    store changed since the preview was drawn is a conflict, and then nothing at all is
    sent; the operator sees the ticket as it is now and decides again. (First, too,
    because the store opens a New ticket on a staff reply: the reply first would make
    every status-setting macro look like a conflict with itself.)"""
    update = None
    changes = macro.property_changes()
    if changes:
        values = macro_ticket_values(macro=macro, drawn=drawn)
        update = ticket_update(operator=operator, store=store, ticket_id=ticket_id, drawn=drawn, values=values)
        if update.conflicts:
            return MacroApplied(update=update)
    result = MacroApplied(update=update)
    try:
        result.ticket = ticket_reply(
            operator=operator, store=store, ticket_id=ticket_id, body=body, is_public=macro.is_public
        )
    except StoreAPIError as error:
        if not (update and update.changes):
            raise
        result.reply_error = error
    else:
        result.replied = True
        Macro.objects.filter(pk=macro.pk).update(usage_count=F("usage_count") + 1)
    audit_record(
        operator=operator,
        store=store,
        action="ticket.macro_applied",
        object_type="ticket",
        object_id=ticket_id,
        summary=f"Applied the macro “{macro.name}” to ticket {ticket_id}"
        + ("" if result.replied else " (its changes only: the reply failed)"),
        details={
            "macro_id": macro.pk,
            "macro_name": macro.name,
            "is_public": macro.is_public,
            "replied": result.replied,
            "changes": update.changes if update else {},
        },
    )
    return result
