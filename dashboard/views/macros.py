"""Macros: the team's Macros page, and the picker, preview and apply of a ticket's page.

The Macros page (/macros/) lists, creates, edits and deletes the macros of the stores
where the operator is a manager or owner (Perm.MANAGE_MACROS), and their own
all-stores macros; any other macro id is a 404 (dashboard/selectors/macros.py).
The ticket's endpoints go through `store_view` like every store page: the picker lists
only the macros usable on that store's tickets, and another store's macro id is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from storeapi.access import request_memberships, store_view
from storeapi.errors import NotFound, StoreAPIError
from storeapi.roles import Perm

from ..formatting import humanize_code
from ..forms.drawn import OUT_OF_DATE
from ..forms.macros import MacroApplyForm, MacroForm
from ..forms.tickets import TicketPropertiesForm
from ..macro_text import VARIABLES, fill, ticket_values
from ..selectors.macros import (
    macro_can_edit,
    macro_usable_get,
    macros_editable,
    macros_for_page,
    macros_managed_stores,
    macros_usable_search,
)
from ..selectors.ticket_thread import ticket_thread_news
from ..services.macros import MacroApplied, macro_apply, macro_delete, macro_save, macro_ticket_values
from .common import add_store_errors, is_partial, refused_status, render_page
from .ticket_page import DETAIL, ticket_or_404, ticket_page_context, ticket_page_url, ticket_sidebar

LIST = "dashboard/macros/list.html"
FORM = "dashboard/macros/form.html"
DELETE = "dashboard/macros/delete.html"
PICKER = "dashboard/macros/picker.html"


# --- The Macros page ---------------------------------------------------------------------


def _managed_stores(request) -> list:
    """The stores whose macros the operator manages; none: the page is not theirs (403)."""
    stores = macros_managed_stores(memberships=request_memberships(request))
    if not stores:
        raise PermissionDenied("Only managers and owners manage macros.")
    return stores


def _editable_or_404(request, stores, macro_id):
    return get_object_or_404(macros_editable(operator=request.user, stores=stores).select_related("store"), pk=macro_id)


@require_GET
@login_required
def macro_list(request):
    stores = _managed_stores(request)
    macros = list(macros_for_page(operator=request.user, stores=stores))
    rows = [(macro, macro_can_edit(macro, operator=request.user, stores=stores)) for macro in macros]
    return render(request, LIST, {"rows": rows})


@require_http_methods(["GET", "POST"])
@login_required
def macro_new(request):
    stores = _managed_stores(request)
    form = MacroForm(request.POST or None, stores=stores)
    if request.method == "POST" and form.is_valid():
        macro = macro_save(operator=request.user, macro=form.save(commit=False))
        messages.success(request, f"The macro “{macro.name}” was created.")
        return redirect("macro_list")
    return render(
        request, FORM, {"form": form, "macro": None, "variables": VARIABLES.items()}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
@login_required
def macro_edit(request, macro_id):
    stores = _managed_stores(request)
    macro = _editable_or_404(request, stores, macro_id)
    form = MacroForm(request.POST or None, instance=macro, stores=stores)
    if request.method == "POST" and form.is_valid():
        macro = macro_save(operator=request.user, macro=form.save(commit=False))
        messages.success(request, f"The macro “{macro.name}” was saved.")
        return redirect("macro_list")
    return render(
        request,
        FORM,
        {"form": form, "macro": macro, "variables": VARIABLES.items()},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@login_required
def macro_delete_view(request, macro_id):
    """GET asks for confirmation (a page, or a box in place); POST deletes."""
    stores = _managed_stores(request)
    macro = _editable_or_404(request, stores, macro_id)
    if request.method == "GET":
        name = f"{DELETE}#confirm" if is_partial(request) else DELETE
        return render(request, name, {"macro": macro})
    macro_delete(operator=request.user, macro=macro)
    messages.success(request, f"The macro “{macro.name}” was deleted.")
    return redirect("macro_list")


# --- On a ticket's page -------------------------------------------------------------------


@require_GET
@store_view(Perm.REPLY_TICKETS)
def ticket_macro_options(request, store, ticket_id):
    """The picker's list: the macros usable on this ticket whose name or reply holds `q`."""
    query = request.GET.get("q", "")[:100]
    context = {
        "macro_options": macros_usable_search(store=store, query=query),
        "macro_query": query,
        "macro_options_shown": True,
    }
    if is_partial(request):
        return render_page(request, PICKER, {"store": store, "ticket_id": ticket_id, **context}, partial="options")
    ticket, error = ticket_or_404(store, ticket_id)
    return render_page(request, DETAIL, ticket_page_context(store, ticket_id, ticket, error, **context))


def _usable_or_404(store, macro_id):
    macro = macro_usable_get(store=store, macro_id=macro_id)
    if macro is None:
        raise Http404("No such macro for this store.")
    return macro


def _shown(name: str, value) -> str:
    if name == "tags":
        return ", ".join(str(tag) for tag in value or []) or "none"
    return humanize_code(value) if value not in (None, "") else "none"


def macro_change_rows(macro, ticket: dict) -> list[dict]:
    """What the macro will change on this ticket: field, now, after (unchanged ones left out)."""
    drawn = TicketPropertiesForm.drawn_of(ticket).values
    after = macro_ticket_values(macro=macro, drawn=drawn)
    rows = []
    for name, label in (("status", "Status"), ("priority", "Priority"), ("tags", "Tags")):
        if name in macro.property_changes() and _shown(name, drawn.get(name)) != _shown(name, after[name]):
            added = [t for t in after[name] if t not in (drawn.get("tags") or [])] if name == "tags" else []
            rows.append(
                {
                    "label": label,
                    "now": _shown(name, drawn.get(name)),
                    "after": _shown(name, after[name]),
                    "added": added,
                }
            )
    return rows


def _preview_context(request, store, ticket_id, macro, ticket, *, posted=None, body_errors=(), **extra) -> dict:
    """The preview of `macro` on `ticket`: its reply with this ticket's values (or, when
    `posted`, the reply as the operator edited it), what it changes, which variables
    had no value. Its form is drawn from the ticket as it is now."""
    sidebar = ticket_sidebar(store, ticket)
    values = ticket_values(
        ticket=ticket, customer=sidebar.get("requester"), order=sidebar.get("order"), store=store, operator=request.user
    )
    filled = fill(macro.body, values)
    drawn = TicketPropertiesForm.drawn_of(ticket).token()
    if posted is None:
        form = MacroApplyForm(initial={"body": filled.text, "drawn": drawn})
    else:
        form = MacroApplyForm({"body": posted.get("body", ""), "drawn": drawn})
        if form.is_valid():  # else its own errors show under the reply; or the store's:
            for message in body_errors:
                form.add_error("body", message)
    return {
        "macro_preview": macro,
        "macro_form": form,
        "macro_empty": filled.empty,
        "macro_changes": macro_change_rows(macro, ticket),
        **extra,
    }


@require_GET
@store_view(Perm.REPLY_TICKETS)
def ticket_macro_preview(request, store, ticket_id, macro_id):
    macro = _usable_or_404(store, macro_id)
    ticket, error = ticket_or_404(store, ticket_id)
    context = {"macro_error": error} if ticket is None else _preview_context(request, store, ticket_id, macro, ticket)
    if is_partial(request):
        context.update(store=store, ticket_id=ticket_id, ticket=ticket)
        return render_page(request, PICKER, context, partial="preview")
    return render_page(request, DETAIL, ticket_page_context(store, ticket_id, ticket, error, **context))


def _conflict_rows(result: MacroApplied) -> list[dict]:
    return [
        {
            "label": change.field.capitalize(),
            "drawn": _shown(change.field, change.drawn),
            "now": _shown(change.field, change.now),
        }
        for change in result.update.meanwhile
        if change.field in result.conflicts
    ]


@require_POST
@store_view(Perm.REPLY_TICKETS)
def ticket_macro_apply(request, store, ticket_id, macro_id):
    """Send the previewed reply and make the macro's property changes (one reply, one
    change: dashboard/services/macros.py). Answers the ticket's thread, as a reply does."""
    macro = _usable_or_404(store, macro_id)
    if macro.property_changes() and not request.membership.allows(Perm.UPDATE_TICKETS):
        raise PermissionDenied("Your role in this store does not allow changing tickets.")
    form = MacroApplyForm(request.POST)
    if form.is_valid() and getattr(form.cleaned_data["drawn"], "object_id", None) != str(ticket_id):
        form.add_error(None, OUT_OF_DATE)  # drawn for another ticket
    result = None
    news = None
    if form.is_valid():
        try:
            # As a plain reply: nothing is sent over messages the operator has not seen.
            news = ticket_thread_news(store=store, ticket_id=ticket_id, seen=request.POST.get("seen_comment"))
        except NotFound:
            raise Http404("No such ticket in this store.") from None
        except StoreAPIError as error:
            add_store_errors(form, error)
    if form.is_valid() and news is None:
        try:
            result = macro_apply(
                operator=request.user,
                store=store,
                ticket_id=ticket_id,
                macro=macro,
                body=form.cleaned_data["body"],
                drawn=form.cleaned_data["drawn"].as_object(),
            )
        except NotFound:
            raise Http404("No such ticket in this store.") from None
        except StoreAPIError as error:
            add_store_errors(form, error)
    if result is not None and result.replied:
        done = f"Macro “{macro.name}” applied: " + ("reply sent." if macro.is_public else "internal note added.")
        if not is_partial(request):
            messages.success(request, done)
            return redirect(ticket_page_url(store, ticket_id))
        ticket = result.ticket
        if not isinstance(ticket, dict) or "comments" not in ticket:
            ticket, _ = ticket_or_404(store, ticket_id, fresh=True)
        context = ticket_page_context(store, ticket_id, ticket, None, flash=done, redraw=True)
        return render_page(request, DETAIL, context, partial="thread")
    # Not sent (or only half): the thread as it is now, with the preview again.
    ticket, error = (news.ticket, None) if news is not None else ticket_or_404(store, ticket_id, fresh=True)
    extra = {"macro_thread_news": news.comments} if news is not None else {}
    if result is not None and result.conflicts:
        extra["macro_conflicts"] = _conflict_rows(result)
    if result is not None and result.reply_error is not None:
        extra["macro_reply_error"] = result.reply_error
    extra["macro_errors"] = [m for name, errors in form.errors.items() if name != "body" for m in errors]
    if ticket is not None:
        extra.update(
            _preview_context(
                request, store, ticket_id, macro, ticket, posted=request.POST, body_errors=form.errors.get("body", [])
            )
        )
    status = refused_status(request)
    if status != 200 and (extra.get("macro_conflicts") or news is not None):
        status = 409
    context = ticket_page_context(store, ticket_id, ticket, error, **extra)
    return render_page(request, DETAIL, context, partial="thread", status=status)
