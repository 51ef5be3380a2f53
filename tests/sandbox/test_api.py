"""The sandbox's Admin API over real HTTP: auth, scopes, tenancy, errors, lists and filters."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import requests


def get(sandbox, store, path, token, **params):
    return sandbox.api(store, "GET", path, token, params=params)


@pytest.fixture(scope="module")
def token(sandbox):
    return sandbox.issue_token("acme")


def walk(sandbox, store, path, token, **params):
    """Every result of a list, following `next` verbatim."""
    results, pages = [], 0
    response = get(sandbox, store, path, token, **params)
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"next", "previous", "results"}
        results += body["results"]
        pages += 1
        if not body["next"]:
            return results, pages
        response = get(sandbox, store, body["next"], token)


def test_store_identity_and_settings(sandbox):
    expected = {
        "acme": ("USD", "America/New_York"),
        "bergmann": ("EUR", "Europe/Berlin"),
        "siam": ("THB", "Asia/Bangkok"),
    }
    for store, (currency, timezone) in expected.items():
        response = get(sandbox, store, "store/", sandbox.issue_token(store, "store:read"))
        assert response.status_code == 200
        (info,) = response.json()
        assert info["primary_domain"] == f"{store}.29next.store"
        assert info["timezone"] == timezone
        assert [c["code"] for c in info["available_currencies"]] == [currency]
        assert response.headers["X-29Next-Api-Version"] == "2024-04-01"


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-token", "Token abc", "Bearer"],
    ids=["missing", "wrong", "other-scheme", "empty"],
)
def test_requests_without_a_valid_token_are_401(sandbox, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = sandbox.api("acme", "GET", "orders/", headers=headers)
    assert response.status_code == 401
    assert set(response.json()) == {"detail"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_only_works_on_its_own_store(sandbox):
    acme_token = sandbox.issue_token("acme", "orders:read")
    assert get(sandbox, "acme", "orders/", acme_token).status_code == 200
    response = get(sandbox, "bergmann", "orders/", acme_token)
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_revoked_tokens_are_401(sandbox):
    token = sandbox.issue_token("siam", "orders:read")
    assert get(sandbox, "siam", "orders/", token).status_code == 200
    assert sandbox.revoke_tokens("siam") >= 1
    assert get(sandbox, "siam", "orders/", token).status_code == 401


def test_a_token_without_the_endpoint_scope_is_403(sandbox):
    token = sandbox.issue_token("acme", "users:read")
    response = get(sandbox, "acme", "orders/", token)
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to perform this action."}
    assert get(sandbox, "acme", "users/", token).status_code == 200


def test_admin_read_covers_every_read(sandbox):
    token = sandbox.issue_token("acme", "admin:read")
    for path in ("store/", "orders/", "users/", "tickets/", "tickettypes/"):
        assert get(sandbox, "acme", path, token).status_code == 200, path


@pytest.mark.parametrize(
    "path",
    ["orders/999999/", "orders/abc/", "users/999999/", "tickets/999999/", "tickettypes/999999/", "no-such-thing/"],
)
def test_unknown_objects_are_404_in_the_api_shape(sandbox, token, path):
    response = get(sandbox, "acme", path, token)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail"}


def test_an_unknown_store_is_404(sandbox, token):
    response = get(sandbox, "no-such-store", "orders/", token)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_objects_of_another_store_are_404(sandbox, token):
    bergmann = sandbox.issue_token("bergmann", "tickets:read users:read")
    ticket_id = get(sandbox, "bergmann", "tickets/", bergmann).json()["results"][0]["id"]
    customer_id = get(sandbox, "bergmann", "users/", bergmann).json()["results"][0]["id"]
    assert get(sandbox, "acme", f"tickets/{ticket_id}/", token).status_code == 404
    assert get(sandbox, "acme", f"users/{customer_id}/", token).status_code == 404


def test_invalid_filters_are_400_with_field_errors(sandbox, token):
    response = get(sandbox, "acme", "orders/", token, status="bogus", date_placed_from="2024-13-01")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"status", "date_placed_from"}
    assert all(isinstance(messages, list) and messages for messages in body.values())


def test_pagination_walks_every_order_exactly_once_newest_first(sandbox, token):
    results, pages = walk(sandbox, "acme", "orders/", token)
    numbers = [order["number"] for order in results]
    assert numbers == sandbox.order_numbers("acme")
    assert len(numbers) == len(set(numbers)) >= 250
    assert pages == -(-len(numbers) // 50)
    placed = [order["date_placed"] for order in results]
    assert placed == sorted(placed, reverse=True)


def test_orders_placed_during_a_walk_neither_repeat_nor_hide_older_ones(sandbox):
    token = sandbox.issue_token("bergmann", "orders:read")
    before = sandbox.order_numbers("bergmann")
    page = get(sandbox, "bergmann", "orders/", token).json()
    seen = [o["number"] for o in page["results"]]
    added = sandbox.create_orders("bergmann", count=3)
    while page["next"]:
        page = get(sandbox, "bergmann", page["next"], token).json()
        seen += [o["number"] for o in page["results"]]
    assert seen == before
    assert sandbox.order_numbers("bergmann")[:3] == sorted(added, reverse=True)


def test_ground_truth_in_detail(sandbox, token):
    (detailed,) = [o for o in sandbox.orders("acme", detail=True, status="canceled")][:1]
    assert detailed["lines"] and detailed["transactions"]
    assert detailed == get(sandbox, "acme", f"orders/{detailed['number']}/", token).json()


def test_api_versions(sandbox, token):
    for version in ("2024-04-01", "2023-02-10", "unstable"):
        response = sandbox.api("acme", "GET", "store/", token, headers={"X-29Next-Api-Version": version})
        assert response.status_code == 200 and response.headers["X-29Next-Api-Version"] == "2024-04-01"
    response = sandbox.api("acme", "GET", "store/", token, headers={"X-29Next-Api-Version": "1999-01-01"})
    assert response.status_code == 400 and set(response.json()) == {"detail"}


def test_cursors_are_opaque_and_previous_links_back(sandbox, token):
    first = get(sandbox, "acme", "orders/", token).json()
    assert "cursor=" in first["next"] and first["previous"] is None
    second = get(sandbox, "acme", first["next"], token).json()
    back = get(sandbox, "acme", second["previous"], token)
    assert [o["number"] for o in back.json()["results"]] == [o["number"] for o in first["results"]]


def test_order_filters_narrow_correctly(sandbox, token):
    everything = sandbox.orders("acme")
    cases = {
        (("status", "canceled"),): lambda o: o["status"] == "canceled",
        (("payment_status", "refunded"), ("payment_status", "partially_refunded")): lambda o: (
            o["payment_status"] in ("refunded", "partially_refunded")
        ),
        (("fulfillment_status", "unfulfilled"),): lambda o: o["fulfillment_status"] == "unfulfilled",
        (("is_test", "true"),): lambda o: o["is_test"],
        (("tags", "vip"),): lambda o: "vip" in o["tags"],
    }
    for params, predicate in cases.items():
        expected = [o["number"] for o in everything if predicate(o)]
        assert expected, params
        results, _ = walk(sandbox, "acme", "orders/", token, **_multi(params))
        assert [o["number"] for o in results] == expected, params


def test_date_filters_are_whole_days_in_the_store_timezone(sandbox):
    token = sandbox.issue_token("siam", "orders:read")
    everything = sandbox.orders("siam")
    tz = ZoneInfo("Asia/Bangkok")
    local_day = [dt.datetime.fromisoformat(o["date_placed"]).astimezone(tz).date() for o in everything]
    middle = sorted(local_day)[len(local_day) // 2]
    start, end = middle - dt.timedelta(days=20), middle
    expected = [o["number"] for o, day in zip(everything, local_day, strict=True) if start <= day <= end]
    results, _ = walk(sandbox, "siam", "orders/", token, date_placed_from=str(start), date_placed_to=str(end))
    assert [o["number"] for o in results] == expected
    assert expected


def test_search_text_finds_a_customer_by_email(sandbox, token):
    order = sandbox.orders("acme")[7]
    email = order["user"]["email"]
    results, _ = walk(sandbox, "acme", "orders/", token, search_text=email.upper())
    assert order["number"] in [o["number"] for o in results]
    assert all(o["user"]["email"] == email for o in results)


def test_order_detail_by_number(sandbox, token):
    # A paid one: other suites add orders, some waiting for a payment (no transaction yet).
    number = sandbox.order_numbers("acme", payment_status="paid")[3]
    order = get(sandbox, "acme", f"orders/{number}/", token).json()
    assert order["number"] == number
    assert order["lines"] and order["transactions"]
    assert order["currency"] == "USD"


def test_users_and_their_orders(sandbox):
    token = sandbox.issue_token("bergmann", "users:read orders:read")
    customers, _ = walk(sandbox, "bergmann", "users/", token)
    assert len(customers) == len(sandbox.customers("bergmann")) >= 80  # seeded, and those other tests created
    buyer = next(c for c in customers if c["orders_count"] > 1)
    orders = get(sandbox, "bergmann", f"users/{buyer['id']}/orders/", token).json()
    assert len(orders) >= buyer["orders_count"]
    assert all(order["currency"] == "EUR" for order in orders)
    addresses = get(sandbox, "bergmann", f"users/{buyer['id']}/addresses/", token).json()
    assert addresses["results"] and addresses["results"][0]["line1"]
    blocked, _ = walk(sandbox, "bergmann", "users/", token, is_blocked="false")
    assert all(not c["is_blocked"] for c in blocked)


def test_dashboard_users_are_the_staff_tickets_are_assigned_to(sandbox):
    """`users/?user_type=dashboard` lists the store's own users: the ids of tickets'
    assignees and of staff comments' authors. The other lists hold customers only."""
    token = sandbox.issue_token("acme", "users:read tickets:read")
    staff, _ = walk(sandbox, "acme", "users/", token, user_type="dashboard")
    assert len(staff) >= 5 and {u["user_type"] for u in staff} == {"dashboard"}
    assert all(u["first_name"] and u["last_name"] and u["email"].endswith("@acme.example.com") for u in staff[-5:])
    tickets, _ = walk(sandbox, "acme", "tickets/", token)
    ids = {u["id"] for u in staff}
    assignees = {t["assignee"] for t in tickets if t["assignee"]}
    authors = {c["author"] for t in tickets for c in t["comments"] if c["author"]}
    assert assignees and assignees <= ids and authors <= ids
    customers, _ = walk(sandbox, "acme", "users/", token)
    assert "dashboard" not in {u["user_type"] for u in customers}
    leads, _ = walk(sandbox, "acme", "users/", token, user_type="lead")
    assert leads and {u["user_type"] for u in leads} == {"lead"}
    someone = staff[-1]
    named, _ = walk(sandbox, "acme", "users/", token, user_type="dashboard", name=someone["last_name"])
    assert someone["id"] in {u["id"] for u in named} and len(named) < len(staff)
    assert walk(sandbox, "acme", "users/", token, user_type="dashboard", is_blocked="true")[0] == []
    other, _ = walk(sandbox, "bergmann", "users/", sandbox.issue_token("bergmann", "users:read"), user_type="dashboard")
    assert not ids & {u["id"] for u in other}  # each store its own


def test_tickets_link_to_customers_and_orders(sandbox):
    token = sandbox.issue_token("acme", "tickets:read")
    tickets, _ = walk(sandbox, "acme", "tickets/", token)
    assert len(tickets) == 40
    with_order = next(t for t in tickets if t["order"])
    filtered, _ = walk(sandbox, "acme", "tickets/", token, order_number=with_order["order"])
    assert with_order["id"] in [t["id"] for t in filtered]
    assert all(t["order"] == with_order["order"] for t in filtered)
    comments = [c for t in tickets for c in t["comments"]]
    assert any(c["is_public"] for c in comments) and any(not c["is_public"] for c in comments)
    open_ones, _ = walk(sandbox, "acme", "tickets/", token, status=["new", "open"])
    assert {t["status"] for t in open_ones} <= {"new", "open"}
    types = get(sandbox, "acme", "tickettypes/", token).json()["results"]
    assert {"Order status", "Billing"} <= {t["name"] for t in types}


def test_request_log_sees_every_api_request(sandbox):
    token = sandbox.issue_token("bergmann", "orders:read")
    sandbox.clear_request_log("bergmann")
    get(sandbox, "bergmann", "orders/", token, status="open")
    get(sandbox, "bergmann", "orders/", None)
    log = sandbox.request_log("bergmann")
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", "/bergmann/api/admin/orders/", 200),
        ("GET", "/bergmann/api/admin/orders/", 401),
    ]
    assert log[0]["query"] == "status=open" and log[0]["token_id"] and log[0]["token_hash"]
    assert log[1]["token_id"] is None


def test_injected_server_errors_and_malformed_bodies(sandbox, token):
    sandbox.set_faults("acme", error_rate=1, error_statuses=[503], limit=2)
    assert [get(sandbox, "acme", "orders/", token).status_code for _ in range(3)] == [503, 503, 200]
    sandbox.set_faults("acme", malformed_rate=1, limit=1)
    response = get(sandbox, "acme", "orders/", token)
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()
    sandbox.set_faults("acme", rate_limit_rate=1, retry_after=3, limit=1)
    response = get(sandbox, "acme", "orders/", token)
    assert response.status_code == 429 and response.headers["Retry-After"] == "3"
    sandbox.set_faults("acme", latency_ms=20, limit=1)
    assert get(sandbox, "acme", "orders/", token).status_code == 200
    log = sandbox.request_log("acme")
    assert [e["fault"] for e in log[-4:]] == ["", "malformed", "rate_limit", "latency"]


def test_a_seeded_storm_repeats_itself(sandbox, token):
    def storm(seed):
        sandbox.set_faults("acme", error_rate=0.3, rate_limit_rate=0.3, malformed_rate=0.3, seed=seed, limit=30)
        sandbox.clear_request_log("acme")
        for _ in range(30):
            get(sandbox, "acme", "orders/", token)
        return [e["fault"] for e in sandbox.request_log("acme")]

    first = storm(7)
    assert first == storm(7)
    assert {"rate_limit", "malformed", ""} <= set(first) and any(f.startswith("error_") for f in first)
    # The same rates with another seed: only the seed can make this storm differ.
    assert storm(8) != first


def test_hanging_requests_do_not_block_others(sandbox, token):
    sandbox.set_faults("bergmann", hang_rate=1, hang_seconds=5, limit=1)
    bergmann = sandbox.issue_token("bergmann", "orders:read")
    with pytest.raises(requests.ReadTimeout):
        sandbox.api("bergmann", "GET", "orders/", bergmann, timeout=(5, 0.5))
    assert get(sandbox, "acme", "orders/", token).status_code == 200


def _multi(params):
    result = {}
    for key, value in params:
        result.setdefault(key, []).append(value)
    return result
