"""The store's staff: a handful of store users (the first is the owner), with names
from their own Faker so that they do not shift the rest of the seed."""

from faker import Faker

from ..models import StaffUser
from .draws import StoreSeed, ascii_slug

STAFF_COUNT = 5


def create_staff(seed: StoreSeed) -> list[StaffUser]:
    store = seed.store
    fake_en = Faker("en_US")
    fake_en.seed_instance(f"staff:{store.subdomain}")
    domain = f"{store.subdomain}.example.com"
    staff = []
    for i in range(STAFF_COUNT):
        first, last = fake_en.first_name(), fake_en.last_name()
        email = f"{ascii_slug(first)}.{ascii_slug(last)}@{domain}"
        staff.append(
            StaffUser.objects.create_staff(store=store, email=email, first_name=first, last_name=last, is_owner=i == 0)
        )
    return staff
