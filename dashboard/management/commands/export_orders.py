"""Export orders from the command line, with the same code as the web jobs.

    python manage.py export_orders --store acme --format csv --out orders.csv \\
        [--store bergmann ...] [--lines] [--status open --date-from 2026-01-01 ...]

The job is recorded like a web job (without an owner) and run in this process: each
store's part walks its pages at bulk priority and the assembly step writes the file,
which is then copied to `--out`. A progress line is shown on a terminal.
"""

from __future__ import annotations

import shutil
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from storeapi.models import Store

from ... import tasks
from ...forms.filters import OrderFilterForm
from ...jobs import columns as cols
from ...jobs.create import job_export_create
from ...jobs.in_process import job_run_here
from ...models import Job, JobPart


class Command(BaseCommand):
    help = "Export the orders (or order lines) of one or more stores to a CSV or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("--store", action="append", required=True, help="Store subdomain; repeat or comma separate")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--out", required=True, help="Where to write the file")
        parser.add_argument("--lines", action="store_true", help="One row per order line instead of per order")
        parser.add_argument("--columns", default="", help="Comma separated column keys (default: the usual set)")
        parser.add_argument("--status", action="append", default=[], help="open, canceled, archived")
        parser.add_argument("--payment-status", action="append", default=[])
        parser.add_argument("--fulfillment-status", action="append", default=[])
        parser.add_argument("--date-from", help="YYYY-MM-DD (date placed, in the store's timezone)")
        parser.add_argument("--date-to", help="YYYY-MM-DD")
        parser.add_argument("--search", default="")
        parser.add_argument("--tags", default="", help="Comma separated")
        parser.add_argument("--is-test", choices=["true", "false"])
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        subdomains = [s.strip() for value in options["store"] for s in value.split(",") if s.strip()]
        stores = []
        for subdomain in dict.fromkeys(subdomains):
            store = Store.objects.filter(subdomain=subdomain).first()
            if store is None:
                raise CommandError(f"No store {subdomain!r}.")
            stores.append(store)
        form = OrderFilterForm(
            {
                "status": options["status"],
                "payment_status": options["payment_status"],
                "fulfillment_status": options["fulfillment_status"],
                "date_placed_from": options["date_from"] or "",
                "date_placed_to": options["date_to"] or "",
                "search_text": options["search"],
                "tags": options["tags"],
                "is_test": options["is_test"] or "",
            }
        )
        if not form.is_valid():
            errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
            raise CommandError(f"Invalid filters: {errors}")
        resource = Job.Resource.ORDER_LINES if options["lines"] else Job.Resource.ORDERS
        keys = [c.strip() for c in options["columns"].split(",") if c.strip()]
        unknown = set(keys) - {c.key for c in cols.COLUMNS_BY_RESOURCE[resource]}
        if unknown:
            raise CommandError(f"Unknown columns: {', '.join(sorted(unknown))}")

        job, _ = job_export_create(
            owner=None,
            stores=stores,
            resource=resource,
            filters=form.filter_params(),
            fmt=options["format"],
            columns=keys,
        )
        show = not options["no_progress"] and sys.stderr.isatty()
        started = time.monotonic()

        def on_page(part_id):
            if not show:
                return
            rows = sum(JobPart.objects.filter(job=job).values_list("rows_written", flat=True))
            pages = sum(JobPart.objects.filter(job=job).values_list("pages_done", flat=True))
            rate = rows / max(time.monotonic() - started, 0.001)
            sys.stderr.write(f"\r{rows:>9,} rows  {pages:>6,} pages  {rate:8,.0f} rows/s")
            sys.stderr.flush()

        job = job_run_here(job=job, on_page=on_page, enqueue_part=tasks.part_enqueue)
        if show:
            sys.stderr.write("\n")
        if job.status != Job.Status.FINISHED:
            raise CommandError(job.error or f"The export ended as {job.status}.")
        with job.file.open("rb") as source, open(options["out"], "wb") as target:
            shutil.copyfileobj(source, target)
        self.stdout.write(f"{job.rows_total} rows from {len(stores)} store(s) written to {options['out']}")
