"""The platform's rate limit: 4 requests per second per access token, 429 with Retry-After.

These are about counts of 429s, not about speed: a burst must be cut down, a client
that paces itself at the limit must never be.
"""

import time
from concurrent.futures import ThreadPoolExecutor


def call(sandbox, store, token):
    return sandbox.api(store, "GET", "store/", token)


def test_a_burst_of_20_gets_429s_with_retry_after(sandbox):
    sandbox.set_rate_limit("acme", 4)
    token = sandbox.issue_token("acme", "store:read")
    started = time.monotonic()
    # Sent at once, as a burst really arrives (sequential calls on a slow machine
    # would give the bucket time to refill).
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(lambda _: call(sandbox, "acme", token), range(20)))
    elapsed = time.monotonic() - started
    ok = [r for r in responses if r.status_code == 200]
    limited = [r for r in responses if r.status_code == 429]
    assert len(ok) + len(limited) == 20
    # A bucket of 4, refilled at 4/s while the burst lasted.
    assert 4 <= len(ok) <= 4 + int(elapsed * 4) + 1
    assert limited
    for response in limited:
        assert response.headers["Retry-After"].isdigit() and int(response.headers["Retry-After"]) >= 1
        assert response.json()["detail"].startswith("Request was throttled.")


def test_the_limit_is_per_access_token(sandbox):
    sandbox.set_rate_limit("bergmann", 4)
    first, second = sandbox.issue_token("bergmann", "store:read"), sandbox.issue_token("bergmann", "store:read")
    assert [call(sandbox, "bergmann", first).status_code for _ in range(4)] == [200] * 4
    assert [call(sandbox, "bergmann", second).status_code for _ in range(4)] == [200] * 4


def test_a_client_pacing_at_4_per_second_never_gets_a_429(sandbox):
    sandbox.set_rate_limit("siam", 4)
    token = sandbox.issue_token("siam", "store:read")
    sandbox.clear_request_log("siam")
    started = time.monotonic()
    statuses = []
    for i in range(16):
        wait = started + i * 0.25 - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        statuses.append(call(sandbox, "siam", token).status_code)
    assert statuses == [200] * 16
    # The server saw them too, all answered.
    assert [e["status"] for e in sandbox.request_log("siam")] == [200] * 16


def test_after_retry_after_the_client_gets_through(sandbox):
    sandbox.set_rate_limit("acme", 4)
    token = sandbox.issue_token("acme", "store:read")
    while (response := call(sandbox, "acme", token)).status_code == 200:
        pass
    time.sleep(int(response.headers["Retry-After"]))
    assert call(sandbox, "acme", token).status_code == 200
