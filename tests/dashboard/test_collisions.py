"""Collision warnings on tickets: who else has one open (the presence line and the inbox's
mark), and a reply held back when the thread changed since the page was drawn."""

import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from dashboard.forms.filters import TicketFilterForm
from dashboard.models import AuditEntry
from storeapi import cache as read_cache
from storeapi.redis_client import shared_redis
from storeapi.roles import Role
from tests.factories import MembershipFactory, OperatorFactory

from .conftest import HX, api_get
from .html_forms import forms_of

pytestmark = pytest.mark.django_db


def presence_url(ticket_id, store="acme"):
    return reverse("ticket_presence", kwargs={"store": store, "ticket_id": ticket_id})


def member(store, role=Role.AGENT, name="Ana Lima"):
    operator = OperatorFactory(name=name)
    MembershipFactory(operator=operator, store=store, role=role)
    return operator


def client_of(operator, **kwargs):
    client = Client(**kwargs)
    client.force_login(operator)
    return client


def a_ticket_id(sandbox, index=0):
    return api_get(sandbox, "acme", "tickets/")["results"][index]["id"]


# --- the presence line ---------------------------------------------------------------------


def test_a_colleague_on_the_ticket_is_shown_and_typing_too(acme, sandbox):
    ana, ben = member(acme, name="Ana Lima"), member(acme, name="Ben Okafor")
    ticket_id = a_ticket_id(sandbox)
    assert client_of(ana).post(presence_url(ticket_id), **HX).content.decode().strip() == ""
    line = client_of(ben).post(presence_url(ticket_id), **HX).content.decode()
    assert "Ana Lima is also viewing" in line
    client_of(ana).post(presence_url(ticket_id), {"typing": "1"}, **HX)
    line = client_of(ben).post(presence_url(ticket_id), **HX).content.decode()
    assert "Ana Lima is typing a reply" in line and "also viewing" not in line
    client_of(ana).post(presence_url(ticket_id), {"typing": "0"}, **HX)  # her reply went
    assert "Ana Lima is also viewing" in client_of(ben).post(presence_url(ticket_id), **HX).content.decode()


def test_the_ticket_page_asks_for_the_presence_line(acme, sandbox):
    ana = member(acme)
    ticket_id = a_ticket_id(sandbox)
    html = client_of(ana).get(reverse("ticket_detail", kwargs={"store": "acme", "ticket_id": ticket_id})).content
    html = html.decode()
    assert f'hx-post="{presence_url(ticket_id)}"' in html and "data-presence" in html
    assert 'name="seen_comment"' in html


def test_a_viewer_is_shown_viewing_but_never_typing(acme, sandbox):
    viewer, ben = member(acme, Role.VIEWER, name="Vic Viewer"), member(acme, name="Ben Okafor")
    ticket_id = a_ticket_id(sandbox)
    client_of(viewer).post(presence_url(ticket_id), {"typing": "1"}, **HX)
    line = client_of(ben).post(presence_url(ticket_id), **HX).content.decode()
    assert "Vic Viewer is also viewing" in line


def test_leaving_drops_the_operator_at_once(acme, sandbox):
    ana, ben = member(acme, name="Ana Lima"), member(acme, name="Ben Okafor")
    ticket_id = a_ticket_id(sandbox)
    client_of(ana).post(presence_url(ticket_id), **HX)
    assert client_of(ana).post(presence_url(ticket_id), {"leave": "1"}).status_code == 204
    assert "Ana" not in client_of(ben).post(presence_url(ticket_id), **HX).content.decode()


def test_an_operator_of_another_store_gets_404_and_neither_marks_nor_sees(acme, connect_store, sandbox):
    ana = member(acme, name="Ana Lima")
    outsider = member(connect_store("bergmann"), Role.OWNER, name="Otto Outsider")
    ticket_id = a_ticket_id(sandbox)
    client_of(ana).post(presence_url(ticket_id), **HX)
    response = client_of(outsider).post(presence_url(ticket_id), **HX)
    assert response.status_code == 404 and b"Ana" not in response.content
    assert client_of(outsider).post(presence_url(ticket_id), {"leave": "1"}).status_code == 404
    # Otto left no mark on Acme's ticket, and Ana's is still there.
    marks = shared_redis().hkeys(f"dashboard:ticket-presence:{acme.pk}:{ticket_id}")
    assert marks == [str(ana.pk).encode()]


def test_presence_needs_the_csrf_token_and_a_post(acme, sandbox):
    ana, ben = member(acme, name="Ana Lima"), member(acme, name="Ben Okafor")
    ticket_id = a_ticket_id(sandbox)
    assert client_of(ana, enforce_csrf_checks=True).post(presence_url(ticket_id), **HX).status_code == 403
    assert client_of(ana).get(presence_url(ticket_id)).status_code == 405
    assert "Ana" not in client_of(ben).post(presence_url(ticket_id), **HX).content.decode()


def test_a_signed_out_visitor_is_sent_to_sign_in(acme, sandbox):
    response = Client().post(presence_url(a_ticket_id(sandbox)))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_names_are_escaped_on_the_line_and_in_the_inbox(acme, sandbox):
    hostile = member(acme, name='<img src=x onerror=alert(1)> "Eve"')
    ben = member(acme, name="Ben Okafor")
    ticket_id = a_ticket_id(sandbox)
    client_of(hostile).post(presence_url(ticket_id), **HX)
    line = client_of(ben).post(presence_url(ticket_id), **HX).content.decode()
    assert "<img" not in line and "&lt;img src=x onerror=alert(1)&gt;" in line
    inbox = client_of(ben).get(reverse("ticket_list", kwargs={"store": "acme"})).content.decode()
    assert "data-presence-mark" in inbox and "<img src=x" not in inbox
    assert 'title="&lt;img src=x onerror=alert(1)&gt; &quot;Eve&quot; has it open"' in inbox


# --- the inbox's mark ------------------------------------------------------------------------


def row_of(html, ticket_id, store=None):
    row_id = f"ticket-{store}-{ticket_id}" if store else f"ticket-{ticket_id}"
    return re.search(rf'<tr id="{row_id}".*?</tr>', html, re.S).group(0)


def test_the_inbox_marks_the_rows_someone_else_has_open(acme, sandbox):
    ana, ben = member(acme, name="Ana Lima"), member(acme, name="Ben Okafor")
    results = api_get(sandbox, "acme", "tickets/")["results"]
    opened, typed, alone = results[0]["id"], results[1]["id"], results[2]["id"]
    client_of(ana).post(presence_url(opened), **HX)
    client_of(ana).post(presence_url(typed), {"typing": "1"}, **HX)
    client_of(ben).post(presence_url(alone), **HX)

    html = client_of(ben).get(reverse("ticket_list", kwargs={"store": "acme"})).content.decode()
    assert "Ana Lima has it open" in row_of(html, opened)
    assert "Ana Lima is typing a reply" in row_of(html, typed)
    assert "data-presence-mark" not in row_of(html, alone)  # only Ben himself is there
    assert html.count("data-presence-mark") == 2
    # Ana sees Ben on his ticket, not herself on hers.
    html = client_of(ana).get(reverse("ticket_list", kwargs={"store": "acme"})).content.decode()
    assert "Ben Okafor has it open" in row_of(html, alone)
    assert "data-presence-mark" not in row_of(html, opened)


def test_the_inbox_marks_the_rows_when_htmx_updates_them_too(acme, sandbox):
    ana, ben = member(acme, name="Ana Lima"), member(acme, name="Ben Okafor")
    opened = api_get(sandbox, "acme", "tickets/")["results"][0]["id"]
    client_of(ana).post(presence_url(opened), **HX)
    # A filter's update (the results partial) reads presence on its own, without the counts.
    html = client_of(ben).get(reverse("ticket_list", kwargs={"store": "acme"}), **HX).content.decode()
    assert "<html" not in html
    assert "Ana Lima has it open" in row_of(html, opened)


def test_the_all_stores_inbox_marks_rows_of_each_store(acme, connect_store, sandbox):
    siam = connect_store("siam")
    ana, ben = member(acme, name="Ana Lima"), member(acme, name="Ben Okafor")
    MembershipFactory(operator=ben, store=siam, role=Role.AGENT)
    html = client_of(ben).get(reverse("all_tickets")).content.decode()
    acme_id = re.search(r'<tr id="ticket-acme-(\d+)"', html).group(1)
    siam_id = re.search(r'<tr id="ticket-siam-(\d+)"', html).group(1)
    client_of(ana).post(presence_url(acme_id), **HX)
    html = client_of(ben).get(reverse("all_tickets")).content.decode()
    assert "Ana Lima has it open" in row_of(html, acme_id, "acme")
    # Presence is per store: the same number in another store is another ticket.
    siam_row = row_of(html, siam_id, "siam")
    assert "data-presence-mark" not in siam_row
    # Each row keeps its slot, named by its store, for the page's refresh of the marks.
    assert f'id="presence-siam-{siam_id}"' in siam_row and "data-inbox-presence" in html


# --- the inbox's marks, refreshed -----------------------------------------------------------------


def slots_of(html) -> dict[str, str]:
    """Each presence slot's id and what it holds (a mark's words, or "")."""
    slots = {}
    for part in html.split('<span class="presence-slot" id="')[1:]:
        slot, rest = part.split('"', 1)
        words = re.match(
            r'[^>]*>(?:<span class="badge[^>]*>.*?<span class="visually-hidden">([^<]*)</span></span>)?</span>', rest
        )
        slots[slot] = words.group(1) or ""
    return slots


def test_every_inbox_row_keeps_a_slot_for_its_mark(acme, sandbox):
    ben = member(acme, name="Ben Okafor")
    html = client_of(ben).get(reverse("ticket_list", kwargs={"store": "acme"})).content.decode()
    ids = [str(t["id"]) for t in api_get(sandbox, "acme", "tickets/")["results"]]
    assert slots_of(html) == {f"presence-acme-{i}": "" for i in ids}
    assert 'data-inbox-presence data-quiet hx-post="/tickets/presence/"' in html


def test_the_inbox_asks_again_who_is_on_its_rows(acme, connect_store, sandbox):
    siam = connect_store("siam")
    ana, ben = member(acme, name="Ana Lima"), member(acme, name="Ben Okafor")
    MembershipFactory(operator=ben, store=siam, role=Role.VIEWER)
    MembershipFactory(operator=ana, store=siam, role=Role.AGENT)
    opened, typed, alone = (str(t["id"]) for t in api_get(sandbox, "acme", "tickets/")["results"][:3])
    siam_ticket = str(api_get(sandbox, "siam", "tickets/")["results"][0]["id"])
    client_of(ana).post(presence_url(opened), **HX)
    client_of(ana).post(presence_url(typed), {"typing": "1"}, **HX)
    client_of(ana).post(presence_url(siam_ticket, store="siam"), **HX)
    client_of(ben).post(presence_url(alone), **HX)
    asked = [f"acme:{opened}", f"acme:{typed}", f"acme:{alone}", f"siam:{siam_ticket}", f"siam:{opened}"]
    response = client_of(ben).post(reverse("inbox_presence"), {"t": asked}, **HX)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert html.count('hx-swap-oob="true"') == 5  # each row asked, a mark or none
    assert slots_of(html) == {
        f"presence-acme-{opened}": "Ana Lima has it open",
        f"presence-acme-{typed}": "Ana Lima is typing a reply",
        f"presence-acme-{alone}": "",  # only Ben himself is there
        f"presence-siam-{siam_ticket}": "Ana Lima has it open",
        f"presence-siam-{opened}": "",  # the same number in another store is another ticket
    }
    # Ana leaves: the next answer takes her mark away.
    client_of(ana).post(presence_url(opened), {"leave": "1"}, **HX)
    html = client_of(ben).post(reverse("inbox_presence"), {"t": asked[:1]}, **HX).content.decode()
    assert slots_of(html) == {f"presence-acme-{opened}": ""}


def test_the_inbox_marks_say_nothing_of_a_store_one_is_not_a_member_of(acme, connect_store, sandbox):
    bergmann = connect_store("bergmann")
    outsider = member(acme, name="Olga Outsider")
    insider = member(bergmann, name="Ian Insider")
    ticket = str(api_get(sandbox, "bergmann", "tickets/")["results"][0]["id"])
    client_of(insider).post(presence_url(ticket, store="bergmann"), **HX)
    answer = client_of(outsider).post(
        reverse("inbox_presence"),
        {"t": [f"bergmann:{ticket}", "acme:1:2", "ACME:1", "acme:x", "acme:²", "<b>:1", ""]},
        **HX,
    )
    assert answer.status_code == 200 and answer.content == b""  # nothing asked about them, nothing said
    # Only a POST with the CSRF token, for signed-in operators; and a bounded number of rows.
    assert client_of(outsider).get(reverse("inbox_presence")).status_code == 405
    strict = client_of(insider, enforce_csrf_checks=True)
    assert strict.post(reverse("inbox_presence"), {"t": f"bergmann:{ticket}"}, **HX).status_code == 403
    response = Client().post(reverse("inbox_presence"), {"t": f"acme:{ticket}"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    many = client_of(insider).post(reverse("inbox_presence"), {"t": [f"bergmann:{n}" for n in range(1, 400)]})
    assert many.content.decode().count("presence-slot") == 250


# --- the thread changed before a reply was sent ------------------------------------------------


def reply_url(ticket_id):
    return reverse("ticket_reply", kwargs={"store": "acme", "ticket_id": ticket_id})


def comment_at_the_store(sandbox, ticket_id, body, *, is_public=True):
    """A colleague at the store's own dashboard (or the customer) writes on the thread."""
    response = sandbox.api(
        "acme",
        "POST",
        f"tickets/{ticket_id}/comments/",
        sandbox.issue_token("acme"),
        json={"body": body, "is_public": is_public},
    )
    response.raise_for_status()


def test_a_reply_is_held_when_the_thread_changed_then_sent_anyway(acme, sandbox):
    ana = member(acme)
    client = client_of(ana)
    ticket_id = a_ticket_id(sandbox, 3)
    page = client.get(reverse("ticket_detail", kwargs={"store": "acme", "ticket_id": ticket_id})).content.decode()
    (form,) = [f for f in forms_of(page) if f["_action"] == reply_url(ticket_id)]
    comment_at_the_store(sandbox, ticket_id, "Customer: actually, <b>never mind</b>!")
    before = len(api_get(sandbox, "acme", f"tickets/{ticket_id}/")["comments"])

    form.update(body="We have refunded you.", visibility="public")
    answer = client.post(reply_url(ticket_id), form, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ticket-thread")
    html = answer.content.decode()
    assert answer.status_code == 200
    assert len(api_get(sandbox, "acme", f"tickets/{ticket_id}/")["comments"]) == before  # not sent
    assert not AuditEntry.objects.filter(action="ticket.replied").exists()
    warning = re.search(
        r'<div id="ticket-thread-changed".*?</div>\s*</div>|<div id="ticket-thread-changed".*', html, re.S
    )
    assert warning and "1 new message" in html
    assert "Customer: actually, &lt;b&gt;never mind&lt;/b&gt;!" in html  # shown, escaped
    assert "We have refunded you.</textarea>" in html  # the operator's text kept
    assert re.search(r'<button type="submit" name="visibility" value="public"[^>]*data-send-anyway', html)

    # "Send anyway": the form as redrawn (it now knows the new message) goes through.
    (again,) = [f for f in forms_of(html) if f["_action"] == reply_url(ticket_id)]
    again["visibility"] = "public"
    html = client.post(reply_url(ticket_id), again, HTTP_HX_REQUEST="true").content.decode()
    comments = api_get(sandbox, "acme", f"tickets/{ticket_id}/")["comments"]
    assert len(comments) == before + 1 and comments[-1]["body"] == "We have refunded you."
    assert "ticket-thread-changed" not in html and "Reply sent." in html


def test_without_javascript_the_held_reply_is_the_whole_page_with_409(acme, sandbox):
    client = client_of(member(acme))
    ticket_id = a_ticket_id(sandbox, 4)
    page = client.get(reverse("ticket_detail", kwargs={"store": "acme", "ticket_id": ticket_id})).content.decode()
    (form,) = [f for f in forms_of(page) if f["_action"] == reply_url(ticket_id)]
    comment_at_the_store(sandbox, ticket_id, "A colleague's internal note", is_public=False)
    form.update(body="Note from me", visibility="internal")
    response = client.post(reply_url(ticket_id), form)
    html = response.content.decode()
    assert response.status_code == 409 and "<html" in html
    assert "Not sent yet" in html and "A colleague&#x27;s internal note" in html
    assert "Send anyway (internal note)" in html


def test_an_unchanged_thread_sends_at_once(acme, sandbox):
    client = client_of(member(acme))
    ticket_id = a_ticket_id(sandbox, 5)
    page = client.get(reverse("ticket_detail", kwargs={"store": "acme", "ticket_id": ticket_id})).content.decode()
    (form,) = [f for f in forms_of(page) if f["_action"] == reply_url(ticket_id)]
    assert int(form["seen_comment"]) == max(
        c["id"] for c in api_get(sandbox, "acme", f"tickets/{ticket_id}/")["comments"]
    )
    form.update(body="Straight through", visibility="internal")
    response = client.post(reply_url(ticket_id), form)
    assert response.status_code == 302
    assert api_get(sandbox, "acme", f"tickets/{ticket_id}/")["comments"][-1]["body"] == "Straight through"


def test_an_odd_row_in_the_stores_answer_does_not_break_the_inbox_or_its_marks(acme, sandbox):
    ana, ben = member(acme, name="Ana Lima"), member(acme, name="Ben Okafor")
    inbox = reverse("ticket_list", kwargs={"store": "acme"})
    client_of(ben).get(inbox)  # the list's answer is kept in the shared cache
    params = TicketFilterForm({}, ticket_types=[], staff=[]).upstream_params()
    found = read_cache.lookup(acme.pk, "tickets/", params)
    assert found.entry is not None, "the inbox's answer is where the test looks for it"
    ticket = found.entry.value["results"][0]
    odd = {**found.entry.value, "results": ["not a ticket", ticket]}
    read_cache.save(found, odd, fetched_at=time.time())
    client_of(ana).post(presence_url(ticket["id"]), **HX)

    answer = client_of(ben).get(inbox)
    assert answer.status_code == 200
    assert "Ana Lima has it open" in row_of(answer.content.decode(), ticket["id"])
