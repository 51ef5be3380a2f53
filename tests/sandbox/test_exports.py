"""Native exports: pending then available, a signed download URL that expires, a CSV of the data."""

import csv
import datetime as dt
import io
import time

import pytest
import requests


@pytest.fixture
def api(sandbox):
    token = sandbox.issue_token("acme", "exports:read exports:write")
    return lambda method, path, **kwargs: sandbox.api("acme", method, path, token, **kwargs)


def export_and_wait(api, export_type, date_from, date_to):
    created = api("POST", "exports/", json={"type": export_type, "date_from": date_from, "date_to": date_to})
    assert created.status_code == 201, created.text
    export = created.json()
    assert export["status"] == "pending"
    assert api("GET", f"exports/{export['id']}/download/").status_code == 400
    deadline = time.monotonic() + 20
    while (export := api("GET", f"exports/{export['id']}/").json())["status"] != "available":
        assert time.monotonic() < deadline, "export never became available"
        time.sleep(0.2)
    return export


def test_an_order_export_matches_the_store_data(sandbox, api):
    everything = sandbox.orders("acme")
    placed = sorted(dt.datetime.fromisoformat(o["date_placed"]) for o in everything)
    start, end = placed[len(placed) // 3], placed[2 * len(placed) // 3]
    export = export_and_wait(api, "order_list", start.isoformat(), end.isoformat())
    url = api("GET", f"exports/{export['id']}/download/").json()["url"]
    response = requests.get(url, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    expected = [o for o in everything if start <= dt.datetime.fromisoformat(o["date_placed"]) <= end]
    assert [r["number"] for r in rows] == [o["number"] for o in expected]
    for row, order in zip(rows, expected, strict=True):
        assert (row["total_incl_tax"], row["status"], row["customer_email"]) == (
            order["total_incl_tax"],
            order["status"],
            order["user"]["email"],
        )
        assert row["tags"] == "|".join(order["tags"])


def test_download_urls_expire_and_cannot_be_forged(sandbox, api):
    export = export_and_wait(api, "customer_list", "2020-01-01T00:00:00Z", "2100-01-01T00:00:00Z")
    fresh = sandbox.export_download_url("acme", export["id"])
    body = requests.get(fresh, timeout=30).text
    # Every customer of the store (80 seeded, and those other tests created).
    assert body.splitlines()[0].startswith("id,email,") and len(body.splitlines()) == 1 + len(sandbox.customers("acme"))
    expired = sandbox.export_download_url("acme", export["id"], age_seconds=301)
    assert requests.get(expired, timeout=30).status_code == 403
    forged = fresh[:-6] + ("A" if fresh[-6] != "A" else "B") + fresh[-5:]
    assert requests.get(forged, timeout=30).status_code == 403
    other_store = fresh.replace("/acme/", "/bergmann/")
    assert requests.get(other_store, timeout=30).status_code == 403


def test_export_types_and_list(api):
    types = api("GET", "exports/types/").json()["types"]
    assert {"code": "order_list", "name": "Orders"} in types
    listed = api("GET", "exports/", params={"type": "order_list"}).json()
    assert all(e["type"] == "order_list" for e in listed["results"])
    assert api("POST", "exports/", json={"type": "order_list"}).status_code == 400
