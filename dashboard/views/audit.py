"""The audit log of a store, for its owners. Read only: nothing here edits or deletes."""

from __future__ import annotations

from django.views.decorators.http import require_GET

from storeapi.access import store_view
from storeapi.roles import Perm

from ..forms.filters import AuditFilterForm
from ..selectors.audit import audit_actions, audit_entries_page, audit_object_types
from .common import list_partial, render_page


@require_GET
@store_view(Perm.VIEW_AUDIT_LOG)
def audit_log(request, store):
    form = AuditFilterForm(
        request.GET, actions=audit_actions(store=store), object_types=audit_object_types(store=store)
    )
    data = form.valid_data()
    try:
        before = int(request.GET.get("cursor") or 0) or None
    except ValueError:
        before = None
    entries, next_before = audit_entries_page(
        store=store,
        operator_email=data.get("operator") or "",
        action=data.get("action") or "",
        object_type=data.get("object_type") or "",
        object_id=data.get("object_id") or "",
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        before=before,
    )
    context = {
        "store": store,
        "form": form,
        "entries": entries,
        "next_cursor": next_before,
        "cursor": before,
        "chips": form.chips(request.GET),
    }
    return render_page(request, "dashboard/audit/log.html", context, partial=list_partial(request, prefix="audit"))
