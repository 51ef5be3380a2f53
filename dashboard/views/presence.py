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
    """Mark the operator on the ticket (typing, when the reply box says so and their role
    may reply) and answer who else is on it; `leave` drops their mark (the page closed)."""
    if request.POST.get("leave"):
        ticket_presence_leave(store_id=store.pk, ticket_id=ticket_id, operator_id=request.user.pk)
        return HttpResponse(status=204)
    typing = request.POST.get("typing") == "1" and request.membership.allows(Perm.REPLY_TICKETS)
    others = ticket_presence_touch(store_id=store.pk, ticket_id=ticket_id, operator=request.user, typing=typing)
    response = render(request, PRESENCE, {"others": others})
    response["Cache-Control"] = "no-store"
    return response
