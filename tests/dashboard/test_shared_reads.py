"""A team on one store, as the pages show it: one read of the store serves every
operator, pages say how old their data is, changes reach the next view, and a busy
store shows what Storedesk already has.

Against the sandbox over real HTTP, the real Redis, and (for the webhook) Django's live
server receiving the sandbox's own signed deliveries.
"""

import time

import pytest
from django.test import Client
from django.urls import reverse

from storeapi import cache as read_cache
from storeapi.client import StoreClient
from storeapi.connect import store_connect_with_token
from storeapi.middleware import REFRESH_HEADER
from storeapi.roles import Role
from tests.dashboard.conftest import ALL_SCOPES, HX, api_get
from tests.dashboard.html_forms import forms_of
from tests.factories import MembershipFactory, OperatorFactory


def inbox_url(store="acme") -> str:
    return reverse("ticket_list", kwargs={"store": store})


def ticket_list_requests(sandbox) -> list[dict]:
    return [e for e in sandbox.request_log("acme") if e["path"] == "/acme/api/admin/tickets/"]


def signed_in(store, role=Role.AGENT) -> Client:
    """An operator of the store, in a session of their own."""
    operator = OperatorFactory()
    MembershipFactory(operator=operator, store=store, role=role)
    client = Client()
    client.force_login(operator)
    return client


def store_tickets(sandbox) -> list[dict]:
    return api_get(sandbox, "acme", "tickets/")["results"]


@pytest.fixture
def team(acme):
    """Two operators of acme, each with their own session."""
    return [signed_in(acme) for _ in range(2)]


def test_one_read_of_the_store_serves_every_operator_and_says_how_old_it_is(team, sandbox):
    ana, ben = team
    first = ana.get(inbox_url())
    assert first.status_code == 200
    assert b"data-freshness" not in first.content  # just asked: nothing to say
    sandbox.clear_request_log("acme")
    second = ben.get(inbox_url())
    assert second.status_code == 200
    assert ticket_list_requests(sandbox) == []
    page = second.content.decode()
    assert "data-freshness" in page and "As of" in page and ">Refresh</a>" in page
    # The same rows for both.
    assert first.content.count(b'class="ticket-row') == second.content.count(b'class="ticket-row') > 0


def test_refresh_asks_the_store_again(team, sandbox):
    ana, ben = team
    ana.get(inbox_url())
    time.sleep(1.1)
    sandbox.clear_request_log("acme")
    refresh = {f"HTTP_{REFRESH_HEADER.upper().replace('-', '_')}": "1"}
    refreshed = ben.get(inbox_url(), **HX, HTTP_HX_TARGET="ticket-results", **refresh)
    assert refreshed.status_code == 200
    assert len(ticket_list_requests(sandbox)) == 1
    assert b"data-freshness" not in refreshed.content
    # Without JavaScript, the link's ?refresh=1 does the same.
    time.sleep(1.1)
    sandbox.clear_request_log("acme")
    assert ben.get(inbox_url(), {"refresh": "1"}).status_code == 200
    assert len(ticket_list_requests(sandbox)) == 1


def test_an_operators_change_shows_in_a_colleagues_next_view(team, sandbox, settings):
    settings.STOREAPI_CACHE_COALESCE_SECONDS = 60  # webhooks' changes may wait; an operator's may not
    ana, ben = team
    pending = ben.get(inbox_url(), {"status": "pending"}).content.decode()
    ticket = next(
        t for t in store_tickets(sandbox) if t["status"] != "pending" and f"/tickets/{t['id']}/" not in pending
    )
    page = ana.get(reverse("ticket_detail", kwargs={"store": "acme", "ticket_id": ticket["id"]})).content.decode()
    (form,) = [f for f in forms_of(page, within="ticket-properties") if "status" in f]
    answer = ana.post(form.pop("_action"), {**form, "status": "pending"})
    assert answer.status_code in (200, 302)
    assert f"/tickets/{ticket['id']}/" in ben.get(inbox_url(), {"status": "pending"}).content.decode()


def test_behind_a_429_hold_the_page_shows_what_storedesk_has_and_says_the_store_is_busy(acme, team, sandbox, settings):
    settings.STOREAPI_CACHE_COALESCE_SECONDS = 0
    ana, ben = team
    ana.get(inbox_url())
    read_cache.lists_changed(acme.pk, "tickets")  # a webhook: the inbox must be asked again...
    StoreClient.for_store(acme).limiter.penalize(120)  # ...but the store asked everyone to hold back
    sandbox.clear_request_log("acme")
    page = ben.get(inbox_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert f"{acme.display_name} is busy right now." in text and "As of" in text
    assert 'class="ticket-row' in text
    assert ticket_list_requests(sandbox) == []


@pytest.fixture
def store_webhook(live_server, settings, acme, sandbox):
    """Storedesk's signed webhook registered at the sandbox by a real connect (its target
    is the live server); removed afterwards."""
    settings.SITE_URL = live_server.url
    owner = MembershipFactory(store=acme, role=Role.OWNER).operator
    token = sandbox.issue_token("acme", scopes=ALL_SCOPES)
    store = store_connect_with_token(subdomain="acme", token=token, operator=owner)
    yield store
    token = sandbox.issue_token("acme")
    for hook in sandbox.api("acme", "GET", "webhooks/", token=token).json()["results"]:
        if hook["target"].startswith(live_server.url):
            sandbox.api("acme", "DELETE", f"webhooks/{hook['id']}/", token=token)


def test_a_change_at_the_store_reaches_the_next_view_through_its_webhook(store_webhook, live_server, sandbox, settings):
    settings.STOREAPI_CACHE_COALESCE_SECONDS = 0
    viewer = signed_in(store_webhook, Role.VIEWER)
    ticket = store_tickets(sandbox)[0]
    assert f"/tickets/{ticket['id']}/" in viewer.get(inbox_url()).content.decode()
    subject = f"Changed at the store {time.monotonic_ns()}"
    earlier = {d["delivery_id"] for d in sandbox.webhook_deliveries("acme")}
    token = sandbox.issue_token("acme")  # the store's own change: not Storedesk's token
    answer = sandbox.api("acme", "PATCH", f"tickets/{ticket['id']}/", token=token, json={"subject": subject})
    assert answer.status_code == 200

    def this_change_delivered(d) -> bool:
        return (
            d["delivery_id"] not in earlier
            and d["event_type"] == "ticket.updated"
            and d["target"].startswith(live_server.url)
            and d["status_code"] == 200
        )

    assert sandbox.wait_for_deliveries("acme", this_change_delivered, timeout=30)
    assert subject in viewer.get(inbox_url()).content.decode()
    # The ticket itself came with the webhook: its page shows it without asking the store.
    sandbox.clear_request_log("acme")
    ticket_page = viewer.get(reverse("ticket_detail", kwargs={"store": "acme", "ticket_id": ticket["id"]}))
    assert subject in ticket_page.content.decode()
    assert [e for e in sandbox.request_log("acme") if e["path"].endswith(f"/tickets/{ticket['id']}/")] == []


def test_the_all_stores_inbox_says_how_old_its_data_is_too(connect_store, sandbox):
    stores = [connect_store("acme"), connect_store("bergmann")]
    operator = OperatorFactory()
    for store in stores:
        MembershipFactory(operator=operator, store=store, role=Role.AGENT)
    client = Client()
    client.force_login(operator)
    assert client.get(reverse("all_tickets")).status_code == 200
    for name in ("acme", "bergmann"):
        sandbox.clear_request_log(name)
    again = client.get(reverse("all_tickets"))
    assert sandbox.request_log("acme") == [] and sandbox.request_log("bergmann") == []
    assert again.status_code == 200
    text = again.content.decode()
    assert "data-freshness" in text and " UTC, " in text
