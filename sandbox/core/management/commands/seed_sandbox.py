import datetime as dt
import os
import secrets
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from oauth2_provider.models import Application

from sandbox.core.models import Store
from sandbox.core.partner_apps import register_client
from sandbox.core.seeding import SeedOptions, seed_store
from sandbox.core.services import staff_get_or_create

DEFAULT_REDIRECT_URI = "http://127.0.0.1:8000/oauth/callback/"
DEFAULT_APP_URL = "http://127.0.0.1:8000/oauth/app/"


class Command(BaseCommand):
    help = (
        "Seed the sandbox store with deterministic data (3 stores by default) and register the "
        "Storedesk partner app. Without --if-empty the database is wiped and seeded again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--stores", default="acme,bergmann,siam", help="comma separated subdomains")
        parser.add_argument("--orders", type=int, default=2000, help="orders per store")
        parser.add_argument("--customers", type=int, default=600, help="customers per store")
        parser.add_argument("--tickets", type=int, default=300, help="tickets per store")
        parser.add_argument(
            "--page-size", type=int, default=None, help="page size of lists (default SANDBOX_PAGE_SIZE)"
        )
        parser.add_argument(
            "--rate-limit",
            type=float,
            default=None,
            help="requests/second per token (default SANDBOX_RATE_LIMIT_PER_SECOND)",
        )
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--anchor-date", default=None, help="YYYY-MM-DD the data ends at (default today, UTC)")
        parser.add_argument("--staff-email", default=None, help="add a store user with this e-mail to every store")
        parser.add_argument("--client-id", default=os.environ.get("STOREAPI_CLIENT_ID") or "storedesk-demo")
        parser.add_argument("--client-secret", default=os.environ.get("STOREAPI_CLIENT_SECRET") or "")
        parser.add_argument("--redirect-uri", action="append", default=None, help="repeatable")
        parser.add_argument("--app-url", default=DEFAULT_APP_URL)
        parser.add_argument("--app-name", default="Storedesk")
        parser.add_argument("--if-empty", action="store_true", help="do nothing to the data when stores exist")

    def handle(self, *args, **options):
        started = time.monotonic()
        secret = options["client_secret"]
        if not secret:
            secret = secrets.token_urlsafe(40)
            self.stdout.write(f"No --client-secret or STOREAPI_CLIENT_SECRET: generated {secret}")
        stores = [s.strip() for s in options["stores"].split(",") if s.strip()]
        if options["if_empty"] and Store.objects.exists():
            self.stdout.write("Sandbox already seeded; keeping its data.")
        else:
            if Store.objects.exists() or Application.objects.exists():
                call_command("flush", interactive=False, verbosity=0)
            anchor = None
            if options["anchor_date"]:
                try:
                    day = dt.date.fromisoformat(options["anchor_date"])
                except ValueError as exc:
                    raise CommandError("--anchor-date must be YYYY-MM-DD") from exc
                anchor = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
            seed_options = SeedOptions(
                orders=options["orders"],
                customers=options["customers"],
                tickets=options["tickets"],
                page_size=options["page_size"],
                rate_limit=options["rate_limit"],
                seed=options["seed"],
                anchor=anchor,
            )
            self.stdout.write(f"Seeding {len(stores)} sandbox store(s):")
            for subdomain in stores:
                seed_store(subdomain, seed_options, log=self.stdout.write)
        if options["staff_email"]:  # after seeding: the seeded data is the same with or without it
            for store in Store.objects.all():
                staff_get_or_create(store=store, email=options["staff_email"])
        register_client(
            client_id=options["client_id"],
            client_secret=secret,
            redirect_uris=options["redirect_uri"] or [DEFAULT_REDIRECT_URI],
            app_url=options["app_url"],
            name=options["app_name"],
        )
        self.stdout.write(
            f"Partner app {options['client_id']!r} registered. Done in {time.monotonic() - started:.1f} s."
        )
