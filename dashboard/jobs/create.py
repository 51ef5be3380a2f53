"""Creating jobs: an export of one or more stores, or a bulk action on one store.

Each creation is recorded in the audit log of every store it touches. A repeated submit
with the same idempotency key returns the first job instead of making a second one.
Creating does not start the work: `enqueue`, when given, is called once the new job is
committed (the views pass `dashboard.tasks.job_enqueue`, which hands its parts to the
workers); without it, the caller runs the job itself (the command line, tests).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction

from ..audit import audit_record
from ..models import Job, JobItem, JobPart
from . import columns as cols
from .resources import TICKET_ACTIONS

Enqueue = Callable[..., None]  # enqueue(job=job)


def _existing(owner, idempotency_key: str) -> Job | None:
    if not idempotency_key or owner is None:
        return None
    return Job.objects.filter(owner=owner, idempotency_key=idempotency_key).first()


def _create(owner, idempotency_key: str, build) -> tuple[Job, bool]:
    existing = _existing(owner, idempotency_key)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            job = build()
    except IntegrityError:
        existing = _existing(owner, idempotency_key)
        if existing is None:
            raise
        return existing, False
    return job, True


def job_export_create(
    *,
    owner,
    stores: list,
    resource: str = Job.Resource.ORDERS,
    filters: dict | None = None,
    fmt: str = Job.Format.CSV,
    columns: list[str] | None = None,
    source: str = Job.Source.API,
    idempotency_key: str = "",
    enqueue: Enqueue | None = None,
) -> tuple[Job, bool]:
    """A new export of `stores` (in that order). Returns (job, created); a repeated
    submit with the same idempotency key returns the first job.

    `filters` are already cleaned, as a filter form's `filter_params()` gives them:
    the platform's query parameters, strings and lists of strings."""
    keys = [c.key for c in cols.columns_for(resource, columns)]

    def build():
        job = Job.objects.create(
            owner=owner,
            kind=Job.Kind.EXPORT,
            resource=resource,
            filters=dict(filters or {}),
            columns=keys if source == Job.Source.API else [],
            format=fmt,
            source=source,
            idempotency_key=idempotency_key,
        )
        for position, store in enumerate(stores):
            JobPart.objects.create(job=job, store=store, position=position)
            audit_record(
                operator=owner,
                store=store,
                action="export.created",
                object_type="job",
                object_id=job.pk,
                summary=f"Export of {job.get_resource_display().lower()} as {fmt.upper()}",
                details={"filters": job.filters, "stores": [s.subdomain for s in stores]},
            )
        if enqueue is not None:
            transaction.on_commit(lambda: enqueue(job=job))
        return job

    return _create(owner, idempotency_key, build)


def job_bulk_create(
    *,
    owner,
    store,
    action: str,
    value: str = "",
    object_ids: list[str] | None = None,
    filters: dict | None = None,
    idempotency_key: str = "",
    enqueue: Enqueue | None = None,
    label: str = "",
) -> tuple[Job, bool]:
    """A bulk action on the given objects, or on every object matching `filters`
    (cleaned, as for job_export_create). `label`: the value as the operator chose it
    (a status's or a person's name), for the job's title."""
    resource = Job.Resource.TICKETS if action in TICKET_ACTIONS else Job.Resource.ORDERS

    def build():
        job = Job.objects.create(
            owner=owner,
            kind=Job.Kind.BULK,
            resource=resource,
            action=action,
            action_value=value,
            action_label=label[:255],
            filters={} if object_ids is not None else dict(filters or {}),
            idempotency_key=idempotency_key,
        )
        part = JobPart.objects.create(job=job, store=store, position=0)
        if object_ids is not None:
            unique_ids = list(dict.fromkeys(str(i) for i in object_ids))
            JobItem.objects.bulk_create(
                [JobItem(part=part, position=n, object_id=oid) for n, oid in enumerate(unique_ids)]
            )
            part.collected = True
            part.items_total = len(unique_ids)
            part.save(update_fields=["collected", "items_total"])
        audit_record(
            operator=owner,
            store=store,
            action="bulk.created",
            object_type="job",
            object_id=job.pk,
            summary=f"Bulk {job.get_action_display().lower()} on "
            + (f"{len(object_ids)} {resource}" if object_ids is not None else f"all matching {resource}"),
            details={"value": value, "filters": job.filters, "count": None if object_ids is None else len(object_ids)},
        )
        if enqueue is not None:
            transaction.on_commit(lambda: enqueue(job=job))
        return job

    return _create(owner, idempotency_key, build)
