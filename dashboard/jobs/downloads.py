"""Downloading a finished export: for its owner, while their role in every store in it
still allows exports, until the file expires. Each download is recorded in those
stores' audit logs."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from ..audit import audit_record
from ..models import Job
from . import selectors


class FileExpired(Exception):
    """The export's file is past its retention, or no longer in storage."""


def job_download_open(*, job: Job, operator):
    """The finished export's file, opened for `operator`, and the download recorded in
    the audit log of each store in the job. Raises FileExpired past retention (or when
    storage lost the file), Http404 when the operator is no longer a member of every
    store in it or there is none, PermissionDenied when their role in one of them no
    longer allows exports (the rights of now count, not those the export was made with)."""
    if not selectors.job_member_allowed(job=job, operator=operator):
        raise Http404("No such job.")
    if not selectors.job_download_allowed(job=job, operator=operator):
        raise PermissionDenied("Your role in a store of this export no longer allows exports.")
    if job.status == Job.Status.EXPIRED or (job.expires_at and job.expires_at <= timezone.now()):
        raise FileExpired
    if job.status != Job.Status.FINISHED or not job.file:
        raise Http404("This job has no file.")
    try:
        handle = job.file.open("rb")
    except OSError as exc:  # FileNotFoundError included: deleted behind our back
        raise FileExpired from exc
    for part in job.parts.all():
        audit_record(
            operator=operator,
            store=part.store,
            action="export.downloaded",
            object_type="job",
            object_id=job.pk,
            summary=f"Downloaded {job.file_name}",
            details={"rows": job.rows_total, "size": job.file_size},
        )
    return handle
