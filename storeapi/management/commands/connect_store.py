"""Connect a store with an API token, as the "paste a token" form does.

    python manage.py connect_store --store acme --owner demo@example.com --token-file -

The token is read from a file (or standard input with `-`), never from the command
line, where it would show in the process list and shell history.
"""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from storeapi.connect import ConnectError, store_connect_with_token
from storeapi.domains import InvalidStoreDomain, subdomain_from_user_input
from storeapi.models import Membership, Store
from storeapi.roles import Role


class Command(BaseCommand):
    help = "Connect a store to Storedesk with an API access token; the operator becomes its owner."

    def add_arguments(self, parser):
        parser.add_argument("--store", required=True, help="subdomain (acme) or network domain (acme.29next.store)")
        parser.add_argument("--owner", required=True, help="e-mail address of an existing operator")
        parser.add_argument("--token-file", required=True, help="file holding the token, or - for standard input")
        parser.add_argument(
            "--force", action="store_true", help="connect again even if the store is connected to this operator"
        )

    def handle(self, *, store, owner, token_file, force, **options):
        try:
            subdomain = subdomain_from_user_input(store)
        except InvalidStoreDomain:
            raise CommandError(f"{store!r} is not a store subdomain.") from None
        operator = get_user_model().objects.filter(email__iexact=owner).first()
        if operator is None:
            raise CommandError(f"No operator with the e-mail address {owner}.")

        existing = Store.objects.filter(subdomain=subdomain).first()
        if (
            not force
            and existing is not None
            and existing.is_connected
            and Membership.objects.filter(store=existing, operator=operator, role=Role.OWNER).exists()
        ):
            self.stdout.write(f"{subdomain} is already connected, with {operator.email} as owner.")
            return

        token = self._read_token(token_file)
        try:
            connected = store_connect_with_token(subdomain=subdomain, token=token, operator=operator)
        except ConnectError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Connected {connected.subdomain} ({connected.display_name}); owner: {operator.email}.")

    def _read_token(self, path: str) -> str:
        try:
            if path == "-":
                text = sys.stdin.read()
            else:
                with open(path, encoding="utf-8") as fh:
                    text = fh.read()
        except OSError as exc:
            raise CommandError(f"Cannot read the token file: {exc.strerror}.") from None
        token = text.strip()
        if not token:
            raise CommandError("The token file is empty.")
        return token
