"""Reads of scheduled exports: an operator's schedules (next run in the schedule's own
time zone, by the templates' `timezone` filter) and which jobs of a page a schedule started."""

from __future__ import annotations

from ..models import ExportRun, ExportSchedule


def schedules_for_operator(*, operator) -> list[ExportSchedule]:
    schedules = list(
        ExportSchedule.objects.filter(owner=operator).select_related("view", "view__store").order_by("next_run_at")
    )
    for schedule in schedules:
        schedule.last_run = schedule.runs.select_related("job").first()
    return schedules


def scheduled_runs_for_jobs(jobs) -> dict:
    """{job id: its ExportRun} for the jobs a schedule started (one query)."""
    runs = ExportRun.objects.filter(job__in=[j.pk for j in jobs]).select_related("schedule__view")
    return {run.job_id: run for run in runs}
