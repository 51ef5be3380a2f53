from django.core.management.base import BaseCommand, CommandError

from accounts.services import invitation_create
from storeapi.models import Store
from storeapi.roles import Role


class Command(BaseCommand):
    help = "Invite an e-mail address to a store with a role, and print the invitation link."

    def add_arguments(self, parser):
        parser.add_argument("--store", required=True, help="Store subdomain.")
        parser.add_argument("--email", required=True)
        parser.add_argument("--role", choices=Role.values, default=Role.VIEWER)

    def handle(self, *, store, email, role, **options):
        try:
            store_obj = Store.objects.get(subdomain=store)
        except Store.DoesNotExist:
            raise CommandError(f"No store {store!r} in Storedesk.") from None
        _, link = invitation_create(store=store_obj, email=email, role=role, invited_by=None)
        self.stdout.write(link)
