import pytest
from django.core.cache import cache

from storeapi import background
from tests.factories import MembershipFactory, OperatorFactory, StoreFactory

# own_redis, own_redis_web, acme_owner: a web server whose Redis a test stops (tests/redis_down.py).
pytest_plugins = ["tests.redis_down"]


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache (it lives in the test Redis), and the cached
    reads it had refreshed in the background are done before the next one starts."""
    cache.clear()
    yield
    background.drain()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many operators; PBKDF2 takes about half a second per password.
    What is tested is not the hasher (Django's own advice for test settings)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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


@pytest.fixture(scope="session")
def sandbox():
    """The sandbox store, running as a real server for the whole session (tests/sandbox_server.py)."""
    from tests import sandbox_server

    server, process, files = sandbox_server.start()
    try:
        yield server
    finally:
        sandbox_server.stop(process, files)


@pytest.fixture(autouse=True)
def _sandbox_hygiene():
    """Stores whose faults or rate limit a test changed are reset after it."""
    yield
    from tests import sandbox_server

    server = sandbox_server.running()
    if server is not None and server._dirty:
        server.reset()


# --- a real Celery worker (tests/celery_worker.py) ------------------------------------------

from tests import celery_worker as _celery_worker  # noqa: E402

_celery_worker.use_session_queue()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """One `celery worker` subprocess for the session, on the test database and a queue
    of its own. Stopped before the test database is dropped."""
    with django_db_blocker.unblock():
        worker = _celery_worker.WorkerProcess().start()
    try:
        yield worker
    finally:
        worker.stop()


@pytest.fixture
def celery_worker(celery_worker_process, transactional_db):
    """The session's worker, ready for this test: use with committed data (transactional_db)."""
    _celery_worker.declare_queue()
    return celery_worker_process
