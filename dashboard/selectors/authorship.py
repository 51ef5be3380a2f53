"""Who of the team wrote what Storedesk created in a store (services.authorship)."""

from __future__ import annotations

from ..models import OperatorAuthorship


def operator_authors(*, store, kind: str, parent_id) -> dict[str, str]:
    """The objects of `parent_id` (a ticket's comments, an order's notes) that operators
    wrote through Storedesk: the store's id of each -> the operator's name (as it is
    now, or as it was if they were removed)."""
    rows = OperatorAuthorship.objects.filter(store=store, kind=kind, parent_id=str(parent_id)).select_related(
        "operator"
    )
    return {row.object_id: row.operator.get_full_name() if row.operator else row.operator_name for row in rows}


def notes_label_operators(*, store, kind: str, parent_id, notes: list) -> None:
    """`operator_name` on each note an operator wrote through Storedesk (the note's
    author, as the store says, is the app's store user)."""
    authors = operator_authors(store=store, kind=kind, parent_id=parent_id)
    for note in notes:
        if isinstance(note, dict) and str(note.get("id")) in authors:
            note["operator_name"] = authors[str(note.get("id"))]
