"""Global search from the top bar: every store of the operator at once."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_GET

from storeapi.roles import Perm

from ..selectors.cross_store import operator_stores, split_connected
from ..selectors.search import search_across_stores
from .common import render_page

MAX_QUERY = 200


@require_GET
@login_required
def search(request):
    """An order number or ticket id (`1042`, `#1042`), an e-mail address, or any text.
    With htmx (typing in the search page's box) only the results are rendered."""
    query = (request.GET.get("q") or "").strip()[:MAX_QUERY]
    connected, skipped = split_connected(operator_stores(operator=request.user, perm=Perm.VIEW))
    results = search_across_stores(stores=connected, query=query) if query else None
    context = {"query": query, "results": results, "skipped": skipped if query else []}
    return render_page(request, "dashboard/search/search.html", context, partial="results")
