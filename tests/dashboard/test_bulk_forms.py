"""The bulk toolbars of the inbox and the orders list (issue 11, section 5): changes are
chosen from the real values, and a refused form comes back with its rows still ticked
and its values kept; against the sandbox store."""

import html as html_lib
import re

import pytest
from django.urls import reverse

from dashboard.models import Job
from storeapi.roles import Role

from .conftest import api_get

pytestmark = pytest.mark.django_db


def inbox(**query):
    url = reverse("ticket_list", kwargs={"store": "acme"})
    return f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}" if query else url


def ticked(page: str, form: str = "bulk-tickets") -> list[str]:
    return re.findall(rf'name="ids" value="([^"]+)"\s+form="{form}"[^>]*\schecked', page)


def hidden_ids(page: str) -> list[str]:
    return re.findall(r'<input type="hidden" name="ids" value="([^"]+)">', page)


def test_the_inbox_toolbar_offers_the_real_values(acme, login_as, sandbox):
    page = html_lib.unescape(login_as(acme, Role.AGENT).get(inbox()).content.decode())
    toolbar = re.search(r'<form id="bulk-tickets".*?</form>', page, re.S).group(0)
    assert 'name="value"' not in toolbar and "<datalist" not in toolbar  # no free text
    groups = dict(re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', toolbar, re.S))
    assert list(groups) == ["Set status", "Set priority", "Assign to"]
    assert re.findall(r'value="ticket_status:(\w+)"', groups["Set status"]) == [
        "new",
        "open",
        "pending",
        "solved",
        "closed",
    ]
    assert ">Solved<" in groups["Set status"]
    assert re.findall(r'value="ticket_priority:(\w+)"', groups["Set priority"]) == ["high", "medium", "low"]
    people = re.findall(r'<option value="ticket_assignee:(\d*)"[^>]*>([^<]*)<', groups["Assign to"])
    staff = api_get(sandbox, "acme", "users/", user_type="dashboard")["results"]
    assert people[0] == ("", "Unassigned")
    assert {int(i): name for i, name in people[1:]} == {u["id"]: f"{u['first_name']} {u['last_name']}" for u in staff}


def test_a_chosen_status_priority_or_person_becomes_the_job(
    acme, login_as, sandbox, django_capture_on_commit_callbacks
):
    client = login_as(acme, Role.AGENT)
    user = api_get(sandbox, "acme", "users/", user_type="dashboard")["results"][0]
    someone, name = user["id"], f"{user['first_name']} {user['last_name']}"
    url = reverse("bulk_tickets", kwargs={"store": "acme"})
    for change, action, value, label in (
        ("ticket_status:solved", Job.Action.TICKET_STATUS, "solved", "Solved"),
        ("ticket_priority:high", Job.Action.TICKET_PRIORITY, "high", "High"),
        (f"ticket_assignee:{someone}", Job.Action.TICKET_ASSIGNEE, str(someone), name),
        ("ticket_assignee:", Job.Action.TICKET_ASSIGNEE, "", "Unassigned"),
    ):
        with django_capture_on_commit_callbacks():
            response = client.post(url, {"change": change, "ids": ["11", "12"], "back": inbox()})
        job = Job.objects.latest("created_at")
        assert response["Location"] == reverse("job_detail", args=[job.pk]), change
        assert (job.action, job.action_value, job.action_label) == (action, value, label)
        # The job's page names the value as it was chosen, not by its id.
        title = re.search(r"<h1[^>]*>(.*?)</h1>", client.get(response["Location"]).content.decode(), re.S)[1]
        assert html_lib.unescape(title) == f"{Job.Action(action).label}: “{label}”"


def test_a_refused_bulk_form_keeps_the_ticked_rows_and_the_chosen_change(acme, login_as, sandbox):
    client = login_as(acme, Role.AGENT)
    rows = [t["id"] for t in api_get(sandbox, "acme", "tickets/", priority="high")["results"]]
    assert len(rows) >= 3
    chosen = [str(rows[0]), str(rows[2])]
    url = reverse("bulk_tickets", kwargs={"store": "acme"})
    back = inbox(priority="high")
    # Ticked rows, no change chosen: refused.
    response = client.post(url, {"ids": chosen, "back": back, "priority": "high", "idempotency_key": "k1"})
    assert response.status_code == 302 and response["Location"] == back
    assert not Job.objects.exists()
    page = html_lib.unescape(client.get(back).content.decode())
    assert sorted(ticked(page)) == sorted(chosen)
    assert re.search(r"<span data-selected-count>2</span>", page)
    assert "Choose a change." in page
    assert 'name="idempotency_key" value="k1"' in page
    # Once: the next view of the list is a fresh form.
    again = client.get(back).content.decode()
    assert ticked(again) == [] and "Choose a change." not in again

    # A change chosen, no row: refused, the change still chosen.
    client.post(url, {"change": "ticket_priority:low", "back": back, "priority": "high"})
    page = html_lib.unescape(client.get(back).content.decode())
    assert re.search(r'<option value="ticket_priority:low" selected>', page)
    assert "Select at least one row" in page and ticked(page) == []

    # "All matching" ticked and a person no longer in the store: refused, both kept.
    client.post(url, {"change": "ticket_assignee:999999", "all_matching": "on", "back": back, "priority": "high"})
    page = html_lib.unescape(client.get(back).content.decode())
    assert re.search(r'id="bulk-tickets-all"\s+checked', page)
    assert "Choose a change from the list." in page or "not a user of this store" in page
    assert not Job.objects.exists()


def test_ticked_rows_not_on_the_page_shown_are_still_sent(acme, login_as, sandbox):
    """Rows ticked after "Load more" are not on the first page the refused form comes
    back to: they are kept in the form (hidden) and counted."""
    client = login_as(acme, Role.AGENT)
    shown = api_get(sandbox, "acme", "tickets/")["results"]
    beyond = "999001"  # not among the rows shown
    client.post(
        reverse("bulk_tickets", kwargs={"store": "acme"}),
        {"ids": [str(shown[0]["id"]), beyond], "back": inbox()},
    )
    page = client.get(inbox()).content.decode()
    assert ticked(page) == [str(shown[0]["id"])]
    assert hidden_ids(page) == [beyond]
    assert re.search(r"<span data-selected-count>2</span>", page)


def test_a_refused_orders_bulk_form_keeps_its_rows_and_what_was_typed(acme, login_as, sandbox):
    client = login_as(acme, Role.MANAGER)
    numbers = sandbox.order_numbers("acme")[:3]
    back = reverse("order_list", kwargs={"store": "acme"})
    response = client.post(
        reverse("bulk_orders", kwargs={"store": "acme"}),
        {"action": "tag_remove", "value": "vip, gift", "ids": numbers[:2], "back": back},
    )
    assert response.status_code == 302 and not Job.objects.exists()
    page = html_lib.unescape(client.get(back).content.decode())
    assert sorted(ticked(page, "bulk-orders")) == sorted(numbers[:2])
    assert 'value="vip, gift"' in page
    assert re.search(r'<option value="tag_remove" selected>', page)
    assert "A tag is at most 100 characters, without commas." in page


def test_another_stores_draft_is_not_shown(connect_store, login_as, sandbox):
    acme, bergmann = connect_store("acme"), connect_store("bergmann")
    client = login_as(acme, Role.AGENT)
    login_as(bergmann, Role.AGENT, operator=client.operator)
    ticket = api_get(sandbox, "acme", "tickets/")["results"][0]
    client.post(reverse("bulk_tickets", kwargs={"store": "acme"}), {"ids": [str(ticket["id"])], "back": inbox()})
    other = client.get(reverse("ticket_list", kwargs={"store": "bergmann"})).content.decode()
    toolbar = re.search(r'<form id="bulk-tickets".*?</form>', other, re.S).group(0)
    assert ticked(other) == [] and "Choose a change." not in toolbar
    assert ticked(client.get(inbox()).content.decode()) == [str(ticket["id"])]
