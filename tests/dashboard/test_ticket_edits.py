"""A ticket changed by a team at once: the operator's reply, a colleague and the store
change the same ticket while a page shows it. Only what the operator changed is sent;
a change made meanwhile is shown, never silently overwritten (dashboard/services/edits.py).
Against the sandbox over real HTTP."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from dashboard.models import AuditEntry
from dashboard.services import edits
from storeapi.roles import Role
from tests.factories import MembershipFactory, OperatorFactory

from .conftest import HX, api_get
from .html_forms import forms_of

pytestmark = pytest.mark.django_db


def detail_url(ticket_id):
    return reverse("ticket_detail", kwargs={"store": "acme", "ticket_id": ticket_id})


def update_url(ticket_id):
    return reverse("ticket_update", kwargs={"store": "acme", "ticket_id": ticket_id})


def a_ticket(api, sandbox, index: int, **state) -> dict:
    """A seeded ticket of Acme, first put into `state` at the store."""
    ticket = api_get(sandbox, "acme", "tickets/")["results"][index]
    if state:
        api("PATCH", f"tickets/{ticket['id']}/", json=state)
    return api_get(sandbox, "acme", f"tickets/{ticket['id']}/")


def properties_as_drawn(client, ticket_id) -> dict:
    """The properties form of the ticket's page, as the browser would send it unchanged."""
    html = client.get(detail_url(ticket_id)).content.decode()
    (form,) = [f for f in forms_of(html, within="ticket-properties") if "status" in f]
    form.pop("_action")
    return form


def patches(sandbox, ticket_id) -> list[list[str]]:
    """The fields of each PATCH of the ticket the store received."""
    return [
        entry["patch_fields"]
        for entry in sandbox.request_log("acme")
        if entry["method"] == "PATCH" and entry["path"] == f"/acme/api/admin/tickets/{ticket_id}/"
    ]


def test_a_reply_then_a_priority_change_keeps_the_status_the_store_set(acme, login_as, sandbox, api):
    """The issue's case: the reply opens a New ticket at the store; the priority changed
    afterwards on the page drawn before must not send "new" back."""
    client = login_as(acme, Role.AGENT)
    ticket = a_ticket(api, sandbox, -1, status="new", priority="low")
    drawn = properties_as_drawn(client, ticket["id"])
    assert (drawn["status"], drawn["priority"]) == ("new", "low")

    html = client.post(
        reverse("ticket_reply", kwargs={"store": "acme", "ticket_id": ticket["id"]}),
        {"body": "We are on it.", "visibility": "public"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="ticket-thread",
    ).content.decode()
    assert api_get(sandbox, "acme", f"tickets/{ticket['id']}/")["status"] == "open"
    # The answer redraws the badge and the properties from the store's answer, out of band.
    assert re.search(r'<span id="ticket-badges" hx-swap-oob="true">\s*<span[^>]*>Open<', html)
    (redrawn,) = [f for f in forms_of(html, within="ticket-properties") if "status" in f]
    assert redrawn["status"] == "open"
    assert 'id="ticket-properties"' in html and 'hx-swap-oob="true"' in html

    # The page as drawn before the reply (a second tab, or htmx's swap lost): priority only.
    sandbox.clear_request_log("acme")
    response = client.post(update_url(ticket["id"]), {**drawn, "priority": "high"}, **HX)
    assert "Saved." in response.content.decode()
    after = api_get(sandbox, "acme", f"tickets/{ticket['id']}/")
    assert (after["status"], after["priority"]) == ("open", "high")
    assert patches(sandbox, ticket["id"]) == [["priority"]]
    (entry,) = AuditEntry.objects.filter(action="ticket.updated")
    assert entry.details["changes"] == {"priority": ["low", "high"]}
    assert "status" not in entry.summary


def test_a_change_made_meanwhile_to_the_same_field_is_shown_not_overwritten(acme, login_as, sandbox, api):
    client = login_as(acme, Role.AGENT)
    ticket = a_ticket(api, sandbox, -2, status="open", priority="medium")
    drawn = properties_as_drawn(client, ticket["id"])
    api("PATCH", f"tickets/{ticket['id']}/", json={"status": "pending"})  # the store, or a colleague

    sandbox.clear_request_log("acme")
    html = client.post(update_url(ticket["id"]), {**drawn, "status": "solved"}, **HX).content.decode()
    assert "Not saved: this ticket was changed meanwhile." in html
    row = re.search(r'<tr class="table-warning"><th scope="row">Status</th>(.*?)</tr>', html).group(1)
    assert re.findall(r"<td>([^<]*)</td>", row) == ["Open", "Pending", "Solved"]  # then, now, yours
    assert patches(sandbox, ticket["id"]) == []
    assert api_get(sandbox, "acme", f"tickets/{ticket['id']}/")["status"] == "pending"
    assert not AuditEntry.objects.exists()
    # The form now shows the ticket as it is, and the badge follows.
    forms = forms_of(html, within="ticket-properties")
    again, form = forms
    assert form["status"] == "pending"
    assert re.search(r'<span id="ticket-badges" hx-swap-oob="true">\s*<span[^>]*>Pending<', html)

    # One click applies the operator's change over what is there now.
    assert (again["status"], again["priority"]) == ("solved", "medium")
    html = client.post(again.pop("_action"), again, **HX).content.decode()
    assert "Saved." in html
    assert api_get(sandbox, "acme", f"tickets/{ticket['id']}/")["status"] == "solved"
    assert patches(sandbox, ticket["id"]) == [["status"]]
    (entry,) = AuditEntry.objects.filter(action="ticket.updated")
    assert entry.details["changes"] == {"status": ["pending", "solved"]}


def test_a_colleagues_change_of_another_field_is_kept_and_named(acme, login_as, sandbox, api):
    client = login_as(acme, Role.AGENT)
    ticket = a_ticket(api, sandbox, -3, status="open", priority="low", tags=["first"])
    drawn = properties_as_drawn(client, ticket["id"])

    # A colleague, through Storedesk, raises the priority on their own page.
    colleague = Client()
    colleague_operator = OperatorFactory()
    MembershipFactory(operator=colleague_operator, store=acme, role=Role.AGENT)
    colleague.force_login(colleague_operator)
    theirs = properties_as_drawn(colleague, ticket["id"])
    assert "Saved." in colleague.post(update_url(ticket["id"]), {**theirs, "priority": "high"}, **HX).content.decode()

    sandbox.clear_request_log("acme")
    html = client.post(update_url(ticket["id"]), {**drawn, "tags": "first, vip"}, **HX).content.decode()
    assert "Saved." in html
    assert "Also changed meanwhile by someone else, and kept:" in html
    assert re.search(r'<th scope="row">Priority</th><td>Low</td><td>High</td>', html)
    after = api_get(sandbox, "acme", f"tickets/{ticket['id']}/")
    assert (after["priority"], sorted(after["tags"])) == ("high", ["first", "vip"])
    assert patches(sandbox, ticket["id"]) == [["tags"]]
    mine = AuditEntry.objects.get(action="ticket.updated", operator=client.operator)
    assert mine.details["changes"] == {"tags": [["first"], ["first", "vip"]]}
    assert AuditEntry.objects.get(action="ticket.updated", operator=colleague_operator).details["changes"] == {
        "priority": ["low", "high"]
    }


def test_the_same_change_made_meanwhile_is_no_conflict(acme, login_as, sandbox, api):
    """A colleague made the very change (or the operator's own earlier request got through
    while the browser replaced it with the next): nothing to send, nothing to resolve."""
    client = login_as(acme, Role.AGENT)
    ticket = a_ticket(api, sandbox, -4, status="open")
    drawn = properties_as_drawn(client, ticket["id"])
    api("PATCH", f"tickets/{ticket['id']}/", json={"status": "pending"})
    sandbox.clear_request_log("acme")
    html = client.post(update_url(ticket["id"]), {**drawn, "status": "pending"}, **HX).content.decode()
    assert "Nothing to save: the ticket already has your values." in html
    assert "Not saved" not in html and patches(sandbox, ticket["id"]) == []
    assert not AuditEntry.objects.exists()


def test_an_unchanged_form_sends_nothing(acme, login_as, sandbox, api):
    client = login_as(acme, Role.AGENT)
    ticket = a_ticket(api, sandbox, -4)
    drawn = properties_as_drawn(client, ticket["id"])
    sandbox.clear_request_log("acme")
    assert "Nothing changed." in client.post(update_url(ticket["id"]), drawn, **HX).content.decode()
    assert patches(sandbox, ticket["id"]) == [] and not AuditEntry.objects.exists()


@pytest.mark.parametrize("drawn", [None, "garbage", "other-ticket"])
def test_a_form_without_what_it_was_drawn_from_is_refused(acme, login_as, sandbox, api, drawn):
    client = login_as(acme, Role.AGENT)
    ticket = a_ticket(api, sandbox, -5)
    form = properties_as_drawn(client, ticket["id"])
    if drawn == "other-ticket":
        other = api_get(sandbox, "acme", "tickets/")["results"][0]
        form["drawn"] = properties_as_drawn(client, other["id"])["drawn"]
    elif drawn is None:
        form.pop("drawn")
    else:
        form["drawn"] = drawn
    sandbox.clear_request_log("acme")
    changed = {**form, "priority": "high" if ticket["priority"] != "high" else "low"}
    html = client.post(update_url(ticket["id"]), changed, **HX).content.decode()
    assert "This form is out of date. Reload the page and make your change again." in html
    response = client.post(update_url(ticket["id"]), changed)  # without JavaScript
    assert response.status_code == 400
    assert patches(sandbox, ticket["id"]) == [] and not AuditEntry.objects.exists()


def test_without_javascript_a_conflict_is_a_page_and_a_merge_a_message(acme, login_as, sandbox, api):
    client = login_as(acme, Role.AGENT)
    ticket = a_ticket(api, sandbox, -6, status="open", priority="low")
    drawn = properties_as_drawn(client, ticket["id"])
    api("PATCH", f"tickets/{ticket['id']}/", json={"status": "pending"})
    response = client.post(update_url(ticket["id"]), {**drawn, "status": "solved"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "<html" in html and "Not saved: this ticket was changed meanwhile." in html

    response = client.post(update_url(ticket["id"]), {**drawn, "priority": "high"}, follow=True)
    html = response.content.decode()
    assert "Saved." in html and "Also changed meanwhile by someone else, and kept: Status Open → Pending." in html
    after = api_get(sandbox, "acme", f"tickets/{ticket['id']}/")
    assert (after["status"], after["priority"]) == ("pending", "high")


def test_while_a_colleagues_save_of_the_ticket_is_under_way_nothing_is_sent(acme, login_as, sandbox, api, monkeypatch):
    """One read-compare-write per ticket at a time: held by another process here."""
    monkeypatch.setattr(edits, "EDIT_WAIT_SECONDS", 0.2)
    client = login_as(acme, Role.AGENT)
    ticket = a_ticket(api, sandbox, -6, priority="low")
    drawn = properties_as_drawn(client, ticket["id"])
    sandbox.clear_request_log("acme")
    with edits.edit_lock(acme, f"tickets/{ticket['id']}/"):  # as another process would
        html = client.post(update_url(ticket["id"]), {**drawn, "priority": "high"}, **HX).content.decode()
    assert "Nothing was lost: try again in a moment." in html
    assert patches(sandbox, ticket["id"]) == [] and not AuditEntry.objects.exists()
    # Once it is free, the same form goes through.
    assert "Saved." in client.post(update_url(ticket["id"]), {**drawn, "priority": "high"}, **HX).content.decode()
