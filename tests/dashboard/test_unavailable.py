"""Redis really stopped (issue 12, finding 7): store pages answer a 503 that says what is
not answering, never a 500; pages that need no Redis keep working; when Redis is back,
so are the pages.

A Redis server of the test's own (the machine's is never touched) and a Storedesk web
server (gunicorn, as the Procfile runs it) on the test database, pointed at that Redis.
What the server does when its Redis stops is what is tested, over real HTTP.
"""

import requests

from dashboard.models import Job
from tests.redis_down import TIMEOUT, sign_in, sign_in_form

REDIS_MESSAGE = "Storedesk&#x27;s shared cache and rate limiter (Redis) are not answering"


def htmx(target: str, url: str) -> dict:
    return {"HX-Request": "true", "HX-Target": target, "HX-Current-URL": url}


def assert_unavailable(answer: requests.Response, *, fragment: bool) -> None:
    assert answer.status_code == 503, (answer.status_code, answer.text[:1000])
    assert answer.headers.get("X-Storedesk-Unavailable") == "redis"  # what storedesk.js looks for
    assert 'data-unavailable="redis"' in answer.text
    assert REDIS_MESSAGE in answer.text and "Nothing was lost" in answer.text
    assert "Traceback" not in answer.text
    assert ("<html" in answer.text) is not fragment


def test_store_pages_answer_503_while_redis_is_stopped_and_work_again_after(own_redis_web, own_redis, acme_owner):
    web, operator = own_redis_web, acme_owner
    session = sign_in(web, operator.email)
    orders, tickets = f"{web}/s/acme/orders/", f"{web}/s/acme/tickets/"
    assert session.get(orders, timeout=TIMEOUT).status_code == 200

    own_redis.stop()

    # A store page, in full and as htmx asks for its parts.
    assert_unavailable(session.get(orders, timeout=TIMEOUT), fragment=False)
    assert_unavailable(session.get(orders, headers=htmx("order-list", orders), timeout=TIMEOUT), fragment=True)
    counts = session.get(f"{tickets}?panel=counts", headers=htmx("", tickets), timeout=TIMEOUT)
    assert_unavailable(counts, fragment=True)
    assert 'href="/s/acme/tickets/"' in counts.text  # "Reload the page": the page htmx was on
    assert_unavailable(session.get(f"{web}/tickets/", timeout=TIMEOUT), fragment=False)  # all stores
    # Signing in needs Redis (failed sign-ins are counted there, against password guessing).
    newcomer = requests.Session()
    answer = newcomer.post(
        f"{web}/accounts/login/",
        data=sign_in_form(newcomer, web, operator.email),
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert_unavailable(answer, fragment=False)
    # Starting a job: the task cannot be sent. The job is saved (beat's sweep sends it
    # once Redis is back), and the same form sent again is the same job.
    form = {
        "csrfmiddlewaretoken": session.cookies["csrftoken"],
        "action": "note_add",
        "value": "while Redis was down",
        "ids": "1001,1002",
        "idempotency_key": "redis-down-0001",
        "back": "/s/acme/orders/",
    }
    bulk = f"{web}/s/acme/bulk/orders/"
    assert_unavailable(session.post(bulk, data=form, allow_redirects=False, timeout=TIMEOUT), fragment=False)
    assert Job.objects.filter(owner=operator, kind=Job.Kind.BULK).count() == 1
    # Pages that need no Redis work: the stores, the jobs, a store page without store data.
    for page in ("/", "/exports/", "/s/acme/members/", "/s/acme/audit/"):
        answer = session.get(f"{web}{page}", timeout=TIMEOUT)
        assert answer.status_code == 200, (page, answer.status_code)

    own_redis.start()  # the same port, empty (no persistence)

    assert session.get(orders, timeout=TIMEOUT).status_code == 200
    assert session.get(orders, headers=htmx("order-list", orders), timeout=TIMEOUT).status_code == 200
    assert session.get(f"{tickets}?panel=counts", headers=htmx("", tickets), timeout=TIMEOUT).status_code == 200
    assert sign_in(web, operator.email)
    again = session.post(bulk, data=form, allow_redirects=False, timeout=TIMEOUT)
    assert again.status_code == 302 and Job.objects.filter(owner=operator, kind=Job.Kind.BULK).count() == 1


def test_a_hung_redis_is_a_503_too_not_a_hung_page(own_redis_web, own_redis, acme_owner):
    """A Redis that accepts connections and never answers (SIGSTOP): pages give up after
    REDIS_SOCKET_TIMEOUT instead of holding the web thread (the requests' own timeout is
    the test's bound)."""
    session = sign_in(own_redis_web, acme_owner.email)
    own_redis.pause()
    assert_unavailable(session.get(f"{own_redis_web}/s/acme/orders/", timeout=TIMEOUT), fragment=False)
    newcomer = requests.Session()
    form = sign_in_form(newcomer, own_redis_web, acme_owner.email)
    answer = newcomer.post(f"{own_redis_web}/accounts/login/", data=form, allow_redirects=False, timeout=TIMEOUT)
    assert_unavailable(answer, fragment=False)
    own_redis.resume()
    assert session.get(f"{own_redis_web}/s/acme/orders/", timeout=TIMEOUT).status_code == 200
