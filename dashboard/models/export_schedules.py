"""Scheduled exports of a saved orders view: daily or weekly, at an hour in a time zone.

Beat's task (dashboard.tasks.export_schedules_tick) starts every schedule whose
`next_run_at` has passed, claiming it with a row lock that other beats and workers skip
(`select_for_update(skip_locked=True)`), and advances `next_run_at` in the same
transaction as the run is recorded: a schedule starts once per due time. Each run starts
the same export job as the Exports page, owned by the schedule's owner, after checking
their membership and role in every store now (dashboard.services.export_schedules).
"""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from .jobs import Job
from .saved_views import SavedView


def validate_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError("Unknown time zone.") from None


class ExportSchedule(models.Model):
    class Frequency(models.TextChoices):
        DAILY = "daily", "Every day"
        WEEKLY = "weekly", "Every week"

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_schedules")
    view = models.ForeignKey(SavedView, on_delete=models.CASCADE, related_name="schedules")
    frequency = models.CharField(max_length=8, choices=Frequency.choices, default=Frequency.DAILY)
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.MONDAY)
    hour = models.PositiveSmallIntegerField(default=6)  # 0-23, local time in `timezone`
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_zone])
    format = models.CharField(max_length=8, choices=Job.Format.choices, default=Job.Format.CSV)
    enabled = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(db_index=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    # A failure streak is announced once: set when its first failure is e-mailed,
    # cleared by the next run that succeeds.
    failing = models.BooleanField(default=False)
    failure_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["next_run_at", "pk"]

    def __str__(self):
        return f"{self.view} ({self.frequency})"


class ExportRun(models.Model):
    """One start of a schedule: the job it started, or why it started none."""

    class Outcome(models.TextChoices):
        STARTED = "started", "Started"
        REFUSED = "refused", "Not started"  # membership or role no longer allow it

    schedule = models.ForeignKey(ExportSchedule, on_delete=models.CASCADE, related_name="runs")
    job = models.OneToOneField(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="scheduled_run")
    due_at = models.DateTimeField()
    started_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    message = models.TextField(blank=True)  # why refused, or the stores skipped
    # When its outcome was e-mailed (or deliberately not: a failure streak already announced).
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [models.UniqueConstraint(fields=["schedule", "due_at"], name="one_run_per_due_time")]

    def __str__(self):
        return f"{self.schedule_id} at {self.due_at}: {self.outcome}"
