"""Scheduled exports: when a schedule runs next, starting its due runs, and e-mailing
their outcome.

Starting (beat's `export_schedules_tick`, every few minutes): each due schedule is
claimed with a row lock that a second beat or worker skips, its next time computed and
its run recorded in the same transaction, so a due time starts one run, whatever runs
concurrently. The run starts the same export job as the Exports page
(`jobs.create.job_export_create`), owned by the schedule's owner, for the stores where
the owner is a member whose role allows exports *now*; a store that no longer allows it
is skipped and named, and a run left with no store starts nothing and fails.

E-mail: a finished run sends its download link (an absolute URL; the link asks the
operator to sign in and checks their rights again). A failed run sends one e-mail per
failure streak: the schedule is marked failing when the first is sent, and the next
success clears the mark.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from storeapi.models import Membership
from storeapi.roles import Perm

from ..audit import audit_record
from ..jobs.create import Enqueue, job_export_create
from ..models import ExportRun, ExportSchedule, Job, SavedView
from ..selectors.saved_views import list_filter_form, view_visible_get

logger = logging.getLogger(__name__)

ENDED = (Job.Status.FINISHED, Job.Status.FAILED, Job.Status.CANCELLED, Job.Status.EXPIRED)


class ScheduleRefused(Exception):
    """The owner's memberships or roles no longer allow this run: nothing is exported."""


# --- when -------------------------------------------------------------------------------------


def next_run_after(*, frequency: str, weekday: int, hour: int, zone: str, after: datetime) -> datetime:
    """The first time after `after` (UTC) that the schedule is due: `hour`:00 local time
    in `zone`, every day or on `weekday` (Monday 0). An hour that a change to summer time
    skips (02:00 in Berlin on the last Sunday of March) is read with the offset before
    the change, so that day's run is an hour later by the clock (03:00); an hour that
    happens twice (October) runs at the first of the two."""
    tz = ZoneInfo(zone)
    first_day = after.astimezone(tz).date()
    for offset in range(9):
        day = first_day + timedelta(days=offset)
        if frequency == ExportSchedule.Frequency.WEEKLY and day.weekday() != weekday:
            continue
        due = datetime.combine(day, time(hour), tzinfo=tz).astimezone(UTC)
        if due > after:
            return due
    raise AssertionError("no run time within nine days")  # unreachable: a week has every weekday


def schedule_next_run(schedule: ExportSchedule, *, after: datetime) -> datetime:
    return next_run_after(
        frequency=schedule.frequency,
        weekday=schedule.weekday,
        hour=schedule.hour,
        zone=schedule.timezone,
        after=after,
    )


# --- making and changing schedules ------------------------------------------------------------


def schedule_save(*, schedule: ExportSchedule, now: datetime | None = None) -> ExportSchedule:
    """Create or change a schedule (fields set by the form); its next run follows."""
    created = schedule.pk is None
    schedule.next_run_at = schedule_next_run(schedule, after=now or timezone.now())
    with transaction.atomic():
        schedule.save()
        _schedule_audit(schedule, action="schedule.created" if created else "schedule.changed")
    return schedule


def schedule_delete(*, schedule: ExportSchedule) -> None:
    with transaction.atomic():
        _schedule_audit(schedule, action="schedule.deleted")
        schedule.delete()


def schedule_description(schedule: ExportSchedule) -> str:
    """ "every week on Friday at 07:00 (Europe/Berlin), CSV" """
    if schedule.frequency == ExportSchedule.Frequency.DAILY:
        when = "every day"
    else:
        when = f"every week on {schedule.get_weekday_display()}"
    paused = "" if schedule.enabled else ", paused"
    return f"{when} at {schedule.hour:02d}:00 ({schedule.timezone}), {schedule.format.upper()}{paused}"


def _schedule_audit(schedule: ExportSchedule, *, action: str) -> None:
    """In the log of every store the schedule exports from now, as an export is: a
    recurring export of a store's orders is for its owners to see. A schedule that
    exports from no store now (the owner lost their rights) is still recorded."""
    try:
        stores, _skipped = schedule_stores(schedule)
    except ScheduleRefused:
        stores = [schedule.view.store] if schedule.view.store_id else [None]
    for store in stores:
        audit_record(
            operator=schedule.owner,
            store=store,
            action=action,
            object_type="schedule",
            object_id=schedule.pk,
            summary=f"Scheduled export of the view “{schedule.view.name}”: {schedule_description(schedule)}",
            details={
                "view": schedule.view_id,
                "frequency": schedule.frequency,
                "weekday": schedule.weekday,
                "hour": schedule.hour,
                "timezone": schedule.timezone,
                "format": schedule.format,
                "enabled": schedule.enabled,
            },
        )


# --- who may run it, and where ----------------------------------------------------------------


def schedule_stores(schedule: ExportSchedule) -> tuple[list, list[str]]:
    """The stores this run exports, as the owner's memberships and roles are now, and
    what was skipped and why. Raises ScheduleRefused when nothing is left."""
    view = schedule.view
    memberships = list(Membership.objects.for_operator(schedule.owner))
    if view_visible_get(operator=schedule.owner, memberships=memberships, view_id=view.pk) is None:
        raise ScheduleRefused(f"The view “{view.name}” is no longer shared with you.")
    by_store = {m.store_id: m for m in memberships}
    if view.store_id is not None:
        membership = by_store.get(view.store_id)
        if membership is None:
            raise ScheduleRefused(f"You are no longer a member of {view.store.display_name}: nothing was exported.")
        if not membership.allows(Perm.EXPORT_ORDERS):
            raise ScheduleRefused(
                f"Your role in {view.store.display_name} no longer allows exports: nothing was exported."
            )
        return [membership.store], []
    named = QueryDict(view.query).getlist("stores")
    mine = {m.store.subdomain: m for m in memberships}
    candidates = named or [m.store.subdomain for m in memberships]
    stores, skipped = [], []
    for subdomain in candidates:
        membership = mine.get(subdomain)
        if membership is None:
            skipped.append(f"{subdomain}: you are no longer a member")
        elif not membership.allows(Perm.EXPORT_ORDERS):
            skipped.append(f"{membership.store.display_name}: your role no longer allows exports")
        else:
            stores.append(membership.store)
    if not stores:
        raise ScheduleRefused("None of the view's stores allows you to export now: nothing was exported.")
    return stores, skipped


def schedule_filters(schedule: ExportSchedule) -> dict:
    """The view's filters, validated again by its list's form, as a job keeps them."""
    view = schedule.view
    memberships = list(Membership.objects.for_operator(schedule.owner))
    form = list_filter_form(
        kind=SavedView.Kind.ORDERS, store=view.store, memberships=memberships, data=QueryDict(view.query)
    )
    return form.filter_params()


# --- starting due runs ------------------------------------------------------------------------


def schedule_run_next_due(*, now: datetime, enqueue: Enqueue | None) -> ExportRun | None:
    """Claim one due schedule (skipping any another process holds), advance it, and
    start its run, all in one transaction. None when nothing is due."""
    with transaction.atomic():
        schedule = (
            ExportSchedule.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("view", "view__store", "owner")
            .filter(enabled=True, next_run_at__lte=now)
            .order_by("next_run_at", "pk")
            .first()
        )
        if schedule is None:
            return None
        return _schedule_start(schedule, now=now, enqueue=enqueue)


def _schedule_start(schedule: ExportSchedule, *, now: datetime, enqueue: Enqueue | None) -> ExportRun:
    due = schedule.next_run_at
    schedule.last_run_at = now
    schedule.next_run_at = schedule_next_run(schedule, after=max(now, due))
    schedule.save(update_fields=["last_run_at", "next_run_at", "updated_at"])
    try:
        stores, skipped = schedule_stores(schedule)
    except ScheduleRefused as refused:
        return ExportRun.objects.create(
            schedule=schedule, due_at=due, outcome=ExportRun.Outcome.REFUSED, message=str(refused)
        )
    job, _created = job_export_create(
        owner=schedule.owner,
        stores=stores,
        resource=Job.Resource.ORDERS,
        filters=schedule_filters(schedule),
        fmt=schedule.format,
        idempotency_key=f"schedule-{schedule.pk}-{int(due.timestamp())}",
        enqueue=enqueue,
    )
    message = ("Skipped: " + "; ".join(skipped) + ".") if skipped else ""
    return ExportRun.objects.create(
        schedule=schedule, job=job, due_at=due, outcome=ExportRun.Outcome.STARTED, message=message
    )


def schedules_run_due(*, enqueue: Enqueue | None, now: datetime | None = None, limit: int = 100) -> list[ExportRun]:
    now = now or timezone.now()
    runs = []
    while len(runs) < limit:
        run = schedule_run_next_due(now=now, enqueue=enqueue)
        if run is None:
            break
        runs.append(run)
    return runs


# --- e-mail -----------------------------------------------------------------------------------


def export_runs_notify(*, now: datetime | None = None) -> int:
    """E-mail the outcome of every run that has one and was not announced yet (oldest
    first, so that a failure streak starts where it did). The e-mails sent."""
    pending = (
        ExportRun.objects.filter(mailed_at__isnull=True)
        .filter(Q(outcome=ExportRun.Outcome.REFUSED) | Q(job__status__in=ENDED) | Q(job__isnull=True))
        .order_by("started_at", "pk")
        .values_list("pk", flat=True)
    )
    return sum(export_run_notify(run_id=pk, now=now) for pk in list(pending))


def export_run_notify_for_job(*, job_id) -> bool:
    """Right after a job ends: e-mail its run's outcome, if a schedule started it."""
    run = ExportRun.objects.filter(job_id=job_id, mailed_at__isnull=True).first()
    return export_run_notify(run_id=run.pk) if run else False


def export_run_notify(*, run_id: int, now: datetime | None = None) -> bool:
    """Announce one run's outcome once (claimed under the schedule's row lock, which also
    orders the failure-streak decisions). Whether an e-mail was sent."""
    now = now or timezone.now()
    with transaction.atomic():
        run = ExportRun.objects.select_related("job", "schedule").filter(pk=run_id).first()
        if run is None:
            return False
        schedule = ExportSchedule.objects.select_for_update().select_related("owner", "view").get(pk=run.schedule_id)
        if not ExportRun.objects.filter(pk=run.pk, mailed_at__isnull=True).update(mailed_at=now):
            return False  # announced by another process meanwhile
        job = run.job
        if run.outcome == ExportRun.Outcome.STARTED and job is not None and job.status not in ENDED:
            ExportRun.objects.filter(pk=run.pk).update(mailed_at=None)  # not ended yet
            return False
        if job is not None and job.status == Job.Status.FINISHED:
            _mail(schedule, run, "finished", subject=f"Your scheduled export “{schedule.view.name}” is ready")
            if schedule.failing:
                schedule.failing = False
                schedule.save(update_fields=["failing", "updated_at"])
            return True
        if schedule.failing:
            return False  # this failure streak was announced already
        _mail(schedule, run, "failed", subject=f"Your scheduled export “{schedule.view.name}” failed")
        schedule.failing = True
        schedule.failure_notified_at = now
        schedule.save(update_fields=["failing", "failure_notified_at", "updated_at"])
        return True


def _mail(schedule: ExportSchedule, run: ExportRun, outcome: str, *, subject: str) -> None:
    job = run.job
    context = {
        "schedule": schedule,
        "run": run,
        "job": job,
        "reason": run.message if run.outcome == ExportRun.Outcome.REFUSED else (job.error if job else ""),
        "download_url": f"{settings.SITE_URL}{reverse('job_download', args=[job.pk])}" if job else "",
        "job_url": f"{settings.SITE_URL}{reverse('job_detail', args=[job.pk])}" if job else "",
        "schedules_url": f"{settings.SITE_URL}{reverse('schedule_list')}",
    }
    body = render_to_string(f"dashboard/export_schedules/email_{outcome}.txt", context)
    send_mail(subject, body, None, [schedule.owner.email], fail_silently=False)
