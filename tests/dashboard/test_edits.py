"""The rule for edits made by a team at once (dashboard/services/edits.py): the decision."""

from dashboard.services.edits import FieldChange, changed_fields, merge

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
