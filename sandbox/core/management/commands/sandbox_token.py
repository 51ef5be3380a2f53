from django.core.management.base import BaseCommand, CommandError

from sandbox.core.models import Store
from sandbox.core.partner_apps import issue_access_token


class Command(BaseCommand):
    help = "Print a new access token for a sandbox store, as Settings > API Access hands one out."

    def add_arguments(self, parser):
        parser.add_argument("--store", required=True, help="store subdomain, e.g. acme")
        parser.add_argument(
            "--scopes",
            default="store:read orders:read users:read tickets:read",
            help='space separated, e.g. "orders:read users:read"',
        )

    def handle(self, *args, **options):
        store = Store.objects.filter(subdomain=options["store"]).first()
        if store is None:
            raise CommandError(f"No sandbox store {options['store']!r}; run seed_sandbox first.")
        token = issue_access_token(store=store, scopes=options["scopes"])
        self.stdout.write(token.raw_token)
