"""Which errors mean a service is not answering (dashboard/views/errors.py): real
exceptions from a refused Redis connection, not made-up ones."""

import redis
from django.db import OperationalError

from config import embedded_redis
from dashboard.views.errors import DATABASE, REDIS, outage_of


def refused_redis_error() -> redis.RedisError:
    client = redis.Redis(port=embedded_redis.free_port(), socket_connect_timeout=1)  # nothing listens there
    try:
        client.ping()
    except redis.RedisError as error:
        return error
    raise AssertionError("a Redis answered on a free port")


def test_a_refused_redis_is_a_redis_outage_also_when_raised_from():
    error = refused_redis_error()
    assert outage_of(error) is REDIS
    try:
        raise RuntimeError("while reading the cache") from error
    except RuntimeError as wrapped:
        assert outage_of(wrapped) is REDIS


def test_a_database_error_is_a_database_outage():
    assert outage_of(OperationalError("server closed the connection unexpectedly")) is DATABASE


def test_other_errors_are_no_outage():
    assert outage_of(ValueError("a bug")) is None
    assert outage_of(redis.exceptions.ResponseError("WRONGTYPE")) is None  # a bug, not an outage
    assert outage_of(None) is None
