"""The rule for edits made by a team at once (dashboard/services/edits.py): the decision
itself, and two operators tagging one order at the same moment against the sandbox."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from dashboard.services.edits import FieldChange, changed_fields, merge
from storeapi.roles import Role
from tests.factories import MembershipFactory, OperatorFactory
from tests.storeapi.wiretap import before_sending

from .conftest import HX, api_get, new_paid_order

FIELDS = ("status", "priority")
DRAWN = {"status": "new", "priority": "low", "updated_at": "2026-01-01T10:00:00Z"}  # as the form showed it


LATER = "2026-01-01T10:05:00Z"


def now(version="2026-01-01T10:00:00Z", **values):
    return {"status": "new", "priority": "low", "updated_at": version, **values}


def test_only_what_the_operator_changed_counts():
    assert changed_fields(drawn=DRAWN, values={"status": "new", "priority": "high"}, fields=FIELDS) == {
        "priority": "high"
    }


def test_nothing_changed_meanwhile_sends_the_operators_change():
    result = merge(drawn=DRAWN, now=now(), mine={"priority": "high"}, fields=FIELDS)
    assert (result.send, result.meanwhile, result.conflicts) == ({"priority": "high"}, [], [])


def test_another_field_changed_meanwhile_is_kept_and_named():
    result = merge(drawn=DRAWN, now=now(LATER, status="open"), mine={"priority": "high"}, fields=FIELDS)
    assert result.send == {"priority": "high"}  # the status is not sent: the store's "open" stays
    assert result.meanwhile == [FieldChange("status", "new", "open")] and result.conflicts == []


def test_the_same_field_changed_meanwhile_is_a_conflict_and_nothing_is_sent():
    result = merge(
        drawn=DRAWN,
        now=now(LATER, status="pending"),
        mine={"status": "solved", "priority": "high"},
        fields=FIELDS,
    )
    assert (result.send, result.conflicts) == ({}, ["status"])


def test_the_same_value_set_meanwhile_is_no_conflict():
    result = merge(drawn=DRAWN, now=now(LATER, status="solved"), mine={"status": "solved"}, fields=FIELDS)
    assert (result.send, result.conflicts) == ({}, [])


def test_the_operators_own_previous_request_is_not_news():
    """Two quick changes: the browser replaced the first request by the second (both
    fields), but the first had reached the store already."""
    result = merge(
        drawn=DRAWN, now=now(LATER, priority="high"), mine={"priority": "high", "status": "solved"}, fields=FIELDS
    )
    assert (result.send, result.meanwhile, result.conflicts) == ({"status": "solved"}, [], [])


def test_an_unknown_version_compares_every_field():
    unknown = {**DRAWN, "updated_at": None}
    result = merge(drawn=unknown, now=now(status="pending"), mine={"status": "solved"}, fields=FIELDS)
    assert result.conflicts == ["status"]


@pytest.mark.django_db(transaction=True)
def test_two_operators_tagging_one_order_at_once_both_keep_their_tag(acme, login_as, sandbox):
    """Ana's tag is on its way to the store when Ben adds his. The platform takes the
    whole list of tags, so without one read-and-write at a time Ben would read the tags
    before Ana's arrived and send them back without it."""
    ana = login_as(acme, Role.AGENT)
    ben_operator = OperatorFactory()
    MembershipFactory(operator=ben_operator, store=acme, role=Role.AGENT)
    ben = Client()
    ben.force_login(ben_operator)
    number = new_paid_order(sandbox)
    tag_url = reverse("order_tag_add", kwargs={"store": "acme", "number": number})
    answers, bens = {}, {}
    bens_read = threading.Event()

    def ben_tags():
        try:
            answers["ben"] = ben.post(tag_url, {"tag": "ben"}, **HX).content.decode()
        finally:
            connection.close()  # this thread's own

    def on_the_wire(request):
        if request.method == "GET" and threading.current_thread() is bens.get("thread"):
            bens_read.set()
        elif request.method == "PATCH" and "thread" not in bens:  # Ana's tag is leaving
            bens["thread"] = threading.Thread(target=ben_tags)
            bens["thread"].start()
            # Were Ben not held back, his read would leave now, before Ana's tag is there.
            bens_read.wait(timeout=2)

    with before_sending(sandbox.api_url("acme", f"orders/{number}/"), on_the_wire):
        answers["ana"] = ana.post(tag_url, {"tag": "ana"}, **HX).content.decode()
        bens["thread"].join(timeout=60)
    assert "Tag “ana” added." in answers["ana"] and "Tag “ben” added." in answers["ben"]
    assert {"ana", "ben"} <= set(api_get(sandbox, "acme", f"orders/{number}/")["tags"])
