"""Support tickets of one store: the inbox and a ticket's page."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from storeapi.access import store_view
from storeapi.errors import NotFound, StoreAPIError
from storeapi.roles import Perm

from ..formatting import humanize_code
from ..forms.drawn import OUT_OF_DATE, Drawn
from ..forms.filters import TICKET_STATUSES, TicketFilterForm
from ..forms.jobs import BulkTicketsForm
from ..forms.tickets import TicketPropertiesForm, TicketReplyForm
from ..presence import tickets_presence_and_new_counts
from ..selectors import attempt
from ..selectors.overview import look_ahead_ticket_tab_counts, ticket_tab_counts
from ..selectors.ticket_thread import ticket_thread_news
from ..selectors.tickets import (
    look_ahead_ticket_labels,
    store_staff_list,
    ticket_labels,
    ticket_list_page,
    tickets_label_assignees,
    tickets_label_types,
)
from ..services.tickets import TicketUpdate, ticket_reply, ticket_update
from .bulk_drafts import bulk_form_context
from .common import (
    add_store_errors,
    clean_cursor,
    is_partial,
    list_partial,
    refused_status,
    render_page,
    seen_new,
    seen_new_kind,
)
from .saved_views import list_state, saved_views_context
from .ticket_page import DETAIL, ticket_or_404, ticket_page_context, ticket_page_url, ticket_sidebar

LIST = "dashboard/tickets/list.html"


def _tabs(request, form, data=None) -> list[dict]:
    """`data`: what the filters are bound to (a saved view's filters, views.saved_views)."""
    current = form.valid_data().get("status") or ""
    tabs = [{"status": "", "label": "All"}]
    tabs += [{"status": s, "label": s.capitalize(), "counted": True} for s in TICKET_STATUSES]
    for tab in tabs:
        query = (request.GET if data is None else data).copy()
        query.pop("cursor", None)
        query.pop("panel", None)
        if tab["status"]:
            query["status"] = tab["status"]
        else:
            query.pop("status", None)
        tab["query"] = f"?{query.urlencode()}" if query else "?"
        tab["active"] = tab["status"] == current
    return tabs


@require_GET
@store_view(Perm.VIEW)
def ticket_list(request, store):
    """The inbox. Tab counts (whole store) are counted once for the team: the page has
    them when they are counted already (without JavaScript too); otherwise a separate
    request (`?panel=counts`, a link without JavaScript) counts them after the page has
    shown, so that the page costs one request to the store."""
    # One round trip to the shared cache for the counts (when this answer shows them),
    # the types and the users.
    counting = request.GET.get("panel") == "counts"
    if counting or not is_partial(request):
        look_ahead_ticket_tab_counts(store=store)
    look_ahead_ticket_labels(stores=[store])
    if counting:
        counts, counts_error = attempt(ticket_tab_counts, store=store)
        if is_partial(request):
            return render_page(
                request, LIST, {"store": store, "counts": counts, "counts_error": counts_error}, partial="counts"
            )
    elif not is_partial(request):
        counts, counts_error = attempt(ticket_tab_counts, store=store, only_cached=True)
    else:
        counts, counts_error = None, None
    state = list_state(request, kind="tickets", store=store)
    if state.redirect:
        return state.redirect
    seen_new(request, store, "tickets")
    types, staff = ticket_labels(store=store)
    form = TicketFilterForm(state.data, ticket_types=types, staff=staff)
    cursor = clean_cursor(request)
    page, error = attempt(ticket_list_page, store=store, params=form.upstream_params(), cursor=cursor)
    if page is not None:
        tickets_label_types(tickets=page.results, types=types)
        tickets_label_assignees(page.results, staff)
    context = {
        "store": store,
        "form": form,
        "page": page,
        "error": error,
        "chips": form.chips(state.data),
        "cursor": cursor,
        "tabs": _tabs(request, form, state.data),
        **saved_views_context(request, state=state, kind="tickets", store=store, form=form),
        "counts": counts,
        "counts_error": counts_error,
    }
    if request.membership.allows(Perm.BULK_TICKETS):
        context.update(
            bulk_form_context(
                request, store=store, kind="tickets", form_class=BulkTicketsForm, page=page, key="id", staff=staff
            )
        )
    if page is not None and not is_partial(request):
        # The navigation's "new" counts and who else is on each ticket, in one round trip.
        context["new_counts"], context["rows_presence"] = tickets_presence_and_new_counts(
            store,
            [(store.pk, ticket.get("id")) for ticket in page.results if isinstance(ticket, dict)],
            excluding=request.user.pk,
            seen=seen_new_kind(request),
        )
    return render_page(request, LIST, context, partial=list_partial(request, prefix="ticket"))


@require_GET
@store_view(Perm.VIEW)
def ticket_detail(request, store, ticket_id):
    """The thread first; the sidebar (requester, order) loads after it (`?panel=sidebar`)."""
    ticket, error = ticket_or_404(store, ticket_id)
    if request.GET.get("panel") == "sidebar":
        sidebar = ticket_sidebar(store, ticket)
        if is_partial(request):
            context = {"store": store, "ticket_id": ticket_id, "ticket": ticket, "error": error, **sidebar}
            return render_page(request, DETAIL, context, partial="sidebar")
        return render_page(request, DETAIL, ticket_page_context(store, ticket_id, ticket, error, **sidebar))
    return render_page(request, DETAIL, ticket_page_context(store, ticket_id, ticket, error))


@require_POST
@store_view(Perm.REPLY_TICKETS)
def ticket_reply_view(request, store, ticket_id):
    form = TicketReplyForm(request.POST)
    if form.is_valid():
        try:
            news = ticket_thread_news(store=store, ticket_id=ticket_id, seen=request.POST.get("seen_comment"))
            if news is not None:
                return _thread_changed(request, store, ticket_id, form, news)
            updated = ticket_reply(
                operator=request.user,
                store=store,
                ticket_id=ticket_id,
                body=form.cleaned_data["body"],
                is_public=form.is_public,
            )
        except NotFound:
            raise Http404("No such ticket in this store.") from None
        except StoreAPIError as error:
            add_store_errors(form, error)
        else:
            done = "Reply sent." if form.is_public else "Internal note added."
            if not is_partial(request):
                messages.success(request, done)
                return redirect(ticket_page_url(store, ticket_id))
            if not isinstance(updated, dict) or "comments" not in updated:
                updated, _ = ticket_or_404(store, ticket_id, fresh=True)
            # The status badge and the properties follow the store's answer too: a
            # reply opens a new ticket, and a form left showing "New" would send it back.
            context = ticket_page_context(store, ticket_id, updated, None, flash=done, redraw=True)
            return render_page(request, DETAIL, context, partial="thread")
    ticket, error = ticket_or_404(store, ticket_id)
    context = ticket_page_context(store, ticket_id, ticket, error, reply_form=form)
    return render_page(request, DETAIL, context, partial="thread")


def _thread_changed(request, store, ticket_id, form, news):
    """Not sent: the thread gained messages since the operator's page drew it. The
    thread is redrawn with them, the operator's text kept, and "Send anyway"."""
    context = ticket_page_context(
        store,
        ticket_id,
        news.ticket,
        None,
        reply_form=form,
        thread_news=news.comments,
        reply_visibility="public" if form.is_public else "internal",
    )
    return render_page(request, DETAIL, context, partial="thread", status=200 if is_partial(request) else 409)


def _shown(name: str, value) -> str:
    """A property's value in words, for the "changed meanwhile" table."""
    if name == "tags":
        return ", ".join(str(tag) for tag in value or []) or "none"
    if value in (None, ""):
        return "none" if name != "assignee" else "Nobody"
    if name == "assignee":
        return f"#{value}"
    return humanize_code(str(value))


def _meanwhile_rows(form, result: TicketUpdate) -> list[dict]:
    """What changed since the operator's form was drawn: field, value then, value now,
    and theirs where they changed it too."""
    rows = []
    for change in result.meanwhile:
        mine = change.field in result.mine
        rows.append(
            {
                "label": form.fields[change.field].label,
                "drawn": _shown(change.field, change.drawn),
                "now": _shown(change.field, change.now),
                "yours": _shown(change.field, result.mine[change.field]) if mine else "",
                "conflict": change.field in result.conflicts,
            }
        )
    return rows


def _apply_again(form, result: TicketUpdate) -> list[tuple[str, str]]:
    """The hidden fields of "Apply mine again": the operator's changes as they posted
    them, the other fields and the drawn version as the store has them now."""
    now = TicketPropertiesForm.initial_from(result.ticket)
    fields = []
    for name in TicketPropertiesForm.EDITS:
        value = form[name].value() if name in result.mine else now[name]
        fields.append((name, "" if value is None else str(value)))
    fields.append(("drawn", now["drawn"]))
    return fields


@require_POST
@store_view(Perm.UPDATE_TICKETS)
def ticket_update_view(request, store, ticket_id):
    """Status, priority, assignee and tags, changed in place. Only what the operator
    changed from the form as it was drawn is sent (and audited); a field that a colleague
    or the store changed meanwhile is shown, never overwritten (dashboard/services/edits.py)."""
    form = TicketPropertiesForm(request.POST)
    # The picker offers the store's users, and the assignee the form was drawn with
    # even when the store's list of users could not be read.
    staff = store_staff_list(store=store)
    drawn = Drawn.from_token(request.POST.get("drawn") or "", kind="ticket")
    form.fields["assignee"].offer_staff(staff, current=drawn.values.get("assignee") if drawn else None)
    if form.is_valid() and getattr(form.cleaned_data["drawn"], "object_id", None) != str(ticket_id):
        form.add_error(None, OUT_OF_DATE)  # missing, or drawn for another ticket
    if form.is_valid():
        try:
            result = ticket_update(
                operator=request.user,
                store=store,
                ticket_id=ticket_id,
                drawn=form.cleaned_data["drawn"].as_object(),
                values=form.cleaned_data,
            )
        except NotFound:
            raise Http404("No such ticket in this store.") from None
        except StoreAPIError as store_error:
            add_store_errors(form, store_error)
        else:
            return _after_update(request, store, ticket_id, form, result)
    ticket, _ = ticket_or_404(store, ticket_id)
    context = ticket_page_context(
        store, ticket_id, ticket, None, staff=staff, properties_form=form, properties_answer=True
    )
    return render_page(request, DETAIL, context, partial="properties", status=refused_status(request))


def _after_update(request, store, ticket_id, form, result: TicketUpdate):
    """The properties redrawn from the store's answer: saved, nothing to save, or what
    changed meanwhile and "Apply mine again"."""
    rows = _meanwhile_rows(form, result)
    if result.conflicts:
        context = ticket_page_context(
            store,
            ticket_id,
            result.ticket,
            None,
            conflict_rows=rows,
            apply_again=_apply_again(form, result),
            properties_answer=True,
        )
        return render_page(request, DETAIL, context, partial="properties", status=200 if is_partial(request) else 409)
    if result.changes:
        flash = "Saved."
    elif result.mine:
        flash = "Nothing to save: the ticket already has your values."
    else:
        flash = "Nothing changed."
    if not is_partial(request):
        messages.success(request, flash)
        if rows:
            kept = "; ".join(f"{row['label']} {row['drawn']} → {row['now']}" for row in rows)
            messages.info(request, f"Also changed meanwhile by someone else, and kept: {kept}.")
        return redirect(ticket_page_url(store, ticket_id))
    context = ticket_page_context(
        store, ticket_id, result.ticket, None, properties_flash=flash, meanwhile_rows=rows, properties_answer=True
    )
    return render_page(request, DETAIL, context, partial="properties")
