"""Sessions in the database, read through Redis (accounts/sessions.py), against the real
test database and Redis."""

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.sessions import SessionStore
from storeapi.redis_client import REDIS_UNAVAILABLE
from tests.factories import PASSWORD, OperatorFactory

pytestmark = pytest.mark.django_db

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"  # nothing listens there: refused at once


def signed_in_client(client):
    OperatorFactory(email="ada@example.com")
    answer = client.post(reverse("account_login"), {"login": "ada@example.com", "password": PASSWORD})
    assert answer.status_code == 302
    return client


def session_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "django_session" in q["sql"]]


def test_a_page_reads_its_session_from_redis_not_the_database(client):
    signed_in_client(client)
    key = client.session.session_key
    assert cache.get(SessionStore.cache_key_prefix + key) is not None
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("home")).status_code == 200
    assert session_queries(captured) == []


def test_a_session_redis_lost_is_read_from_the_database_and_kept_again(client):
    signed_in_client(client)
    key = SessionStore.cache_key_prefix + client.session.session_key
    cache.delete(key)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("home")).status_code == 200
    assert len(session_queries(captured)) == 1
    assert cache.get(key) is not None


def test_signing_out_deletes_the_session_from_redis_and_the_database(client):
    signed_in_client(client)
    session_key = client.session.session_key
    assert client.post(reverse("account_logout")).status_code == 302
    assert cache.get(SessionStore.cache_key_prefix + session_key) is None
    assert not Session.objects.filter(session_key=session_key).exists()
    client.cookies["sessionid"] = session_key  # the old cookie, sent again
    assert client.get(reverse("home")).status_code == 302  # to the sign-in page


def test_while_redis_does_not_answer_the_session_is_read_from_the_database(client, settings):
    signed_in_client(client)
    session_key = client.session.session_key
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": CLOSED_PORT_REDIS}}
    store = SessionStore(session_key)
    assert store.load()["_auth_user_id"]  # from the database, without raising


def test_a_session_redis_cannot_delete_is_not_deleted(client, settings):
    signed_in_client(client)
    session_key = client.session.session_key
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": CLOSED_PORT_REDIS}}
    with pytest.raises(REDIS_UNAVAILABLE):
        SessionStore(session_key).delete()
    # Not deleted anywhere: it cannot come back from Redis once Redis answers again.
    assert Session.objects.filter(session_key=session_key).exists()
