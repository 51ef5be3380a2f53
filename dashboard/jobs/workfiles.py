"""Where a job's intermediate files live while it runs: one directory per job under
`settings.EXPORT_WORK_DIR`, one file per part (a store), removed once the job ends."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings

from ..models import Job, JobPart


def work_dir(job_id) -> Path:
    return Path(settings.EXPORT_WORK_DIR) / str(job_id)


def part_path(part: JobPart) -> Path:
    return work_dir(part.job_id) / f"part-{part.pk}.jsonl"


def remove_work_if_ended(job_id) -> None:
    if Job.objects.filter(pk=job_id).exclude(status__in=Job.ACTIVE_STATUSES).exists():
        shutil.rmtree(work_dir(job_id), ignore_errors=True)
