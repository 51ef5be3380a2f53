"""Names, not numbers (issue 11, section 2): the assignee picked by name, names in the
inboxes, who wrote each message of a thread, and the store's refusals in plain words;
against the sandbox store over real HTTP."""

import html as html_lib
import re

import pytest
from django.urls import reverse

from dashboard.models import AuditEntry, OperatorAuthorship
from storeapi.roles import Role
from tests.factories import MembershipFactory, OperatorFactory

from .conftest import HX, api_get
from .html_forms import forms_of

pytestmark = pytest.mark.django_db


def staff_of(sandbox, store="acme") -> dict[int, str]:
    """The store's users as the store lists them: id -> "First Last"."""
    users = api_get(sandbox, store, "users/", user_type="dashboard")["results"]
    return {u["id"]: f"{u['first_name']} {u['last_name']}".strip() for u in users}


def detail_url(ticket_id, store="acme"):
    return reverse("ticket_detail", kwargs={"store": store, "ticket_id": ticket_id})


def update_url(ticket_id, store="acme"):
    return reverse("ticket_update", kwargs={"store": store, "ticket_id": ticket_id})


def select_html(page: str, name: str) -> str:
    found = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert found, f"no <select name={name}>"
    return found.group(1)


def options(select: str) -> list[tuple[str, str]]:
    return [(v, html_lib.unescape(label)) for v, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)<', select)]


def drawn_of(html: str) -> str:
    """The properties form's record of what it was drawn from (only changes are sent)."""
    return forms_of(html, within="ticket-properties")[0]["drawn"]


def selected(select: str) -> str:
    found = re.search(r'<option value="([^"]*)"[^>]*selected', select)
    return found.group(1) if found else ""


def test_the_assignee_is_picked_by_name_or_unassigned(acme, login_as, sandbox):
    staff = staff_of(sandbox)
    client = login_as(acme, Role.AGENT)
    ticket = next(t for t in api_get(sandbox, "acme", "tickets/")["results"] if t["assignee"])
    page = client.get(detail_url(ticket["id"])).content.decode()
    picker = select_html(page, "assignee")
    offered = options(picker)
    assert offered[0] == ("", "Unassigned")
    assert {int(v): label for v, label in offered[1:]} == staff
    assert [label for _, label in offered[1:]] == sorted(staff.values(), key=str.casefold)  # by name
    assert selected(picker) == str(ticket["assignee"])
    assert "store user&#x27;s id" not in page and "store user's id" not in page

    other = next(i for i in staff if i != ticket["assignee"])
    data = {"status": ticket["status"], "priority": ticket["priority"], "tags": ", ".join(ticket["tags"])}
    answer = client.post(
        update_url(ticket["id"]), {**data, "assignee": other, "drawn": drawn_of(page)}, **HX
    ).content.decode()
    assert "Saved." in answer and selected(select_html(answer, "assignee")) == str(other)
    assert api_get(sandbox, "acme", f"tickets/{ticket['id']}/")["assignee"] == other
    # The audit log names both people, not their ids.
    entry = AuditEntry.objects.filter(action="ticket.updated", object_id=str(ticket["id"])).latest("pk")
    assert f"assignee {staff[ticket['assignee']]} → {staff[other]}" in entry.summary

    answer = client.post(
        update_url(ticket["id"]), {**data, "assignee": "", "drawn": drawn_of(answer)}, **HX
    ).content.decode()
    assert "Saved." in answer and selected(select_html(answer, "assignee")) == ""
    assert api_get(sandbox, "acme", f"tickets/{ticket['id']}/")["assignee"] is None


def test_someone_who_is_not_a_store_user_is_refused_on_the_field(acme, login_as, sandbox):
    client = login_as(acme, Role.AGENT)
    ticket = api_get(sandbox, "acme", "tickets/")["results"][0]
    page = client.get(detail_url(ticket["id"])).content.decode()
    data = {"status": ticket["status"], "priority": ticket["priority"], "assignee": "99999", "drawn": drawn_of(page)}
    answer = client.post(update_url(ticket["id"]), data, **HX)
    text = html_lib.unescape(answer.content.decode())
    assert answer.status_code == 200  # htmx swaps the form with its error
    assert "that person is not a user of this store" in text
    assert api_get(sandbox, "acme", f"tickets/{ticket['id']}/")["assignee"] == ticket["assignee"]


def test_the_stores_refusal_is_said_in_plain_words_on_its_field(acme, login_as, sandbox):
    """A store user listed a moment ago (the list is cached) and removed since: the store
    refuses the assignment with `Invalid pk "N" - object does not exist.`, which the
    operator reads on the Assignee field in plain words."""
    email = "leaving.soon@acme.example.com"
    leaving = sandbox.add_staff("acme", email)
    client = login_as(acme, Role.AGENT)
    ticket = api_get(sandbox, "acme", "tickets/")["results"][3]
    page = client.get(detail_url(ticket["id"])).content.decode()
    assert str(leaving) in dict(options(select_html(page, "assignee")))  # listed (and now cached)
    assert sandbox.remove_staff("acme", email) == 1
    data = {"status": ticket["status"], "priority": ticket["priority"], "assignee": leaving, "drawn": drawn_of(page)}
    answer = client.post(update_url(ticket["id"]), data, **HX).content.decode()
    text = html_lib.unescape(answer)
    assert "Invalid pk" not in text and "object does not exist" not in text
    assert f"There is no store user {leaving} in this store (removed, perhaps). Choose another." in text
    # On the field, beside the picker, not above the form.
    field = text[text.index('name="assignee"') :]
    assert field.index("There is no store user") < field.index('name="tags"')


def test_names_in_the_inbox_and_its_assignee_filter(acme, login_as, sandbox):
    staff = staff_of(sandbox)
    client = login_as(acme, Role.VIEWER)
    page = client.get(reverse("ticket_list", kwargs={"store": "acme"})).content.decode()
    tickets = api_get(sandbox, "acme", "tickets/")["results"]
    assigned = next(t for t in tickets if t["assignee"])
    unassigned = next(t for t in tickets if not t["assignee"])
    row = re.search(rf'<tr id="ticket-{assigned["id"]}".*?</tr>', page, re.S).group(0)
    assert html_lib.unescape(row).count(staff[assigned["assignee"]]) == 1
    assert f"#{assigned['assignee']}<" not in row
    row = re.search(rf'<tr id="ticket-{unassigned["id"]}".*?</tr>', page, re.S).group(0)
    assert "Unassigned" in row
    offered = options(select_html(page, "assignee"))
    assert offered[0] == ("", "Anyone") and {int(v) for v, _ in offered[1:]} == set(staff)

    # Filtering by someone: their tickets, and the chip names them.
    someone = assigned["assignee"]
    page = client.get(reverse("ticket_list", kwargs={"store": "acme"}), {"assignee": someone}).content.decode()
    expected = [t["id"] for t in api_get(sandbox, "acme", "tickets/", assignee=someone)["results"]]
    assert [int(i) for i in re.findall(r'data-ticket-id="(\d+)"', page)] == expected
    assert f"Assignee: {staff[someone]}" in re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_store_users_are_read_once_for_the_team(acme, login_as, sandbox):
    sandbox.clear_request_log("acme")
    for role in (Role.VIEWER, Role.AGENT):
        login_as(acme, role).get(reverse("ticket_list", kwargs={"store": "acme"}))
    asked = [r for r in sandbox.request_log("acme") if r["path"] == "/acme/api/admin/users/"]
    assert len(asked) == 1 and "user_type=dashboard" in asked[0]["query"]


def test_names_in_the_all_stores_inbox(connect_store, client, sandbox):
    operator = OperatorFactory()
    for name in ("acme", "bergmann"):
        MembershipFactory(operator=operator, store=connect_store(name), role=Role.VIEWER)
    client.force_login(operator)
    page = html_lib.unescape(client.get(reverse("all_tickets")).content.decode())
    for store in ("acme", "bergmann"):
        staff = staff_of(sandbox, store)
        ticket = next(t for t in api_get(sandbox, store, "tickets/")["results"] if t["assignee"])
        row = re.search(rf'<tr id="ticket-{store}-{ticket["id"]}".*?</tr>', page, re.S)
        assert row, f"{store} ticket {ticket['id']} not on the first page"
        assert staff[ticket["assignee"]] in row.group(0)


def test_the_thread_names_who_wrote_each_message(acme, login_as, sandbox):
    staff = staff_of(sandbox)
    operator = OperatorFactory(name="Ana Lee")
    client = login_as(acme, Role.AGENT, operator=operator)
    ticket = next(
        t
        for t in api_get(sandbox, "acme", "tickets/")["results"]
        if any(c["author"] for c in t["comments"]) and any(c["from_email"] for c in t["comments"])
    )
    url = reverse("ticket_reply", kwargs={"store": "acme", "ticket_id": ticket["id"]})
    client.post(url, {"body": "Checked with the warehouse.", "visibility": "internal"}, **HX)
    thread = api_get(sandbox, "acme", f"tickets/{ticket['id']}/")["comments"]
    mine = thread[-1]
    assert mine["body"] == "Checked with the warehouse." and mine["author"]  # the store names the app's user
    assert OperatorAuthorship.objects.get(store=acme, object_id=str(mine["id"])).operator == operator

    page = html_lib.unescape(client.get(detail_url(ticket["id"])).content.decode())

    def author_of(comment) -> str:
        item = re.search(rf'<li id="comment-{comment["id"]}".*?</li>', page, re.S).group(0)
        return re.sub(r"\s+", " ", re.search(r'<span class="thread-author">(.*?)</span>\s*</span>', item, re.S)[1])

    assert re.sub(r"<[^>]+>", "", author_of(mine)) == "Ana Lee · via Storedesk"
    staff_comment = next(c for c in thread if c["author"] and c["id"] != mine["id"])
    assert author_of(staff_comment) == staff[staff_comment["author"]]
    customer_comment = next(c for c in thread if c["from_email"])
    assert author_of(customer_comment) == customer_comment["from_email"]
    # Another operator sees the same.
    other = login_as(acme, Role.VIEWER)
    assert "Ana Lee · via Storedesk" in re.sub(
        r"<[^>]+>", "", html_lib.unescape(other.get(detail_url(ticket["id"])).content.decode())
    )


def test_order_and_customer_notes_name_the_operator_who_wrote_them(acme, login_as, sandbox):
    operator = OperatorFactory(name="Ana Lee")
    client = login_as(acme, Role.AGENT, operator=operator)
    number = sandbox.order_numbers("acme")[7]
    client.post(reverse("order_note_add", kwargs={"store": "acme", "number": number}), {"message": "Refund promised."})
    note = api_get(sandbox, "acme", f"orders/{number}/notes/")["results"][0]
    assert note["message"] == "Refund promised." and note["author"]["email"]  # the app's store user, says the store
    customer = api_get(sandbox, "acme", "users/")["results"][1]
    url = reverse("customer_note_add", kwargs={"store": "acme", "customer_id": customer["id"]})
    client.post(url, {"message": "Prefers phone calls."})

    other = login_as(acme, Role.VIEWER)  # what a colleague sees
    for page_url, message in (
        (reverse("order_detail", kwargs={"store": "acme", "number": number}), "Refund promised."),
        (reverse("customer_detail", kwargs={"store": "acme", "customer_id": customer["id"]}), "Prefers phone calls."),
    ):
        page = html_lib.unescape(other.get(page_url).content.decode())
        item = next(li for li in re.findall(r'<li class="list-group-item note".*?</li>', page, re.S) if message in li)
        assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip().startswith("Ana Lee · via Storedesk")


def test_the_all_stores_inbox_names_rows_from_the_shared_cache(connect_store, client, sandbox):
    """Once a store's types and users are cached, the inbox reads them for every store in
    one round trip to Redis and asks no store for them; the names are the same."""
    from dashboard.selectors.tickets import cached_ticket_labels, store_staff_list, ticket_types_list

    operator = OperatorFactory()
    stores = [connect_store(name) for name in ("acme", "bergmann")]
    for store in stores:
        MembershipFactory(operator=operator, store=store, role=Role.VIEWER)
    assert cached_ticket_labels(stores=stores) == {}  # nothing read yet
    client.force_login(operator)
    first = client.get(reverse("all_tickets")).content.decode()

    labels = cached_ticket_labels(stores=stores)
    assert set(labels) == {store.pk for store in stores}
    for store in stores:
        assert labels[store.pk] == (ticket_types_list(store=store), store_staff_list(store=store))
        assert labels[store.pk][1] and any(member["name"] in first for member in labels[store.pk][1])
        sandbox.clear_request_log(store.subdomain)
    again = client.get(reverse("all_tickets")).content.decode()
    for store in stores:
        asked = {r["path"] for r in sandbox.request_log(store.subdomain)}
        assert not asked & {f"/{store.subdomain}/api/admin/users/", f"/{store.subdomain}/api/admin/tickettypes/"}
    assert re.findall(r'<tr id="ticket-.*?</tr>', again, re.S) == re.findall(r'<tr id="ticket-.*?</tr>', first, re.S)
