from django.core.management.base import BaseCommand
from django.db import transaction

from storeapi.models import Store


class Command(BaseCommand):
    help = "Re-encrypt every stored store credential with the first key of TOKEN_ENCRYPTION_KEYS."

    def handle(self, **options):
        count = 0
        with transaction.atomic():
            for store in Store.objects.select_for_update().order_by("pk"):
                store.reencrypt_credentials()
                store.save(update_fields=[*Store.ENCRYPTED_FIELDS, "updated_at"])
                count += 1
        self.stdout.write(f"Re-encrypted the credentials of {count} store(s) with the newest key.")
