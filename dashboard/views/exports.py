"""The exports page, job progress, downloads, and the bulk-action endpoints.

Jobs belong to the operator who started them: every job URL goes through
`job_for_operator` (another operator's job id is a 404), and what shows what a job did
in its stores (its page, status partial, failures report, file) through
`job_for_member` or the same check: a member removed from one of those stores gets
the same 404. Its file also needs the export permission in each of those stores now
(a 403 otherwise, and no Download button). Store-scoped endpoints go
through `store_view` like every other store page.
"""

from __future__ import annotations

import csv
import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from storeapi.access import store_view
from storeapi.roles import Perm

from .. import tasks
from ..forms.filters import OrderFilterForm, filters_as_query
from ..forms.jobs import BulkOrdersForm, BulkTicketsForm, ExportForm
from ..jobs import cancel, create, downloads, notices, selectors
from ..jobs.writers import neutralise
from ..links import url_for
from ..models import Job
from ..selectors.cross_store import operator_stores
from ..selectors.export_schedules import scheduled_runs_for_jobs, schedules_for_operator
from ..selectors.tickets import store_staff_list
from .bulk_drafts import bulk_draft_keep

JOBS_PER_PAGE = 25
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _prefill(request, stores) -> dict:
    """Initial values from "Export these orders" (`?store=acme&status=open&...`)."""
    initial = {}
    allowed = {s.subdomain for s in stores}
    chosen = [s for s in request.GET.getlist("store") if s in allowed]
    if chosen:
        initial["stores"] = chosen
    for name, value in OrderFilterForm(request.GET).valid_data().items():
        if value not in (None, "", []):
            initial[name] = value
    return initial


def _jobs_context(request) -> dict:
    jobs = selectors.jobs_for_operator(operator=request.user)
    page = Paginator(jobs, JOBS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(job, selectors.job_progress(job)) for job in page.object_list]
    notices.jobs_mark_notified([job for job, _ in rows])  # seen ended here: no notice on the next page
    return {
        "jobs_page": page,
        "job_rows": rows,
        "any_active": any(job.is_active for job, _ in rows),
        "downloadable": selectors.jobs_downloadable(operator=request.user, jobs=[job for job, _ in rows]),
        # Jobs a scheduled export started are marked (dashboard.services.export_schedules).
        "scheduled_runs": scheduled_runs_for_jobs([job for job, _ in rows]),
    }


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@login_required
def export_list(request):
    """New export form, and the operator's jobs with live progress."""
    stores = operator_stores(operator=request.user, perm=Perm.EXPORT_ORDERS)
    if request.htmx and request.method == "GET":
        return render(request, "dashboard/exports/list.html#jobs", _jobs_context(request))
    if request.method == "POST":
        form = ExportForm(request.POST, stores=stores)
        if form.is_valid():
            data = form.cleaned_data
            _job, created = create.job_export_create(
                owner=request.user,
                stores=form.chosen_stores(),
                resource=data["resource"],
                filters=form.filter_params(),
                fmt=data["format"],
                columns=data["columns"],
                source=data["source"],
                idempotency_key=data["idempotency_key"],
                enqueue=tasks.job_enqueue,
            )
            if created:
                messages.success(request, "Export queued. It appears below; you can leave this page meanwhile.")
            return redirect("export_list")
    else:
        form = ExportForm(initial=_prefill(request, stores), stores=stores)
    context = {
        "form": form,
        "export_stores": stores,
        "schedules": schedules_for_operator(operator=request.user),
        **_jobs_context(request),
    }
    return render(request, "dashboard/exports/list.html", context, status=400 if form.errors else 200)


@require_GET
@vary_on_headers("HX-Request")
@login_required
def job_detail(request, job_id):
    job = selectors.job_for_member(operator=request.user, job_id=job_id)
    context = {
        "job": job,
        "progress": selectors.job_progress(job),
        "parts": list(job.parts.all()),
        "failures": list(selectors.job_failures(job=job)[:50]),
        "filters": filters_as_query(job.filters),
        "downloadable": selectors.jobs_downloadable(operator=request.user, jobs=[job]),
        # The page shows this job's end itself: no "your job finished" notice above it.
        "job_notice_except": job.pk,
    }
    if job.owner_id == request.user.pk:
        notices.jobs_mark_notified([job])  # once ended, seen here
    if request.htmx:
        return render(request, "dashboard/exports/detail.html#progress", context)
    return render(request, "dashboard/exports/detail.html", context)


@require_POST
@login_required
def job_cancel(request, job_id):
    job = selectors.job_for_operator(operator=request.user, job_id=job_id)
    if cancel.job_cancel(job=job, operator=request.user):
        messages.success(request, "Cancelled. Work in flight stops after the current page.")
    else:
        messages.info(request, "This job had already ended.")
    if request.htmx:
        return render(request, "dashboard/exports/list.html#jobs", _jobs_context(request))
    if request.POST.get("next") == "detail":
        return redirect("job_detail", job_id=job.pk)
    return redirect("export_list")


@require_GET
@login_required
def job_download(request, job_id):
    job = selectors.job_for_operator(operator=request.user, job_id=job_id)
    try:
        handle = downloads.job_download_open(job=job, operator=request.user)
    except downloads.FileExpired:
        return render(request, "dashboard/exports/expired.html", {"job": job}, status=410)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=job.file_name,
        content_type=CONTENT_TYPES.get(job.format, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class _Echo:
    def write(self, value):
        return value


@require_GET
@login_required
def job_failures_report(request, job_id):
    """The bulk action's failures as CSV (store, object, reason)."""
    job = selectors.job_for_member(operator=request.user, job_id=job_id)
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(["store", "object", "reason"])
        for item in selectors.job_failures(job=job).iterator():
            yield writer.writerow([item.part.store.subdomain, item.object_id, neutralise(item.message)])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"failures-{str(job.pk)[:8]}.csv")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@login_required
def job_notice(request):
    """The "your job finished" area of every page, polled while jobs run: the notices of
    jobs that ended since, added to those shown (each job's once), and the poll again
    while jobs still run. `?except=<job id>`: the job whose own page this is."""
    try:
        shown_here = uuid.UUID(request.GET.get("except", ""))
    except ValueError:
        shown_here = None
    notice = notices.job_notices_take(operator=request.user, exclude=shown_here)
    context = {"job_notice": notice, "job_notice_except": shown_here}
    return render(request, "dashboard/exports/notice.html#update", context)


# --- bulk actions ------------------------------------------------------------------------------


def _bulk_start(request, store, form, *, back: str, kind: str):
    if not form.is_valid():
        errors = "; ".join(e for errs in form.errors.values() for e in errs)
        messages.error(request, f"The bulk action was not started: {errors}")
        # Back on the list, the ticked rows and the chosen change are as they were.
        bulk_draft_keep(request, store=store, kind=kind)
        return redirect(back)
    data = form.cleaned_data
    job, _ = create.job_bulk_create(
        owner=request.user,
        store=store,
        action=data["action"],
        value=data["value"],
        object_ids=None if data.get("all_matching") else data["ids"],
        filters=form.filter_params() if data.get("all_matching") else None,
        idempotency_key=data["idempotency_key"],
        enqueue=tasks.job_enqueue,
        label=data.get("label") or "",
    )
    messages.success(request, f"{job.get_action_display()} started as a background job.")
    return redirect("job_detail", job_id=job.pk)


def _safe_back(request, default: str) -> str:
    """The page to return to after a refused bulk action: `back` when it is on this site."""
    back = request.POST.get("back") or ""
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return back
    return default


@require_POST
@store_view(Perm.BULK_ORDERS)
def bulk_orders(request, store):
    """Tag, untag or note many orders: `ids` (repeated or comma separated) or
    `all_matching=1` with the orders filters."""
    form = BulkOrdersForm(request.POST)
    back = _safe_back(request, reverse("store_overview", kwargs={"store": store.subdomain}))
    return _bulk_start(request, store, form, back=back, kind="orders")


@require_POST
@store_view(Perm.BULK_TICKETS)
def bulk_tickets(request, store):
    """Set the status, priority or assignee of many tickets."""
    # The store's users (a cached read) are needed only to check a chosen assignee.
    chosen = request.POST.get("change") or request.POST.get("action") or ""
    staff = store_staff_list(store=store) if chosen.startswith(Job.Action.TICKET_ASSIGNEE) else None
    form = BulkTicketsForm(request.POST, staff=staff)
    back = _safe_back(request, reverse("store_overview", kwargs={"store": store.subdomain}))
    return _bulk_start(request, store, form, back=back, kind="tickets")


def export_url_for(store, params: dict) -> str:
    """The "Export these orders" link of a store's orders list."""
    query = [("store", store.subdomain), *filters_as_query(params)]
    return f"{url_for('export_list')}?{urlencode(query)}"
