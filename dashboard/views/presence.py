"""Who else is on a ticket: the line its page refreshes every few seconds (dashboard/presence.py)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from storeapi.access import store_view
from storeapi.roles import Perm

from ..presence import ticket_presence_leave, ticket_presence_touch

PRESENCE = "dashboard/tickets/presence.html#line"


@require_POST
@store_view(Perm.VIEW)
def ticket_presence_view(request, store, ticket_id):
    """Mark the operator on the ticket and answer who else is on it. `typing`: "1" they
    type in the reply box (only a role that may reply), "0" their reply went; `leave`
    drops their mark (the page closed)."""
    if request.POST.get("leave"):
        ticket_presence_leave(store_id=store.pk, ticket_id=ticket_id, operator_id=request.user.pk)
        return HttpResponse(status=204)
    typing = {"1": True, "0": False}.get(request.POST.get("typing", ""))
    if typing and not request.membership.allows(Perm.REPLY_TICKETS):
        typing = None
    others = ticket_presence_touch(store_id=store.pk, ticket_id=ticket_id, operator=request.user, typing=typing)
    response = render(request, PRESENCE, {"others": others})
    response["Cache-Control"] = "no-store"
    return response
