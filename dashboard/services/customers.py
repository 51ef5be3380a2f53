"""Changes to customers: a new customer, a note on a customer."""

from __future__ import annotations

from storeapi.client import StoreClient
from storeapi.errors import UnexpectedResponse

from ..audit import audit_record
from ..models import OperatorAuthorship
from .authorship import authorship_record


def customer_create(*, operator, store, data: dict) -> dict:
    """Create a customer in the store (`POST users/`); the store's field errors come
    back as `InvalidRequest.field_errors`, keyed by the same names as `data`."""
    body = {key: value for key, value in data.items() if value not in (None, "")}
    customer = StoreClient.for_store(store).post("users/", body)
    if not isinstance(customer, dict) or not isinstance(customer.get("id"), int):
        raise UnexpectedResponse("The store did not answer with the new customer.")
    audit_record(
        operator=operator,
        store=store,
        action="customer.created",
        object_type="customer",
        object_id=customer["id"],
        summary=f"Created customer {customer.get('email') or customer['id']}",
        details=body,
    )
    return customer


def customer_note_add(*, operator, store, customer_id: int, message: str) -> dict:
    note = StoreClient.for_store(store).post(f"users/{customer_id}/notes/", {"message": message})
    authorship_record(
        operator=operator,
        store=store,
        kind=OperatorAuthorship.Kind.CUSTOMER_NOTE,
        parent_id=customer_id,
        object_id=note.get("id") if isinstance(note, dict) else None,
    )
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
