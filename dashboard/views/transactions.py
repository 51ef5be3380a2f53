"""Payment transactions of one store: the list, with the platform's filters."""

from __future__ import annotations

from django.views.decorators.http import require_GET

from storeapi.access import store_view
from storeapi.roles import Perm

from ..forms.filters import TransactionFilterForm
from ..selectors import attempt
from ..selectors.transactions import transaction_list_page
from .common import clean_cursor, list_partial, render_page

LIST = "dashboard/transactions/list.html"


@require_GET
@store_view(Perm.VIEW)
def transaction_list(request, store):
    form = TransactionFilterForm(request.GET)
    cursor = clean_cursor(request)
    page, error = attempt(transaction_list_page, store=store, params=form.upstream_params(), cursor=cursor)
    context = {
        "store": store,
        "form": form,
        "page": page,
        "error": error,
        "chips": form.chips(request.GET),
        "cursor": cursor,
    }
    return render_page(request, LIST, context, partial=list_partial(request, prefix="transaction"))
