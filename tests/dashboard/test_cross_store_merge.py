"""Merging stores' pages newest first, without skipping or repeating rows."""

import random
from datetime import UTC, datetime, timedelta

from dashboard.selectors.cross_store import merge_newest_first


def _rows(store, stamps):
    return [{"id": f"{store}-{s}", "created_at": f"2024-05-01T10:{s:02d}:00Z"} for s in stamps]


def test_rows_come_newest_first_across_stores():
    windows = {"a": _rows("a", [50, 30, 10]), "b": _rows("b", [40, 20])}
    taken, used = merge_newest_first(
        windows=windows, has_next={"a": False, "b": False}, sort_key="created_at", page_size=10
    )
    assert [row["id"] for _, row in taken] == ["a-50", "b-40", "a-30", "b-20", "a-10"]
    assert used == {"a": 3, "b": 2}


def test_stops_at_the_page_size():
    windows = {"a": _rows("a", [50, 30, 10]), "b": _rows("b", [40, 20])}
    taken, used = merge_newest_first(
        windows=windows, has_next={"a": False, "b": False}, sort_key="created_at", page_size=3
    )
    assert [row["id"] for _, row in taken] == ["a-50", "b-40", "a-30"]
    assert used == {"a": 2, "b": 1}


def test_stops_when_a_store_with_more_pages_runs_out():
    # b's next page may hold rows newer than a's remaining ones: stop before taking them.
    windows = {"a": _rows("a", [50, 10, 5]), "b": _rows("b", [40, 30])}
    taken, used = merge_newest_first(
        windows=windows, has_next={"a": False, "b": True}, sort_key="created_at", page_size=50
    )
    assert [row["id"] for _, row in taken] == ["a-50", "b-40", "b-30"]
    assert used == {"a": 1, "b": 2}


def _stamped(store, values):
    base = datetime(2024, 5, 1, tzinfo=UTC)
    return [{"id": f"{store}-{v}", "created_at": (base + timedelta(seconds=v)).isoformat()} for v in values]


def test_walking_pages_yields_every_row_once_in_order():
    """Simulate paging: three stores with pages of 4 rows, merged pages of 5."""
    pool = random.Random(7).sample(range(10_000), 39)
    data = {s: sorted(pool[i * 13 : i * 13 + 13], reverse=True) for i, s in enumerate("abc")}
    state = {s: [0, 0] for s in data}  # store -> [page index, rows of it already shown]
    seen = []
    while state:
        windows, has_next, sizes = {}, {}, {}
        for s, (page, skip) in state.items():
            chunk = data[s][page * 4 : page * 4 + 4]
            windows[s], has_next[s], sizes[s] = _stamped(s, chunk)[skip:], (page + 1) * 4 < len(data[s]), len(chunk)
        taken, used = merge_newest_first(windows=windows, has_next=has_next, sort_key="created_at", page_size=5)
        assert taken, "every merged page makes progress"
        seen += [row["id"] for _, row in taken]
        for s in list(state):
            page, skip = state[s]
            if skip + used[s] < sizes[s]:
                state[s] = [page, skip + used[s]]
            elif has_next[s]:
                state[s] = [page + 1, 0]
            else:
                del state[s]
    expected = [f"{s}-{v}" for v, s in sorted(((v, s) for s in data for v in data[s]), reverse=True)]
    assert seen == expected


def test_rows_of_the_same_moment_come_in_the_order_of_the_stores_and_undated_rows_last():
    windows = {
        "a": [{"id": "a-1", "created_at": "2024-05-01T10:00:00Z"}, {"id": "a-2", "created_at": "not a time"}],
        "b": [{"id": "b-1", "created_at": "2024-05-01T12:00:00+02:00"}, {"id": "b-2"}],  # the same instant
        "c": [{"id": "c-1", "created_at": "2024-05-01T09:59:59.999999Z"}],
    }
    taken, used = merge_newest_first(
        windows=windows, has_next=dict.fromkeys(windows, False), sort_key="created_at", page_size=10
    )
    assert [row["id"] for _, row in taken] == ["a-1", "b-1", "c-1", "a-2", "b-2"]
    assert used == {"a": 2, "b": 2, "c": 1}
