"""Changes to support tickets: replies, internal notes, status, priority, assignee, tags."""

from __future__ import annotations

from storeapi.client import StoreClient

from ..audit import audit_record
from ..models import OperatorAuthorship
from .authorship import authorship_record

# The fields an operator may change on a ticket, and nothing else.
EDITABLE_FIELDS = ("status", "priority", "assignee", "tags")


def ticket_reply(*, operator, store, ticket_id: int, body: str, is_public: bool) -> dict:
    """A public reply (the customer sees it) or an internal note (only staff do). The
    store records the app's store user as its author: which operator wrote it is kept
    here (`OperatorAuthorship`), for the thread to say so."""
    ticket = StoreClient.for_store(store).post(f"tickets/{ticket_id}/comments/", {"body": body, "is_public": is_public})
    authorship_record(
        operator=operator,
        store=store,
        kind=OperatorAuthorship.Kind.TICKET_COMMENT,
        parent_id=ticket_id,
        object_id=created_comment_id(ticket, body=body, is_public=is_public),
    )
    audit_record(
        operator=operator,
        store=store,
        action="ticket.replied" if is_public else "ticket.note_added",
        object_type="ticket",
        object_id=ticket_id,
        summary=(f"Replied to ticket {ticket_id}" if is_public else f"Added an internal note to ticket {ticket_id}"),
        details={"is_public": is_public, "body": body[:2000]},
    )
    return ticket


def created_comment_id(answer, *, body: str, is_public: bool) -> int | None:
    """The id of the comment a POST to `tickets/{id}/comments/` created: the store
    answers the ticket with its thread, where it is the newest comment with this body
    and visibility (or, should it answer the comment alone, that comment)."""
    if not isinstance(answer, dict):
        return None
    comments = answer.get("comments") if "comments" in answer else [answer]
    ids = [
        c["id"]
        for c in comments or []
        if isinstance(c, dict)
        and isinstance(c.get("id"), int)
        and (c.get("body") or "").strip() == body.strip()
        and bool(c.get("is_public")) == is_public
    ]
    return max(ids) if ids else None


def ticket_changes(*, before: dict, after: dict) -> dict:
    """The editable fields whose value differs: {field: [old, new]}."""
    changes = {}
    for name in EDITABLE_FIELDS:
        if name not in after:
            continue
        old, new = before.get(name), after[name]
        if name == "tags":
            old, new = sorted(old or []), sorted(new or [])
        if old != new:
            changes[name] = [old, new]
    return changes


def ticket_update(*, operator, store, ticket_id: int, before: dict, values: dict) -> tuple[dict, dict]:
    """PATCH only what changed; returns the ticket and the changes (empty: nothing sent)."""
    values = {k: v for k, v in values.items() if k in EDITABLE_FIELDS}
    changes = ticket_changes(before=before, after=values)
    if not changes:
        return before, {}
    ticket = StoreClient.for_store(store).patch(f"tickets/{ticket_id}/", {k: values[k] for k in changes})
    described = ", ".join(f"{k} {_show(v[0])} → {_show(v[1])}" for k, v in changes.items())
    audit_record(
        operator=operator,
        store=store,
        action="ticket.updated",
        object_type="ticket",
        object_id=ticket_id,
        summary=f"Changed ticket {ticket_id}: {described}",
        details={"changes": changes},
    )
    return ticket, changes


def _show(value) -> str:
    if value in (None, "", []):
        return "none"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
