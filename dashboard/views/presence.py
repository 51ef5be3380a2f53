"""Who else is on a ticket: the line its page refreshes every few seconds, and the marks
the inbox's rows refresh (dashboard/presence.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from storeapi.access import request_memberships, store_view
from storeapi.roles import Perm

from ..presence import ticket_presence_leave, ticket_presence_touch, tickets_presence
from ..templatetags.list_tables import presence_slot

PRESENCE = "dashboard/tickets/presence.html#line"
# Rows an inbox may ask about at once: a page and a few "Load more"s.
INBOX_ROWS_MAX = 250


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


@require_POST
@login_required
def inbox_presence_view(request):
    """The marks of an inbox's rows again (one store's or all stores'), every `t`
    ("<store>:<ticket id>") the page shows, as out-of-band swaps: a mark appears, changes
    or goes without the rows being drawn again. Rows of a store the operator may not
    view, or that are malformed, are left out: nothing is said about them. A POST,
    though it changes nothing: a few hundred rows do not fit in a URL (gunicorn takes
    request lines of about 4 KB)."""
    stores = {m.store.subdomain: m.store for m in request_memberships(request) if m.allows(Perm.VIEW)}
    rows = []
    for value in dict.fromkeys(request.POST.getlist("t")[:INBOX_ROWS_MAX]):
        subdomain, _, key = value.partition(":")
        if subdomain in stores and key.isascii() and key.isdigit() and len(key) <= 18:
            rows.append((stores[subdomain], key))
    found = tickets_presence([(store.pk, key) for store, key in rows], excluding=request.user.pk)
    response = HttpResponse(
        "".join(presence_slot(store, key, found.get((store.pk, key)), oob=True) for store, key in rows)
    )
    response["Cache-Control"] = "no-store"
    return response
