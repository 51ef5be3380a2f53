"""Orders taken by phone: the customers to pick from, the order's payment link and
what the operator should be told (marked as seen by
`dashboard.services.payment_notices`)."""

from __future__ import annotations

import uuid

from storeapi.client import StoreClient

from ..models import PhoneOrder

CUSTOMER_RESULTS = 10


def customer_search(*, store, query: str) -> list[dict]:
    """Customers matching an e-mail, a phone number or a name (one request)."""
    query = " ".join(query.split())[:200]
    if len(query) < 2:
        return []
    if "@" in query:
        params = {"email": query}
    elif sum(ch.isdigit() for ch in query) >= 4 and not any(ch.isalpha() for ch in query):
        params = {"phone_number": query}
    else:
        params = {"name": query}
    page = StoreClient.for_store(store).list_page("users/", params, cached=True)
    return [c for c in page.results if isinstance(c, dict) and "id" in c][:CUSTOMER_RESULTS]


def phone_order_for(*, store, number: str) -> PhoneOrder | None:
    """The phone order that created this order, if Storedesk placed it."""
    return (
        PhoneOrder.objects.filter(store=store, order_number=str(number), state=PhoneOrder.State.CREATED)
        .select_related("operator")
        .first()
    )


def phone_order_by_key(*, operator, store, key) -> PhoneOrder | None:
    """The operator's submission of the new-order form with this key in this store, if
    any (how a second submission learns what became of the first)."""
    try:
        key = uuid.UUID(str(key))
    except ValueError:
        return None
    return PhoneOrder.objects.filter(key=key, store=store, operator=operator).first()


def phone_order_notices(*, operator) -> dict:
    """For the notice area of every page: payments of the operator's phone orders that
    ended since last shown, and whether any link still waits (then the area polls)."""
    if not operator.is_authenticated:
        return {"ended": [], "waiting": False}
    rows = list(
        PhoneOrder.objects.filter(operator=operator, state=PhoneOrder.State.CREATED, notified_at__isnull=True)
        .exclude(payment_status="")
        .select_related("store")
        .order_by("-updated_at")[:20]
    )
    ended = [p for p in rows if p.payment_ended]
    return {"ended": ended, "waiting": any(p.awaiting_payment for p in rows)}
