"""Who has a ticket open (dashboard/presence.py), against the test Redis."""

import time

import pytest

from dashboard.presence import (
    ticket_presence_leave,
    ticket_presence_touch,
    tickets_presence,
    tickets_presence_and_new_counts,
)
from storeapi.events import new_count_bump, new_counts
from storeapi.redis_client import shared_redis
from tests.factories import OperatorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana():
    return OperatorFactory(name="Ana Lima")


@pytest.fixture
def ben():
    return OperatorFactory(name="Ben Okafor")


def test_an_operator_sees_the_others_on_a_ticket_not_themselves(ana, ben):
    assert ticket_presence_touch(store_id=1, ticket_id=7, operator=ana) == []
    others = ticket_presence_touch(store_id=1, ticket_id=7, operator=ben)
    assert [(p.operator_id, p.name, p.typing) for p in others] == [(ana.pk, "Ana Lima", False)]
    assert [p.name for p in ticket_presence_touch(store_id=1, ticket_id=7, operator=ana)] == ["Ben Okafor"]


def test_presence_is_per_store_and_ticket(ana, ben):
    ticket_presence_touch(store_id=1, ticket_id=7, operator=ana)
    assert ticket_presence_touch(store_id=2, ticket_id=7, operator=ben) == []  # another store's ticket 7
    assert ticket_presence_touch(store_id=1, ticket_id=8, operator=ben) == []


def test_typing_shows_and_is_kept_by_the_polls_in_between(ana, ben):
    ticket_presence_touch(store_id=1, ticket_id=7, operator=ana, typing=True)
    ticket_presence_touch(store_id=1, ticket_id=7, operator=ana)  # the next poll, no key pressed since
    (seen,) = ticket_presence_touch(store_id=1, ticket_id=7, operator=ben)
    assert seen.typing is True


def test_a_sent_reply_stops_the_typing_at_once(ana, ben):
    ticket_presence_touch(store_id=1, ticket_id=7, operator=ana, typing=True)
    ticket_presence_touch(store_id=1, ticket_id=7, operator=ana, typing=False)
    (seen,) = ticket_presence_touch(store_id=1, ticket_id=7, operator=ben)
    assert seen.typing is False


def test_typing_runs_out(settings, ana, ben):
    settings.TICKET_TYPING_SECONDS = 0.2
    ticket_presence_touch(store_id=1, ticket_id=7, operator=ana, typing=True)
    time.sleep(0.3)
    ticket_presence_touch(store_id=1, ticket_id=7, operator=ana)
    (seen,) = ticket_presence_touch(store_id=1, ticket_id=7, operator=ben)
    assert seen.typing is False


def test_since_is_kept_while_present(ana, ben):
    ticket_presence_touch(store_id=1, ticket_id=7, operator=ana)
    (first,) = ticket_presence_touch(store_id=1, ticket_id=7, operator=ben)
    time.sleep(0.02)
    ticket_presence_touch(store_id=1, ticket_id=7, operator=ana)  # Ana's next poll
    (later,) = ticket_presence_touch(store_id=1, ticket_id=7, operator=ben)
    assert later.since_ms == first.since_ms  # there since her first mark


def test_a_mark_runs_out_and_the_key_with_it(settings, ana, ben):
    settings.TICKET_PRESENCE_SECONDS = 0.3
    ticket_presence_touch(store_id=1, ticket_id=7, operator=ana)
    key = "dashboard:ticket-presence:1:7"
    assert 0 < shared_redis().pttl(key) <= 300
    time.sleep(0.4)
    assert shared_redis().exists(key) == 0  # Redis forgot it by itself
    assert ticket_presence_touch(store_id=1, ticket_id=7, operator=ben) == []


def test_someone_who_left_silently_is_ignored_then_dropped(settings, ana, ben):
    settings.TICKET_PRESENCE_SECONDS = 0.3
    ticket_presence_touch(store_id=1, ticket_id=7, operator=ana)
    for _ in range(3):  # Ben keeps the hash alive; Ana stopped asking
        time.sleep(0.15)
        others = ticket_presence_touch(store_id=1, ticket_id=7, operator=ben)
    assert others == []
    assert shared_redis().hkeys("dashboard:ticket-presence:1:7") == [str(ben.pk).encode()]


def test_leaving_drops_the_mark_at_once(ana, ben):
    ticket_presence_touch(store_id=1, ticket_id=7, operator=ana)
    ticket_presence_leave(store_id=1, ticket_id=7, operator_id=ana.pk)
    assert ticket_presence_touch(store_id=1, ticket_id=7, operator=ben) == []


def test_the_inbox_reads_every_ticket_in_one_round_trip(ana, ben):
    ticket_presence_touch(store_id=1, ticket_id=7, operator=ana)
    ticket_presence_touch(store_id=2, ticket_id=9, operator=ana, typing=True)
    ticket_presence_touch(store_id=1, ticket_id=8, operator=ben)
    found = tickets_presence([(1, 7), (1, 8), (2, 9), (1, 10)], excluding=ben.pk)
    assert {key: [(p.name, p.typing) for p in others] for key, others in found.items()} == {
        (1, "7"): [("Ana Lima", False)],
        (2, "9"): [("Ana Lima", True)],
    }
    assert tickets_presence([], excluding=ben.pk) == {}


def test_the_inbox_reads_presence_and_the_new_counts_together(acme, ana, ben):
    ticket_presence_touch(store_id=acme.pk, ticket_id=7, operator=ana, typing=True)
    new_count_bump(acme, "tickets", 2)
    new_count_bump(acme, "orders", 1)
    tickets = [(acme.pk, 7), (acme.pk, 8)]
    counts, found = tickets_presence_and_new_counts(acme, tickets, excluding=ben.pk, seen=None)
    assert counts == {"orders": 1, "customers": 0, "tickets": 2} == new_counts(acme)
    assert found.keys() == tickets_presence(tickets, excluding=ben.pk).keys() == {(acme.pk, "7")}
    assert [(p.name, p.typing) for p in found[(acme.pk, "7")]] == [("Ana Lima", True)]
    # The inbox's list is looked at: its count is reset first, the others read as they are.
    counts, found = tickets_presence_and_new_counts(acme, tickets, excluding=ana.pk, seen="tickets")
    assert counts == {"orders": 1, "customers": 0, "tickets": 0} == new_counts(acme)
    assert found == {}  # Ana is not shown to herself
    # An empty page reads only the counts.
    assert tickets_presence_and_new_counts(acme, [], excluding=ben.pk, seen=None) == (new_counts(acme), {})
    with pytest.raises(ValueError):
        tickets_presence_and_new_counts(acme, tickets, excluding=ben.pk, seen="carts")


def test_a_stranger_value_in_the_hash_is_ignored(ana, ben):
    shared_redis().hset("dashboard:ticket-presence:1:7", mapping={"x": "not json", str(ana.pk): "[]"})
    assert ticket_presence_touch(store_id=1, ticket_id=7, operator=ben) == []
    assert shared_redis().hkeys("dashboard:ticket-presence:1:7") == [str(ben.pk).encode()]


def test_an_operator_without_a_name_shows_as_their_email(ben):
    nameless = OperatorFactory(name="")
    ticket_presence_touch(store_id=1, ticket_id=7, operator=nameless)
    (seen,) = ticket_presence_touch(store_id=1, ticket_id=7, operator=ben)
    assert seen.name == nameless.email


def test_without_redis_nobody_is_present(settings, ana, acme):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    assert ticket_presence_touch(store_id=1, ticket_id=7, operator=ana) == []
    assert tickets_presence([(1, 7)], excluding=None) == {}
    assert tickets_presence_and_new_counts(acme, [(1, 7)], excluding=None, seen="tickets") == (
        {"orders": 0, "customers": 0, "tickets": 0},
        {},
    )
    ticket_presence_leave(store_id=1, ticket_id=7, operator_id=ana.pk)
