"""What the dashboard's views share: full page or htmx partial, and store errors.

One view serves a page and its fragments. `render_page` renders the named partial of
the page's template when htmx asked for one (but the whole page when htmx restores
history, which asks with `HX-History-Restore-Request`), and marks the answer
`Vary: HX-Request`.
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from storeapi.errors import InvalidRequest, RateLimited, StoreAPIError
from storeapi.events import new_counts
from storeapi.roles import Perm


def is_partial(request) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def htmx_target(request) -> str:
    return (request.htmx.target or "") if is_partial(request) else ""


def permissions(membership) -> dict[str, bool]:
    """`can.add_notes`, `can.order_actions`, ... for templates (from storeapi.roles)."""
    return {perm.value: membership.allows(perm) for perm in Perm}


def render_page(request, template: str, context: dict, *, partial: str | None = None, status: int = 200):
    # How old the store data is (storeapi.freshness): the page says so, with Refresh.
    context.setdefault("freshness", getattr(request, "freshness", None))
    membership = getattr(request, "membership", None)
    if membership is not None:
        context.setdefault("can", permissions(membership))
        context.setdefault("membership", membership)
        if not is_partial(request) and "new_counts" not in context:
            # "3 new tickets" beside the navigation, from webhooks (storeapi.events), once
            # the list this page shows is no longer new (`seen_new`). (A view may have
            # read them already, with something else, in the same round trip.)
            context["new_counts"] = new_counts(membership.store, seen=seen_new_kind(request))
    name = f"{template}#{partial}" if partial and is_partial(request) else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def target_partial(request, *, prefix: str, allowed: tuple[str, ...], default: str | None = None) -> str | None:
    """The fragment named by htmx's target: `#order-notes` asks for `notes`."""
    target = htmx_target(request)
    if target.startswith(f"{prefix}-") and target[len(prefix) + 1 :] in allowed:
        return target[len(prefix) + 1 :]
    return default


def seen_new(request, store, kind: str) -> None:
    """The operator opened the list of `kind` ("orders", "customers", "tickets"): what
    webhooks announced is no longer new. Only the list's first page, as a page: the
    count is reset when the page is rendered (`render_page`, in the round trip that
    reads the counts of the page's store)."""
    if not is_partial(request) and not request.GET.get("cursor"):
        request._new_seen = kind


def seen_new_kind(request) -> str | None:
    """The kind whose list this page shows as seen (`seen_new`), or None."""
    return getattr(request, "_new_seen", None)


def list_partial(request, *, prefix: str) -> str:
    """Which fragment of a list page htmx wants: more rows (a cursor), the filters and
    results together (a chip removed: `#<prefix>-list`), or the results."""
    if request.GET.get("cursor"):
        return "rows"
    if htmx_target(request) == f"{prefix}-list":
        return "list"
    return "results"


def add_store_errors(form, error: StoreAPIError) -> None:
    """Show what the store refused on the form: its field errors on the matching fields,
    everything else at the top of the form."""
    if isinstance(error, InvalidRequest) and error.field_errors:
        for name, messages in error.field_errors.items():
            target = name if name in form.fields else None
            for message in messages:
                if target is None and name != "non_field_errors":
                    message = f"{name}: {message}"
                form.add_error(target, message)
        return
    if isinstance(error, RateLimited):
        form.add_error(None, "The store is busy right now. Nothing was lost: try again in a moment.")
        return
    form.add_error(None, error.user_message)


def refused_status(request) -> int:
    """The status of a form shown again with its errors: 400, or 200 for htmx, which
    swaps only successful answers into the page."""
    return 200 if is_partial(request) else 400


def clean_cursor(request) -> str | None:
    cursor = request.GET.get("cursor") or None
    if cursor is not None and len(cursor) > 2000:
        return None
    return cursor
