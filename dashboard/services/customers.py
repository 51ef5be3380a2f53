"""Changes to customers."""

from __future__ import annotations

from storeapi.client import StoreClient

from ..audit import audit_record


def customer_note_add(*, operator, store, customer_id: int, message: str) -> dict:
    note = StoreClient.for_store(store).post(f"users/{customer_id}/notes/", {"message": message})
    audit_record(
        operator=operator,
        store=store,
        action="customer.note_added",
        object_type="customer",
        object_id=customer_id,
        summary=f"Added a note to customer {customer_id}",
        details={"note_id": note.get("id") if isinstance(note, dict) else None, "message": message[:2000]},
    )
    return note
