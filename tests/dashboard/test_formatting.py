"""Money in its currency, times in the store's zone, statuses and store errors in templates."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template

from dashboard.formatting import format_money
from dashboard.templatetags.storedesk import store_error_kind, store_time, zone_name
from storeapi.errors import (
    InvalidRequest,
    MissingScope,
    NotFound,
    RateLimited,
    StoreNotConnected,
    StoreUnavailable,
    TokenRevoked,
    UnexpectedResponse,
)
from tests.factories import StoreFactory


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("1234.50", "USD", "$1,234.50"),
        ("1234.5", "EUR", "€1,234.50"),
        ("99.00", "THB", "THB\u00a099.00"),
        (Decimal("1500"), "JPY", "¥1,500"),
        ("-12.5", "USD", "-$12.50"),
        ("0", "USD", "$0.00"),
        ("12.30", "", "12.30"),
        (None, "USD", "—"),
        ("not a number", "USD", "not a number"),
    ],
)
def test_money_is_shown_in_its_currency(amount, currency, shown):
    assert format_money(amount, currency) == shown


def test_times_are_in_the_store_zone_with_the_zone_shown():
    store = StoreFactory.build(timezone="America/New_York")
    html = store_time("2024-05-01T12:00:00Z", store)
    assert "2024-05-01 08:00" in html and "EDT" in html and 'title="America/New_York"' in html
    assert "2024-05-01 14:00" in store_time("2024-05-01T12:00:00Z", "Europe/Berlin")
    # A zone without a name is shown as an offset from UTC.
    assert "UTC+07" in store_time(datetime(2024, 5, 1, 12, tzinfo=UTC), "Asia/Bangkok")


def test_unparseable_times_are_shown_as_they_are():
    assert store_time("", "UTC") == "—"
    assert store_time("yesterday", "UTC") == "yesterday"


def test_zone_name_names_the_zone():
    assert zone_name(StoreFactory.build(timezone="Asia/Bangkok")) == "Asia/Bangkok (UTC+07)"


def test_store_data_in_templates_is_escaped():
    template = Template("{% load storedesk %}{{ tag|status_badge }}{{ user|customer_name }}")
    html = template.render(
        Context({"tag": "<img src=x onerror=alert(1)>", "user": {"first_name": '<b hx-get="//evil">'}})
    )
    assert "<img" not in html and "<b" not in html
    assert "&lt;img" in html and "&lt;b hx-get=&quot;//evil&quot;&gt;" in html


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (RateLimited(retry_after=3), "rate_limited"),
        (StoreUnavailable(), "unavailable"),
        (MissingScope(scope="tickets:read"), "missing_scope"),
        (TokenRevoked(), "token_revoked"),
        (StoreNotConnected(), "not_connected"),
        (NotFound(), "not_found"),
        (InvalidRequest(field_errors={"tag": ["bad"]}), "invalid"),
        (UnexpectedResponse(), "unexpected"),
    ],
)
def test_each_store_error_has_a_kind(error, kind):
    assert store_error_kind(error) == kind


def test_how_long_ago_data_was_read_is_said_in_its_largest_whole_unit():
    from datetime import UTC, datetime, timedelta

    from dashboard.templatetags.storedesk import clock_time, seconds_ago

    now = datetime.now(UTC)
    assert seconds_ago(now) == "a moment"
    assert seconds_ago(now - timedelta(seconds=8.4)) == "8 s"
    assert seconds_ago(now - timedelta(minutes=3, seconds=5)) == "3 min"
    assert seconds_ago(now - timedelta(hours=2, minutes=1)) == "2 h"
    moment = datetime(2026, 12, 1, 19, 2, 11, tzinfo=UTC)
    assert clock_time(moment, "America/New_York") == '<time datetime="2026-12-01T14:02:11-05:00">14:02:11</time>'
