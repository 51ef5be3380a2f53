"""Platform exports (the platform makes the file, by date range) end to end, by a real
worker and by the in-process runner, against the sandbox store."""

from dashboard.jobs.create import job_export_create
from dashboard.jobs.in_process import job_run_here
from dashboard.models import Job

from .conftest import local, read_csv, start_export, wait_for


def test_platform_export_of_a_date_range_across_stores(client, sandbox, stores, manager, celery_worker):
    everything = sandbox.orders("acme")
    day_from = everything[len(everything) // 2]["date_placed"][:10]
    day_to = everything[len(everything) // 5]["date_placed"][:10]
    job = start_export(
        client, manager, ["acme", "bergmann"], source="platform", date_placed_from=day_from, date_placed_to=day_to
    )
    assert job.source == Job.Source.PLATFORM
    wait_for(job, worker=celery_worker, timeout=180)
    assert job.status == Job.Status.FINISHED, job.error
    rows = read_csv(job)
    for name in ("acme", "bergmann"):
        expected = sandbox.order_numbers(name, date_placed_from=day_from, date_placed_to=day_to)
        assert expected
        assert [r["number"] for r in rows if r["store"] == name] == expected
    assert {r["store"] for r in rows} == {"acme", "bergmann"}
    assert rows[0]["date_placed"] == local(
        next(o for o in everything if o["number"] == rows[0]["number"])["date_placed"], "America/New_York"
    )


def test_a_platform_export_of_a_range_without_orders_is_an_empty_file(sandbox, stores, settings):
    settings.PLATFORM_EXPORT_POLL_SECONDS = 1
    job, _ = job_export_create(
        owner=None,
        stores=[stores["siam"]],
        source=Job.Source.PLATFORM,
        filters={"date_placed_from": "2001-01-01", "date_placed_to": "2001-01-31"},
    )
    job = job_run_here(job=job)
    assert job.status == Job.Status.FINISHED, job.error
    assert job.rows_total == 0 and read_csv(job) == []


def test_a_platform_range_over_the_cap_is_split_and_merged(sandbox, stores, settings):
    settings.PLATFORM_EXPORT_MAX_OBJECTS = 40
    settings.PLATFORM_EXPORT_POLL_SECONDS = 1
    everything = sandbox.orders("siam")
    day_from = everything[-1]["date_placed"][:10]
    day_to = everything[0]["date_placed"][:10]
    job, _ = job_export_create(
        owner=None,
        stores=[stores["siam"]],
        source=Job.Source.PLATFORM,
        filters={"date_placed_from": day_from, "date_placed_to": day_to},
    )
    job = job_run_here(job=job)  # the command line's path: the same code, in this process
    assert job.status == Job.Status.FINISHED, job.error
    chunks = job.parts.get().platform_state["chunks"]
    assert len(chunks) >= len(everything) // 40
    assert all(c["done"] and c["rows"] < 40 for c in chunks)
    numbers = [r["number"] for r in read_csv(job)]
    assert len(numbers) == len(set(numbers))
    assert sorted(numbers) == sorted(o["number"] for o in everything)


def test_a_platform_export_not_ready_by_its_deadline_fails_saying_so(sandbox, stores, settings):
    """Waiting for the platform starts the part's attempts over, and the task has no
    retry limit: without a deadline a file the platform never makes is polled forever."""
    settings.PLATFORM_EXPORT_POLL_SECONDS = 1
    # Past as soon as the platform is first asked (the sandbox takes a second to make a file).
    settings.PLATFORM_EXPORT_DEADLINE_SECONDS = 0
    job, _ = job_export_create(
        owner=None,
        stores=[stores["siam"]],
        source=Job.Source.PLATFORM,
        filters={"date_placed_from": "2001-01-01", "date_placed_to": "2001-01-31"},
    )
    job = job_run_here(job=job)
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("Siam: the platform did not produce its export file in time")
    part = job.parts.get()
    assert part.status == part.Status.FAILED and part.error == job.error
    assert not job.file
