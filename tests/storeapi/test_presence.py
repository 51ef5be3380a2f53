"""Presence on a store (storeapi.presence), against the real test Redis."""

import pytest

from storeapi import presence
from storeapi.redis_client import shared_redis


@pytest.fixture(autouse=True)
def _forget_marks():
    presence._marked.clear()
    yield
    presence._marked.clear()


def test_a_page_view_marks_its_operator_present():
    presence.store_seen_now_and_then(store_id=7, operator_id=1)
    presence.store_seen_now_and_then(store_id=7, operator_id=2)
    assert presence.store_operators_present(store_id=7) == 2
    assert presence.store_operators_present(store_id=7, excluding=2) == 1


def test_an_operator_marked_moments_ago_is_not_marked_again(monkeypatch):
    presence.store_seen_now_and_then(store_id=8, operator_id=1)
    shared_redis().delete(presence._key(8))  # what a second mark would write again
    presence.store_seen_now_and_then(store_id=8, operator_id=1)
    assert presence.store_operators_present(store_id=8) == 0
    monkeypatch.setattr(presence, "REMARK_SECONDS", 0)
    presence.store_seen_now_and_then(store_id=8, operator_id=1)
    assert presence.store_operators_present(store_id=8) == 1
