from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests

from storeapi.errors import (
    InvalidRequest,
    MissingScope,
    NotFound,
    RateLimited,
    StoreUnavailable,
    TokenRevoked,
    UnexpectedResponse,
    error_from_response,
    parse_retry_after,
)


def make_response(status, body=b"", headers=None):
    response = requests.Response()
    response.status_code = status
    response._content = body if isinstance(body, bytes) else body.encode()
    response.headers.update(headers or {})
    return response


@pytest.mark.parametrize(
    ("status", "body", "error_class"),
    [
        (400, '{"email": ["Enter a valid email address."]}', InvalidRequest),
        (401, '{"detail": "Invalid token."}', TokenRevoked),
        (403, '{"detail": "You do not have permission to perform this action."}', MissingScope),
        (404, '{"detail": "Not found."}', NotFound),
        (429, '{"detail": "Request was throttled."}', RateLimited),
        (500, "<html>oops</html>", StoreUnavailable),
        (503, "", StoreUnavailable),
        (418, "{}", UnexpectedResponse),
    ],
)
def test_each_status_maps_to_its_error(status, body, error_class):
    error = error_from_response(make_response(status, body), store="acme")
    assert type(error) is error_class
    assert error.status == status
    assert error.store == "acme"
    assert error.user_message


def test_field_errors_are_kept():
    body = '{"email": ["A user with this email already exists."], "phone_number": ["Invalid phone."]}'
    error = error_from_response(make_response(400, body))
    assert error.field_errors == {
        "email": ["A user with this email already exists."],
        "phone_number": ["Invalid phone."],
    }
    assert "already exists" in error.user_message


def test_nested_field_errors_are_flattened():
    error = error_from_response(make_response(400, '{"shipping_address": {"postcode": ["Required."]}}'))
    assert error.field_errors == {"shipping_address.postcode": ["Required."]}


def test_missing_scope_names_the_scope():
    error = error_from_response(make_response(403, '{"detail": "no"}'), scope="orders:write")
    assert error.scope == "orders:write"
    assert "orders:write" in error.user_message
    assert "reconnect" in error.user_message


def test_retry_after_in_seconds_and_as_a_date():
    assert parse_retry_after("3") == 3
    assert parse_retry_after(None) == 1
    assert parse_retry_after("soon") == 1
    assert parse_retry_after("99999") == 120  # capped
    assert parse_retry_after("-5") == 0
    in_ten = format_datetime(datetime.now(UTC) + timedelta(seconds=10), usegmt=True)
    assert 8 <= parse_retry_after(in_ten) <= 10


def test_rate_limited_carries_retry_after():
    error = error_from_response(make_response(429, "", {"Retry-After": "2"}))
    assert error.retry_after == 2
    assert error.retryable


def test_every_shape_of_a_refusal_reaches_the_operator():
    """DRF answers a field's error as a list, a bare string or a nested object, and a
    refusal of the whole request as a list; each is kept with what it says."""
    body = '{"email": "Already taken.", "shipping_address": {"detail": "Not deliverable."}}'
    error = error_from_response(make_response(400, body))
    assert error.field_errors == {"email": ["Already taken."], "shipping_address": ["Not deliverable."]}
    whole = error_from_response(make_response(400, '["This order is already canceled."]'))
    assert whole.field_errors == {"non_field_errors": ["This order is already canceled."]}
    assert whole.user_message == "The store refused this: This order is already canceled."


def test_retry_after_that_is_not_a_number_or_names_no_zone():
    assert parse_retry_after("nan") == 1
    # "-0000" is an HTTP date in no particular zone: read as UTC.
    in_ten = format_datetime(datetime.now(UTC) + timedelta(seconds=10)).replace("+0000", "-0000")
    assert 8 <= parse_retry_after(in_ten) <= 10


def test_the_platforms_stock_validation_messages_become_plain_words():
    body = (
        '{"assignee": ["Invalid pk \\"99999\\" - object does not exist."],'
        ' "user": {"id": ["Invalid pk \\"7\\" - object does not exist."]},'
        ' "ticket_type": ["Incorrect type. Expected pk value, received str."],'
        ' "status": ["\\"exploded\\" is not a valid choice."],'
        ' "email": ["Enter a valid email address."]}'
    )
    error = error_from_response(make_response(400, body))
    assert error.field_errors == {
        "assignee": ["There is no store user 99999 in this store (removed, perhaps). Choose another."],
        "user.id": ["There is no customer 7 in this store (removed, perhaps). Choose another."],
        "ticket_type": ["Choose a ticket type from the list."],
        "status": ["“exploded” is not one of the values the store accepts here."],
        "email": ["Enter a valid email address."],  # already plain
    }
    assert "Invalid pk" not in error.user_message
    assert "Invalid pk" in error.message  # the store's own words, for the logs
