"""A refused bulk form, kept for the list it came from.

A bulk form is posted from a list page (its rows' checkboxes belong to it). When it is
refused (no row ticked, a change that is not offered any more, a tag with a comma), the
operator goes back to the list (a redirect: the list's URL, its filters and Back keep
working) and finds the rows they ticked still ticked, what they chose still chosen, and
why it was refused beside it. What they sent waits in their session for that one view.
"""

from __future__ import annotations

import time

from django.http import QueryDict

# What a bulk form carries of its own (the list's filters come from the list's URL).
FIELDS = ("ids", "change", "action", "value", "all_matching", "idempotency_key")
MAX_VALUES = 10_000  # as many ids as a bulk form takes
MAX_AGE_SECONDS = 300  # a draft the operator did not come back to (a `back` elsewhere) is dropped


def _key(store, kind: str) -> str:
    return f"bulk-draft:{store.pk}:{kind}"


def bulk_draft_keep(request, *, store, kind: str) -> None:
    """Keep the refused form `request.POST` for the next view of the `kind` list."""
    draft = {name: request.POST.getlist(name)[:MAX_VALUES] for name in FIELDS if name in request.POST}
    request.session[_key(store, kind)] = {"at": time.time(), "data": draft}


def bulk_draft_take(request, *, store, kind: str) -> QueryDict | None:
    """The form kept for this list (once), as the data to bind the bulk form with."""
    kept = request.session.pop(_key(store, kind), None)
    if not isinstance(kept, dict) or not isinstance(kept.get("at"), int | float):
        return None
    draft = kept.get("data")
    if not isinstance(draft, dict) or time.time() - kept["at"] > MAX_AGE_SECONDS:
        return None
    data = QueryDict(mutable=True)
    for name in FIELDS:
        values = draft.get(name)
        if isinstance(values, list):
            data.setlist(name, [str(v) for v in values][:MAX_VALUES])
    return data


def bulk_form_context(request, *, store, kind: str, form_class, page, key: str, **form_kwargs) -> dict:
    """The list page's bulk form: fresh, or the refused one with its errors, the ids it
    had ticked (`bulk_selected`, which the table's rows show ticked) and those of them
    that are not among the rows shown now (`bulk_kept_ids`: hidden inputs, still sent).
    Only a whole page takes the draft, not "Load more" or a filter's update."""
    draft = None
    if not getattr(request, "htmx", None) and not request.GET.get("cursor"):
        draft = bulk_draft_take(request, store=store, kind=kind)
    if draft is None:
        return {"bulk_form": form_class(**form_kwargs), "bulk_selected": set(), "bulk_kept_ids": []}
    form = form_class(draft, **form_kwargs)
    form.is_valid()  # to show why it was refused
    selected = []
    for chunk in draft.getlist("ids"):
        selected += [part for part in chunk.replace(",", " ").split() if part.isdigit() and len(part) <= 20]
    shown = {str(row.get(key)) for row in (getattr(page, "results", None) or []) if isinstance(row, dict)}
    return {
        "bulk_form": form,
        "bulk_selected": set(selected),
        "bulk_kept_ids": [i for i in dict.fromkeys(selected) if i not in shown],
    }
