"""Saved views: applying one to its list, saving the list's filters as one, and the
Views page (rename, share, reorder, delete, default).

The lists (orders and inbox, of one store or of all stores) call `list_state` first:
`?view=<id>` applies a view, `?view=all` shows the list unfiltered, and a list opened
with nothing in its URL (a full page, not htmx) goes to the operator's default view.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from storeapi.access import request_memberships
from storeapi.roles import Perm

from ..forms.saved_views import MoveForm, SavedViewForm, SaveViewForm
from ..models import ExportSchedule, SavedView
from ..selectors.saved_views import (
    default_view_get,
    default_view_ids,
    list_filter_form,
    list_url,
    normalised_query,
    request_views,
    view_count,
    view_filters,
    view_store_lost,
    view_url,
    view_visible_get,
    views_for_list,
    views_visible,
)
from ..services.saved_views import (
    NameTaken,
    default_view_clear,
    default_view_set,
    saved_view_create,
    saved_view_delete,
    saved_view_move,
    saved_view_update,
)
from .common import is_partial, render_page

BAR = "dashboard/saved_views/bar.html"
PAGE = "dashboard/saved_views/views.html"
LOST = "dashboard/saved_views/lost.html"
# What a list's URL may carry besides a view's filters: paging and its lazy panels.
KEPT_PARAMS = ("cursor", "panel")


@dataclass
class ListState:
    """What a list shows: the data its filter form is bound to, and the view applied."""

    data: QueryDict
    view: SavedView | None = None
    redirect: HttpResponseRedirect | None = None
    notice: str = ""
    hide_all: bool = False  # the view's stores are all gone: show nothing
    views: list = field(default_factory=list)


def list_state(request, *, kind: str, store) -> ListState:
    memberships = request_memberships(request)
    asked = request.GET.get("view", "")
    if asked == "all":
        data = request.GET.copy()
        data.pop("view")
        return ListState(data=data)
    if asked:
        view = view_visible_get(operator=request.user, memberships=memberships, view_id=_int(asked))
        if view is None or view.kind != kind or view.store_id != (store.pk if store else None):
            raise Http404("No such view.")
        applied = view_filters(view, memberships=memberships)
        for name in KEPT_PARAMS:
            if name in request.GET:
                applied.data[name] = request.GET[name]
        notice = ""
        if applied.lost_stores:
            notice = "This view names a store you no longer have access to: that store's data is not shown."
        return ListState(data=applied.data, view=view, notice=notice, hide_all=applied.nothing_left)
    if not request.GET and not is_partial(request):
        default = default_view_get(operator=request.user, kind=kind, store=store, visible=request_views(request))
        if default is not None:
            return ListState(data=request.GET, redirect=HttpResponseRedirect(view_url(default)))
    return ListState(data=request.GET)


def _int(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 12 else 0


def saved_views_context(request, *, state: ListState, kind: str, store, form) -> dict:
    """The views bar of a list page (dashboard/saved_views/bar.html)."""
    views = views_for_list(request_views(request), kind=kind, store=store)
    return {
        "saved": {
            "views": [(v, view_url(v), view_count(v)) for v in views],
            "active": state.view,
            "notice": state.notice,
            "kind": kind,
            "store": store,
            "query": normalised_query(form),
            "all_url": f"{list_url(kind=kind, store=store)}?view=all",
            "form": SaveViewForm(initial={"kind": kind, "store": store.subdomain if store else ""}),
        }
    }


# --- saving a list's filters ------------------------------------------------------------------


@require_POST
@login_required
def saved_view_save(request):
    """ "Save this view" from a list's toolbar: the filters are validated again by the
    list's own form (what is kept is what the list would apply), for a store the
    operator is a member of (any other is a 404)."""
    kind = request.POST.get("kind", "")
    if kind not in SavedView.Kind.values:
        raise Http404("No such list.")
    memberships = request_memberships(request)
    store = None
    if request.POST.get("store"):
        membership = next((m for m in memberships if m.store.subdomain == request.POST["store"]), None)
        if membership is None or not membership.allows(Perm.VIEW):
            raise Http404("No such store.")
        store = membership.store
    form = SaveViewForm(request.POST)
    if not form.is_valid():
        return _not_saved(request, kind=kind, store=store, form=form, query=request.POST.get("query", ""))
    query = QueryDict(form.cleaned_data["query"])
    filters = list_filter_form(kind=kind, store=store, memberships=memberships, data=query)
    try:
        view = saved_view_create(
            owner=request.user,
            kind=kind,
            store=store,
            query=normalised_query(filters),
            name=form.cleaned_data["name"],
            shared=form.cleaned_data["shared"],
        )
    except NameTaken as taken:
        form.add_error("name", str(taken))
        return _not_saved(request, kind=kind, store=store, form=form, query=normalised_query(filters))
    if not is_partial(request):
        messages.success(request, f"View “{view.name}” saved.")
        return redirect(view_url(view))
    return _bar_answer(request, kind=kind, store=store, query=view.query, saved=view)


def _not_saved(request, *, kind, store, form, query: str):
    """The bar again with the form's error, the name typed and the list's filters kept
    (htmx); without JavaScript, the list with those filters and the error as a message."""
    if is_partial(request):
        return _bar_answer(request, kind=kind, store=store, query=query, form=form)
    errors = form.errors.get("name") or [SavedViewForm.NAME_NEEDED]
    messages.error(request, f"The view was not saved. {errors[0]}")
    filters = list_filter_form(kind=kind, store=store, memberships=request_memberships(request), data=QueryDict(query))
    url = list_url(kind=kind, store=store)
    kept = normalised_query(filters)
    return redirect(f"{url}?{kept}" if kept else url)


def _bar_answer(request, *, kind, store, query: str, form=None, saved=None):
    """htmx: the list's views bar again (the new view in it, or the form's errors), and
    after a save the navigation's menu too (out of band)."""
    filters = list_filter_form(kind=kind, store=store, memberships=request_memberships(request), data=QueryDict(query))
    context = saved_views_context(
        request, state=ListState(data=QueryDict(), view=saved), kind=kind, store=store, form=filters
    )
    if form is not None:
        context["saved"]["form"] = form
    context.update(saved_flash=f"View “{saved.name}” saved." if saved else "", nav_oob=bool(saved))
    return render_page(request, BAR, context, partial="bar")


# --- opening a view from the navigation -----------------------------------------------------


@require_GET
@login_required
def saved_view_open(request, view_id: int):
    """The navigation's link: the list with the view applied, or, for a view naming a
    store the operator has left, a page that says so (and shows nothing of the store)."""
    memberships = request_memberships(request)
    view = view_visible_get(operator=request.user, memberships=memberships, view_id=view_id)
    if view is None:
        raise Http404("No such view.")
    if view_store_lost(view, memberships):
        return render_page(request, LOST, {"view": view, "my_memberships": memberships}, status=200)
    return redirect(view_url(view))


# --- the Views page ---------------------------------------------------------------------------


def _page_context(request, **extra) -> dict:
    memberships = request_memberships(request)
    views = views_visible(operator=request.user, memberships=memberships)
    defaults = default_view_ids(operator=request.user)
    schedules: dict[int, list] = {}
    for schedule in ExportSchedule.objects.filter(owner=request.user):
        schedules.setdefault(schedule.view_id, []).append(schedule)
    rows = [
        {
            "view": v,
            "mine": v.owner_id == request.user.pk,
            "url": reverse("saved_view_open", args=[v.pk]),
            "lost": view_store_lost(v, memberships),
            "default": v.pk in defaults,
            "schedules": schedules.get(v.pk, []),
            "form": SavedViewForm(initial={"name": v.name, "shared": v.shared}, prefix=f"v{v.pk}"),
        }
        for v in views
    ]
    context = {
        "mine": [r for r in rows if r["mine"]],
        "theirs": [r for r in rows if not r["mine"]],
        "my_memberships": memberships,
    }
    context.update(extra)
    return context


def _page_done(request, message: str, *, error: bool = False):
    if is_partial(request):
        return render_page(request, PAGE, _page_context(request, flash=message, flash_error=error), partial="views")
    (messages.error if error else messages.success)(request, message)
    return redirect("saved_view_list")


@require_GET
@login_required
def saved_view_list(request):
    return render_page(request, PAGE, _page_context(request))


def _own_view(request, view_id: int) -> SavedView:
    """Only the owner changes a view: anyone else's (shared or not) is a 404 here."""
    return get_object_or_404(SavedView.objects.select_related("store"), pk=view_id, owner=request.user)


@require_POST
@login_required
def saved_view_edit(request, view_id: int):
    view = _own_view(request, view_id)
    form = SavedViewForm(request.POST, prefix=f"v{view.pk}")
    if not form.is_valid():
        return _page_done(request, SavedViewForm.NAME_NEEDED, error=True)
    try:
        saved_view_update(view=view, name=form.cleaned_data["name"], shared=form.cleaned_data["shared"])
    except NameTaken as taken:
        return _page_done(request, str(taken), error=True)
    return _page_done(request, f"View “{view.name}” saved.")


@require_POST
@login_required
def saved_view_move_view(request, view_id: int):
    view = _own_view(request, view_id)
    form = MoveForm(request.POST)
    if form.is_valid():
        saved_view_move(view=view, up=form.cleaned_data["direction"] == "up")
    return _page_done(request, f"View “{view.name}” moved.")


@require_POST
@login_required
def saved_view_delete_view(request, view_id: int):
    view = _own_view(request, view_id)
    saved_view_delete(view=view)
    return _page_done(request, f"View “{view.name}” deleted.")


@require_POST
@login_required
def saved_view_default(request, view_id: int):
    """Make a view the operator's default for its list (or, `clear`, no longer). Any
    view the operator sees may be their default, a colleague's shared one included."""
    memberships = request_memberships(request)
    view = view_visible_get(operator=request.user, memberships=memberships, view_id=view_id)
    if view is None:
        raise Http404("No such view.")
    if request.POST.get("clear"):
        default_view_clear(operator=request.user, view=view)
        return _page_done(request, f"“{view.name}” is no longer your default.")
    default_view_set(operator=request.user, view=view)
    return _page_done(request, f"“{view.name}” is now your default view of this list.")
