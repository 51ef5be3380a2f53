"""Changes to support tickets: replies, internal notes, status, priority, assignee, tags."""

from __future__ import annotations

from dataclasses import dataclass, field

from storeapi.client import StoreClient

from ..audit import audit_record
from ..models import OperatorAuthorship
from ..selectors.tickets import staff_name, store_staff_list, ticket_get
from .authorship import authorship_record
from .edits import FieldChange, changed_fields, edit_lock, merge

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


def ticket_value(name: str, value):
    """A field's value as the store shows it, for comparing: tags as a sorted list of
    text, the assignee as a number (None for nobody), empty as None."""
    if name == "tags":
        return sorted(str(tag) for tag in value or [])
    if value in (None, ""):
        return None
    if name == "assignee":
        try:
            return int(value)
        except (TypeError, ValueError):
            return value
    return value


def _same(name: str, a, b) -> bool:
    return ticket_value(name, a) == ticket_value(name, b)


@dataclass
class TicketUpdate:
    """What `ticket_update` did. Nothing was sent when `changes` is empty: the operator
    changed nothing, the store already had their values, or `conflicts` names the
    fields they changed that were changed meanwhile to something else."""

    ticket: dict  # the ticket as the store has it now (its answer to the PATCH, if any)
    changes: dict = field(default_factory=dict)  # {field: [before, after]}: sent and audited
    meanwhile: list[FieldChange] = field(default_factory=list)  # changed by others since drawn
    conflicts: list[str] = field(default_factory=list)
    mine: dict = field(default_factory=dict)  # the operator's changes, as they posted them


def ticket_update(*, operator, store, ticket_id: int, drawn: dict, values: dict) -> TicketUpdate:
    """Change what the operator changed on their form, and nothing else
    (dashboard.services.edits): a field changed meanwhile by a colleague or the store is
    not overwritten. `drawn` is the ticket as the form showed it (its editable fields and
    `updated_at`); the ticket is read fresh (not from the shared cache) to compare."""
    mine = changed_fields(drawn=drawn, values=values, fields=EDITABLE_FIELDS, same=_same)
    if not mine:
        return TicketUpdate(ticket=ticket_get(store=store, ticket_id=ticket_id))
    path = f"tickets/{ticket_id}/"
    with edit_lock(store, path):
        now = ticket_get(store=store, ticket_id=ticket_id, fresh=True)
        merged = merge(drawn=drawn, now=now, mine=mine, fields=EDITABLE_FIELDS, same=_same)
        result = TicketUpdate(ticket=now, meanwhile=merged.meanwhile, conflicts=merged.conflicts, mine=mine)
        if not merged.send:
            return result
        sent = {name: ticket_value_sent(name, value) for name, value in merged.send.items()}
        answer = StoreClient.for_store(store).patch(path, sent)
    if isinstance(answer, dict) and "status" in answer:
        result.ticket = answer
    result.changes = {name: [now.get(name), value] for name, value in sent.items()}
    described = _described(store, result.changes)
    audit_record(
        operator=operator,
        store=store,
        action="ticket.updated",
        object_type="ticket",
        object_id=ticket_id,
        summary=f"Changed ticket {ticket_id}: {described}",
        details={"changes": result.changes},
    )
    return result


def ticket_value_sent(name: str, value):
    """A field's value as the PATCH sends it (the form's list of tags as typed, in order)."""
    if name == "tags":
        return [str(tag) for tag in value or []]
    if name == "assignee":
        return ticket_value(name, value)
    return value


def _described(store, changes: dict) -> str:
    """ "priority low → high, assignee Ana Lima → none": the audit log's words, with
    people by name (the store's users, from the shared cache), not by id."""
    staff = store_staff_list(store=store) if "assignee" in changes else None

    def show(name, value) -> str:
        if name == "assignee" and value not in (None, ""):
            return staff_name(staff, value)
        return _show(value)

    return ", ".join(f"{name} {show(name, before)} → {show(name, after)}" for name, (before, after) in changes.items())


def _show(value) -> str:
    if value in (None, "", []):
        return "none"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
