"""What base.html's notice area shows on every full page. Context processors only read:
what a page showed is marked as seen afterwards by `dashboard.middleware`."""

from django.utils.functional import SimpleLazyObject

from .jobs import selectors as job_selectors
from .selectors.notices import pending_notices
from .selectors.phone_orders import phone_order_notices


def shown_notices(request) -> dict:
    """The ended jobs and payments a page showed, for `NoticesSeenMiddleware` to mark."""
    if not hasattr(request, "_shown_notices"):
        request._shown_notices = {"jobs": [], "payments": []}
    return request._shown_notices


def _pending(request):
    """Whether there are job or payment notices at all: one query a page, shared by
    both processors (selectors/notices.py)."""
    if not hasattr(request, "_pending_notices"):
        request._pending_notices = pending_notices(operator=request.user)
    return request._pending_notices


def job_notices(request):
    """`job_notice` for the notice area of base.html: queried only when a full page
    renders it and `_pending` says there is something, never for htmx partials."""
    user = getattr(request, "user", None)
    if user is None or getattr(request, "htmx", False):
        return {}

    def load():
        if not _pending(request).jobs:
            return {"ended": [], "running": False}
        notices = job_selectors.job_notices(operator=user)
        shown_notices(request)["jobs"] = notices["ended"]
        return notices

    return {"job_notice": SimpleLazyObject(load)}


def payment_notices(request):
    """`payment_notice` for the notice area of base.html: payment links of the
    operator's phone orders that were paid or failed. Queried only when a full page
    renders it and `_pending` says there is something, never for htmx partials."""
    user = getattr(request, "user", None)
    if user is None or getattr(request, "htmx", False):
        return {}

    def load():
        if not _pending(request).payments:
            return {"ended": [], "waiting": False}
        notices = phone_order_notices(operator=user)
        shown_notices(request)["payments"] = notices["ended"]
        return notices

    return {"payment_notice": SimpleLazyObject(load)}


def saved_views_nav(request):
    """`nav_saved_views` for the navigation's Views menu (includes/nav_saved_views.html):
    the operator's views and colleagues' shared ones, in order. Queried only when a
    template shows the menu (one query, and a cached count read per counted view)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def load():
        from django.urls import reverse

        from storeapi.access import request_memberships

        from .selectors.saved_views import NAV_LIMIT, request_views, view_count, view_store_lost

        memberships = request_memberships(request)
        views = request_views(request)[:NAV_LIMIT]
        return [
            {
                "view": v,
                "url": reverse("saved_view_open", args=[v.pk]),
                "count": None if view_store_lost(v, memberships) else view_count(v),
                "lost": view_store_lost(v, memberships),
            }
            for v in views
        ]

    return {"nav_saved_views": SimpleLazyObject(load)}
