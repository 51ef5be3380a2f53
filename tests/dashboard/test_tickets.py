"""The tickets inbox and a ticket's page against the sandbox."""

import re
import threading

import pytest
from django.urls import reverse

from dashboard.models import AuditEntry
from dashboard.selectors.overview import ENDED_COUNTS, UNSOLVED_COUNTS
from storeapi.redis_client import shared_redis
from storeapi.roles import Role

from .conftest import HX, api_get
from .html_forms import forms_of

pytestmark = pytest.mark.django_db


def ids_in(html):
    return [int(i) for i in re.findall(r'data-ticket-id="(\d+)"', html)]


def inbox(store="acme"):
    return reverse("ticket_list", kwargs={"store": store})


def test_the_inbox_tab_and_filters(acme, login_as, sandbox):
    client = login_as(acme)
    sandbox.clear_request_log("acme")
    html = client.get(inbox()).content.decode()
    # One request for the page; the ticket types (for names and the filter) are cached after.
    paths = [r["path"] for r in sandbox.request_log("acme")]
    assert paths.count("/acme/api/admin/tickets/") == 1
    assert ids_in(html) == [t["id"] for t in api_get(sandbox, "acme", "tickets/")["results"]]
    html = client.get(inbox(), {"status": "pending", "priority": "low"}, HTTP_HX_REQUEST="true").content.decode()
    expected = api_get(sandbox, "acme", "tickets/", status="pending", priority="low")["results"]
    assert ids_in(html) == [t["id"] for t in expected]


def test_every_tab_has_its_count_fetched_once(acme, login_as, sandbox):
    client = login_as(acme)
    html = client.get(inbox(), {"panel": "counts"}, **HX).content.decode()
    for status in ("new", "open", "pending", "solved", "closed"):
        page = api_get(sandbox, "acme", "tickets/", status=status)
        shown = f"{len(page['results'])}{'+' if page['next'] else ''}"
        assert (
            f'id="ticket-count-{status}" class="badge rounded-pill text-bg-secondary ticket-count" hx-swap-oob="true"'
            in html
        )
        assert re.search(rf'id="ticket-count-{status}"[^>]*>{re.escape(shown)}<', html), status
    sandbox.clear_request_log("acme")
    client.get(inbox(), {"panel": "counts"}, **HX)
    assert sandbox.request_log("acme") == []  # cached


def test_counted_tab_counts_are_in_the_page_itself_also_without_javascript(acme, login_as, sandbox):
    client = login_as(acme)
    first = client.get(inbox()).content.decode()
    # Not counted yet: the page does not spend requests on them; they come after it, or
    # without JavaScript by following the link.
    assert not re.search(r'id="ticket-count-new"[^>]*>\d', first)
    assert '<noscript><a href="/s/acme/tickets/?panel=counts">Count the tickets</a></noscript>' in first
    without_js = client.get(inbox(), {"panel": "counts"}).content.decode()  # the link: the page with the counts
    counted = re.search(r'id="ticket-count-new"[^>]*>(\d+\+?)<', without_js).group(1)
    sandbox.clear_request_log("acme")
    page = client.get(inbox(), {"status": "open"}).content.decode()
    assert f'id="ticket-count-new" class="badge rounded-pill text-bg-secondary ticket-count">{counted}<' in page
    assert "Count the tickets" not in page and "panel=counts" not in page
    assert [r["path"] for r in sandbox.request_log("acme")] == ["/acme/api/admin/tickets/"]  # the list only


def test_solved_and_closed_are_counted_up_to_a_page(acme, login_as, sandbox):
    assert len(api_get(sandbox, "acme", "tickets/", status="solved")["results"]) >= 2
    sandbox.set_page_size("acme", 1)
    html = login_as(acme).get(inbox(), {"panel": "counts"}, **HX).content.decode()
    assert re.search(r'id="ticket-count-solved"[^>]*>1\+<', html)


def redis_commands_during(action) -> list[str]:
    """The commands Redis received in this test's database (from any client) while
    `action` ran: MONITOR."""
    seen, started, stop = [], threading.Event(), "storedesk-test-monitor-stop"
    db = shared_redis().connection_pool.connection_kwargs.get("db", 0)

    def watch():
        with shared_redis().monitor() as monitor:
            started.set()
            for event in monitor.listen():
                if stop in event["command"]:
                    return
                if event["db"] == db:  # not another test process's
                    seen.append(event["command"])

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    assert started.wait(10)
    shared_redis().echo("storedesk-test-monitor-start")
    action()
    shared_redis().echo(stop)
    watcher.join(10)
    return seen[next(i for i, c in enumerate(seen) if "storedesk-test-monitor-start" in c) :]


def test_only_answers_that_show_the_tab_counts_read_them(acme, login_as):
    client = login_as(acme)
    client.get(inbox(), {"panel": "counts"}, **HX)  # counted and kept
    counts_keys = (f":{acme.pk}:{UNSOLVED_COUNTS}", f":{acme.pk}:{ENDED_COUNTS}")

    def reads_counts(commands):
        return any(key in command for command in commands for key in counts_keys)

    assert reads_counts(redis_commands_during(lambda: client.get(inbox())))  # the page shows them
    rows = redis_commands_during(lambda: client.get(inbox(), {"status": "open"}, HTTP_HX_REQUEST="true"))
    assert any(f":{acme.pk}:list:tickets:any" in command for command in rows)  # the list was read...
    assert not reads_counts(rows)  # ...and the counts, which an update of the rows does not show, were not


def test_switching_tabs_renders_tabs_filters_and_results(acme, login_as):
    client = login_as(acme)
    html = client.get(inbox(), {"status": "new"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ticket-list").content.decode()
    assert 'id="ticket-tabs"' in html and 'id="ticket-filters"' in html and "<html" not in html
    assert re.search(r'class="nav-link active"[^>]*aria-current="page"[^>]*>\s*New', html)


def test_the_ticket_page_thread_first_sidebar_after(acme, login_as, sandbox):
    client = login_as(acme, Role.AGENT)
    ticket = next(t for t in api_get(sandbox, "acme", "tickets/")["results"] if t["order"] and t["requester"])
    url = reverse("ticket_detail", kwargs={"store": "acme", "ticket_id": ticket["id"]})
    html = client.get(url).content.decode()
    for comment in ticket["comments"]:
        css = "thread-public" if comment["is_public"] else "thread-internal"
        assert f'id="comment-{comment["id"]}" class="thread-item card mb-2 {css}"' in html
    assert "Add internal note" in html and "Send public reply" in html
    assert "?panel=sidebar" in html and f"/s/acme/orders/{ticket['order']}/" not in html
    sidebar = client.get(url, {"panel": "sidebar"}, **HX).content.decode()
    assert f"/s/acme/orders/{ticket['order']}/" in sidebar
    assert f"/s/acme/customers/{ticket['requester']}/" in sidebar


def test_the_sidebar_of_a_ticket_about_no_order(acme, login_as, sandbox):
    """Most tickets name no order: the sidebar (requester, products) still draws."""
    client = login_as(acme, Role.AGENT)
    ticket = next(t for t in api_get(sandbox, "acme", "tickets/")["results"] if not t["order"] and t["requester"])
    url = reverse("ticket_detail", kwargs={"store": "acme", "ticket_id": ticket["id"]})
    for headers in (HX, {}):
        response = client.get(url, {"panel": "sidebar"}, **headers)
        assert response.status_code == 200
        assert f"/s/acme/customers/{ticket['requester']}/" in response.content.decode()


def test_a_viewer_sees_no_reply_form(acme, login_as, sandbox):
    client = login_as(acme, Role.VIEWER)
    ticket = api_get(sandbox, "acme", "tickets/")["results"][0]
    html = client.get(reverse("ticket_detail", kwargs={"store": "acme", "ticket_id": ticket["id"]})).content.decode()
    assert "Send public reply" not in html and 'name="status"' not in html


def test_an_unknown_ticket_is_404(acme, login_as):
    assert (
        login_as(acme).get(reverse("ticket_detail", kwargs={"store": "acme", "ticket_id": 999999})).status_code == 404
    )


@pytest.mark.parametrize(
    ("visibility", "action", "css"),
    [("internal", "ticket.note_added", "thread-internal"), ("public", "ticket.replied", "thread-public")],
)
def test_reply_as_internal_note_or_public(acme, login_as, sandbox, visibility, action, css):
    client = login_as(acme, Role.AGENT)
    ticket = api_get(sandbox, "acme", "tickets/")["results"][1]
    url = reverse("ticket_reply", kwargs={"store": "acme", "ticket_id": ticket["id"]})
    html = client.post(
        url,
        {"body": f"A {visibility} message", "visibility": visibility},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="ticket-thread",
    ).content.decode()
    assert f"A {visibility} message" in html
    last = api_get(sandbox, "acme", f"tickets/{ticket['id']}/")["comments"][-1]
    assert (last["body"], last["is_public"]) == (f"A {visibility} message", visibility == "public")
    assert re.search(rf'id="comment-{last["id"]}" class="[^"]*{css}', html)
    entry = AuditEntry.objects.get(action=action)
    assert entry.object_id == str(ticket["id"]) and entry.details["is_public"] is (visibility == "public")


def test_a_reply_without_a_button_stays_internal(acme, login_as, sandbox):
    client = login_as(acme, Role.AGENT)
    ticket = api_get(sandbox, "acme", "tickets/")["results"][2]
    client.post(reverse("ticket_reply", kwargs={"store": "acme", "ticket_id": ticket["id"]}), {"body": "no button"})
    last = api_get(sandbox, "acme", f"tickets/{ticket['id']}/")["comments"][-1]
    assert last["is_public"] is False


def test_change_status_priority_assignee_and_tags(acme, login_as, sandbox):
    client = login_as(acme, Role.AGENT)
    ticket = next(t for t in api_get(sandbox, "acme", "tickets/")["results"] if t["status"] != "pending")
    url = reverse("ticket_update", kwargs={"store": "acme", "ticket_id": ticket["id"]})
    html = client.get(reverse("ticket_detail", kwargs={"store": "acme", "ticket_id": ticket["id"]})).content.decode()
    drawn = forms_of(html, within="ticket-properties")[0]["drawn"]  # what the form was drawn from
    data = {"status": "pending", "priority": "high", "assignee": ticket["assignee"] or "", "tags": "vip, callback"}
    data["drawn"] = drawn
    html = client.post(url, data, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ticket-properties").content.decode()
    assert "Saved." in html and 'id="ticket-badges" hx-swap-oob="true"' in html
    after = api_get(sandbox, "acme", f"tickets/{ticket['id']}/")
    assert (after["status"], after["priority"], sorted(after["tags"])) == ("pending", "high", ["callback", "vip"])
    entry = AuditEntry.objects.get(action="ticket.updated")
    assert entry.details["changes"]["status"] == [ticket["status"], "pending"]
    # Posting the same values again changes nothing and records nothing.
    client.post(url, data, **HX)
    html = client.get(reverse("ticket_detail", kwargs={"store": "acme", "ticket_id": ticket["id"]})).content.decode()
    client.post(url, {**data, "drawn": forms_of(html, within="ticket-properties")[0]["drawn"]}, **HX)
    assert AuditEntry.objects.filter(action="ticket.updated").count() == 1


def test_an_invalid_status_is_a_field_error(acme, login_as, sandbox):
    client = login_as(acme, Role.AGENT)
    ticket = api_get(sandbox, "acme", "tickets/")["results"][0]
    url = reverse("ticket_update", kwargs={"store": "acme", "ticket_id": ticket["id"]})
    html = client.post(url, {"status": "exploded", "priority": "high"}, **HX).content.decode()
    assert "Select a valid choice" in html
    assert not AuditEntry.objects.exists()
