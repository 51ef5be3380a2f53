import pytest
from django.core.cache import cache

from tests.factories import MembershipFactory, OperatorFactory, StoreFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache (it lives in the test Redis)."""
    cache.clear()
    yield


@pytest.fixture
def operator(db):
    return OperatorFactory()


@pytest.fixture
def store(db):
    return StoreFactory()


@pytest.fixture
def membership_factory(db):
    return MembershipFactory


@pytest.fixture
def signed_in(client, operator):
    client.force_login(operator)
    return client
