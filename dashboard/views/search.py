"""Global search from the top bar: every store of the operator at once."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_GET

from storeapi.models import Membership
from storeapi.roles import Perm

from ..selectors.search import search_across_stores
from .common import render_page

MAX_QUERY = 200


@require_GET
@login_required
def search(request):
    """An order number or ticket id (`1042`, `#1042`), an e-mail address, or any text.
    With htmx (typing in the search page's box) only the results are rendered."""
    query = (request.GET.get("q") or "").strip()[:MAX_QUERY]
    memberships = [m for m in Membership.objects.for_operator(request.user) if m.allows(Perm.VIEW)]
    connected = [m.store for m in memberships if m.store.is_connected]
    results = search_across_stores(stores=connected, query=query) if query else None
    context = {
        "query": query,
        "results": results,
        "skipped": [m.store for m in memberships if not m.store.is_connected] if query else [],
    }
    return render_page(request, "dashboard/search/search.html", context, partial="results")
