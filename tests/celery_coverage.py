"""Imported by the tests' Celery worker (`--include`, see celery_worker.py).

Under `make test` every pool process saves its coverage data after each task, not only
when it exits: some tests SIGKILL the worker or one of its pool processes on purpose,
and a killed process saves nothing. Without coverage running, this does nothing.
"""

import coverage
from celery.signals import task_postrun


@task_postrun.connect
def save_coverage(**kwargs) -> None:
    cov = coverage.Coverage.current()
    if cov is not None:
        cov.save()
