"""Bulk jobs: exports and bulk actions.

One `Job` per request, one `JobPart` per store (one Celery task each), and for bulk
actions one `JobItem` per object acted on. Everything a job needs to resume after a
worker dies lives here, in the database: the cursor of the next page, the rows
written and the byte offset of the part's intermediate file, the lease of the task
that runs the part. Redis only carries the messages that wake the tasks up.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Job(models.Model):
    class Kind(models.TextChoices):
        EXPORT = "export", "Export"
        BULK = "bulk", "Bulk action"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"

    class Resource(models.TextChoices):
        ORDERS = "orders", "Orders"
        ORDER_LINES = "order_lines", "Order lines"
        TICKETS = "tickets", "Tickets"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (XLSX)"

    class Source(models.TextChoices):
        API = "api", "Storedesk walks the list"
        PLATFORM = "platform", "The platform's own export (date range only)"

    class Action(models.TextChoices):
        TAG_ADD = "tag_add", "Add a tag"
        TAG_REMOVE = "tag_remove", "Remove a tag"
        NOTE_ADD = "note_add", "Add a note"
        TICKET_STATUS = "ticket_status", "Set status"
        TICKET_PRIORITY = "ticket_priority", "Set priority"
        TICKET_ASSIGNEE = "ticket_assignee", "Set assignee"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)
    DONE_STATUSES = (Status.FINISHED, Status.FAILED, Status.CANCELLED, Status.EXPIRED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Null for jobs run from the command line.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.EXPORT)
    resource = models.CharField(max_length=16, choices=Resource.choices, default=Resource.ORDERS)
    action = models.CharField(max_length=20, choices=Action.choices, blank=True)
    action_value = models.CharField(max_length=2000, blank=True)
    # How the operator chose the value, for the job's title: "Solved", "Ana Lee", not "12".
    action_label = models.CharField(max_length=255, blank=True)
    # The platform's query parameters (list values for repeated keys).
    filters = models.JSONField(default=dict, blank=True)
    columns = models.JSONField(default=list, blank=True)
    format = models.CharField(max_length=8, choices=Format.choices, default=Format.CSV)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.API)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True)
    idempotency_key = models.CharField(max_length=64, blank=True)

    file = models.FileField(max_length=300, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    file_size = models.BigIntegerField(null=True, blank=True)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # When the "your job finished" notice was shown.
    notified_at = models.DateTimeField(null=True, blank=True)
    # Exports: the assembly building the file right now (dashboard.jobs.assembly). Its
    # holder (host:pid), this claim's own id (two assemblies in one process differ),
    # and until when it counts unless renewed; a dead or lapsed claim is taken over.
    assembly_owner = models.CharField(max_length=200, blank=True)
    assembly_claim = models.UUIDField(null=True, blank=True)
    assembly_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "idempotency_key"], condition=~Q(idempotency_key=""), name="one_job_per_submit"
            )
        ]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class JobPart(models.Model):
    """One store's share of a job, run by one Celery task."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="parts")
    store = models.ForeignKey("storeapi.Store", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)

    # Resume point: the cursor of the next page (empty before the first one), and
    # what the intermediate file holds up to that point.
    cursor = models.TextField(blank=True)
    pages_done = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    byte_offset = models.BigIntegerField(default=0)
    # Bulk actions: whether every matching object has been listed as a JobItem.
    collected = models.BooleanField(default=False)
    items_total = models.PositiveIntegerField(null=True, blank=True)
    items_done = models.PositiveIntegerField(default=0)
    items_failed = models.PositiveIntegerField(default=0)
    # For an estimate of the time left: the newest and the latest-reached date placed.
    first_date = models.CharField(max_length=40, blank=True)
    last_date = models.CharField(max_length=40, blank=True)
    # Platform exports: the date-range chunks, their export ids and what is done.
    platform_state = models.JSONField(default=dict, blank=True)

    # Runs started since the last page of progress; bounded (a poison job stops).
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_owner = models.CharField(max_length=200, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["job", "position"]
        constraints = [models.UniqueConstraint(fields=["job", "store"], name="one_part_per_store")]

    def __str__(self):
        return f"{self.job_id} / {self.store_id} ({self.status})"


class JobItem(models.Model):
    """One object a bulk action acts on, and what happened to it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        STARTED = "started", "Started"
        OK = "ok", "Done"
        FAILED = "failed", "Failed"

    part = models.ForeignKey(JobPart, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    object_id = models.CharField(max_length=64)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    message = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["part", "position"]
        constraints = [models.UniqueConstraint(fields=["part", "object_id"], name="one_item_per_object")]
        indexes = [models.Index(fields=["part", "status", "position"])]

    def __str__(self):
        return f"{self.object_id} ({self.status})"
