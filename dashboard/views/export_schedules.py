"""Scheduled exports of saved orders views: the Schedules page, and a schedule's form.

A schedule belongs to the operator who made it (anyone else's id is a 404). Making one
needs, now, the export permission in the view's store (in at least one of its stores
for an all-stores view); each run checks again (services.export_schedules).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from storeapi.access import request_memberships

from ..forms.export_schedules import ExportScheduleForm
from ..models import ExportSchedule, SavedView
from ..selectors.export_schedules import schedules_for_operator
from ..selectors.saved_views import view_visible_get
from ..services.export_schedules import ScheduleRefused, schedule_delete, schedule_save, schedule_stores

LIST = "dashboard/export_schedules/list.html"
FORM = "dashboard/export_schedules/form.html"


@require_GET
@login_required
def schedule_list(request):
    return render(request, LIST, {"schedules": schedules_for_operator(operator=request.user)})


def _orders_view(request, view_id: int) -> SavedView:
    view = view_visible_get(operator=request.user, memberships=request_memberships(request), view_id=view_id)
    if view is None or view.kind != SavedView.Kind.ORDERS:
        raise Http404("No such view of orders.")
    return view


def _check_allowed(schedule: ExportSchedule) -> None:
    try:
        schedule_stores(schedule)
    except ScheduleRefused as refused:
        raise PermissionDenied(str(refused)) from None


def _form_page(request, schedule: ExportSchedule, *, created: bool):
    form = ExportScheduleForm(request.POST or None, instance=schedule)
    if request.method == "POST" and form.is_valid():
        _check_allowed(form.instance)
        schedule_save(schedule=form.instance)
        messages.success(request, "Scheduled export saved." if not created else "Export scheduled.")
        return redirect("schedule_list")
    context = {"form": form, "schedule": schedule, "view": schedule.view, "created": created}
    return render(request, FORM, context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
def schedule_new(request, view_id: int):
    view = _orders_view(request, view_id)
    zone = view.store.timezone if view.store else "UTC"
    schedule = ExportSchedule(owner=request.user, view=view, timezone=zone)
    _check_allowed(schedule)
    return _form_page(request, schedule, created=True)


def _own_schedule(request, schedule_id: int) -> ExportSchedule:
    return get_object_or_404(
        ExportSchedule.objects.select_related("view", "view__store"), pk=schedule_id, owner=request.user
    )


@require_http_methods(["GET", "POST"])
@login_required
def schedule_edit(request, schedule_id: int):
    return _form_page(request, _own_schedule(request, schedule_id), created=False)


@require_POST
@login_required
def schedule_delete_view(request, schedule_id: int):
    schedule = _own_schedule(request, schedule_id)
    schedule_delete(schedule=schedule)
    messages.success(request, f"The scheduled export of “{schedule.view.name}” was deleted.")
    return redirect("schedule_list")
