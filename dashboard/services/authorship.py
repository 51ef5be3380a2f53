"""Which operator wrote what Storedesk created in a store (a ticket's reply or note, an
order's or a customer's note): the store records the app's store user as the author,
whoever of the team wrote it."""

from __future__ import annotations

from ..models import OperatorAuthorship


def authorship_record(*, operator, store, kind: str, parent_id, object_id) -> None:
    """Remember that `operator` wrote the store's object `object_id` (of `parent_id`)."""
    if object_id is None or str(object_id) == "":
        return
    OperatorAuthorship.objects.get_or_create(
        store=store,
        kind=kind,
        object_id=str(object_id),
        defaults={"parent_id": str(parent_id), "operator": operator, "operator_name": operator.get_full_name()[:255]},
    )
