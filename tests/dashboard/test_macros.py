"""Macros: the Macros page (managers), and picking, previewing and applying one on a
ticket (agents), against the sandbox over real HTTP. Every rule of who may do what is
tried as an attack here (dashboard/selectors/macros.py)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from dashboard.forms.macros import MacroForm
from dashboard.models import AuditEntry, Macro
from storeapi.roles import Role
from tests.factories import MembershipFactory, OperatorFactory

from .conftest import HX, api_get

pytestmark = pytest.mark.django_db


def a_macro(store, author=None, **fields) -> Macro:
    defaults = {"name": "Where is my order", "body": "Hi {{ customer.first_name }}, order {{ order.number }}."}
    macro = Macro(store=store, author=author, author_name=author.get_full_name() if author else "", **defaults)
    for name, value in fields.items():
        setattr(macro, name, value)
    macro.save()
    return macro


def member(store, role, operator=None):
    operator = operator or OperatorFactory()
    MembershipFactory(operator=operator, store=store, role=role)
    return operator


def signed_in(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


def ticket_with_order_and_requester(sandbox, store="acme") -> dict:
    for ticket in api_get(sandbox, store, "tickets/")["results"]:
        if ticket.get("order") and ticket.get("requester"):
            return api_get(sandbox, store, f"tickets/{ticket['id']}/")
    raise AssertionError("no seeded ticket with an order and a requester")


def ticket_without_order(sandbox, store="acme") -> dict:
    for ticket in api_get(sandbox, store, "tickets/")["results"]:
        if not ticket.get("order"):
            return api_get(sandbox, store, f"tickets/{ticket['id']}/")
    raise AssertionError("no seeded ticket without an order")


def options_url(ticket_id, store="acme"):
    return reverse("ticket_macro_options", kwargs={"store": store, "ticket_id": ticket_id})


def preview_url(ticket_id, macro, store="acme"):
    return reverse("ticket_macro_preview", kwargs={"store": store, "ticket_id": ticket_id, "macro_id": macro.pk})


def apply_url(ticket_id, macro, store="acme"):
    return reverse("ticket_macro_apply", kwargs={"store": store, "ticket_id": ticket_id, "macro_id": macro.pk})


def preview_form(client, ticket_id, macro) -> dict:
    """The preview's fields, as the browser would send them."""
    html = client.get(preview_url(ticket_id, macro), **HX).content.decode()
    drawn = re.search(r'name="drawn" value="([^"]+)"', html).group(1)
    body = re.search(r'<textarea id="macro-body"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    apply_form = html[html.index('id="macro-apply-form"') :]
    seen = re.search(r'name="seen_comment" value="(\d+)"', apply_form).group(1)
    from html import unescape

    return {"body": unescape(body).lstrip("\n"), "drawn": drawn, "seen_comment": seen}


# --- the form ------------------------------------------------------------------------------


def test_unknown_variables_are_a_form_error(acme):
    form = MacroForm(
        {"name": "x", "kind": "public", "body": "Hi {{ customer.first_name }} {{ customer.password }} {{ x.y }}"},
        stores=[acme],
    )
    assert not form.is_valid()
    (error,) = form.errors["body"]
    assert "{{ customer.password }}, {{ x.y }}" in error
    ok = MacroForm(
        {"name": "x", "kind": "public", "body": "Hi {{customer.first_name}}", "tags": "a, b, a"}, stores=[acme]
    )
    assert ok.is_valid(), ok.errors
    assert ok.cleaned_data["tags"] == ["a", "b"]


def test_a_macro_may_only_be_put_in_a_store_the_operator_manages(connect_store):
    acme, bergmann = connect_store("acme"), connect_store("bergmann")
    form = MacroForm({"name": "x", "kind": "public", "body": "Hi", "store": bergmann.pk}, stores=[acme])
    assert not form.is_valid()
    assert "store" in form.errors
    assert MacroForm({"name": "x", "kind": "public", "body": "Hi", "store": ""}, stores=[acme]).is_valid()


def test_too_many_or_too_long_tags_are_refused(acme):
    many = ", ".join(f"t{n}" for n in range(11))
    assert "tags" in MacroForm({"name": "x", "kind": "public", "body": "b", "tags": many}, stores=[acme]).errors
    assert "tags" in MacroForm({"name": "x", "kind": "public", "body": "b", "tags": "x" * 51}, stores=[acme]).errors


# --- the Macros page -----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AGENT])
def test_the_macros_page_is_for_managers_and_owners(acme, role):
    client = signed_in(member(acme, role))
    assert client.get(reverse("macro_list")).status_code == 403
    assert client.post(reverse("macro_new"), {"name": "x", "kind": "public", "body": "b"}).status_code == 403
    assert not Macro.objects.exists()
    # Not in their navigation either.
    assert 'href="/macros/"' not in client.get(reverse("home")).content.decode()


def test_a_manager_creates_edits_and_deletes_a_macro(acme):
    manager = member(acme, Role.MANAGER)
    client = signed_in(manager)
    assert 'href="/macros/"' in client.get(reverse("home")).content.decode()
    response = client.post(
        reverse("macro_new"),
        {
            "name": "Refund done",
            "store": acme.pk,
            "kind": "public",
            "body": "Hi {{ customer.first_name }}, {{ nope }}",
            "status": "solved",
        },
    )
    assert response.status_code == 400
    assert "Unknown variable: {{ nope }}" in response.content.decode()
    response = client.post(
        reverse("macro_new"),
        {
            "name": "Refund done",
            "store": acme.pk,
            "kind": "public",
            "body": "Hi {{ customer.first_name }}",
            "status": "solved",
            "tags": "refund",
        },
    )
    assert response.status_code == 302
    macro = Macro.objects.get()
    assert (macro.store, macro.author, macro.status, macro.tags) == (acme, manager, "solved", ["refund"])
    assert AuditEntry.objects.filter(action="macro.created", object_id=str(macro.pk), store=acme).exists()

    html = client.get(reverse("macro_list")).content.decode()
    assert "Refund done" in html and "Acme Outfitters" in html and "Public reply" in html
    assert re.search(rf'id="macro-{macro.pk}".*?data-usage>0<', html, re.S)

    edit = reverse("macro_edit", kwargs={"macro_id": macro.pk})
    assert 'value="refund"' in client.get(edit).content.decode()
    response = client.post(edit, {"name": "Refunded", "store": acme.pk, "kind": "internal", "body": "Done."})
    assert response.status_code == 302
    macro.refresh_from_db()
    assert (macro.name, macro.kind, macro.status, macro.tags) == ("Refunded", "internal", "", [])

    delete = reverse("macro_delete", kwargs={"macro_id": macro.pk})
    assert "Delete the macro “Refunded”?" in client.get(delete, **HX).content.decode()
    assert client.post(delete).status_code == 302
    assert not Macro.objects.exists()
    assert AuditEntry.objects.filter(action="macro.deleted", object_id=str(macro.pk)).exists()


def test_a_manager_of_one_store_cannot_touch_another_stores_macros(connect_store):
    acme, bergmann = connect_store("acme"), connect_store("bergmann")
    client = signed_in(member(acme, Role.MANAGER))
    theirs = a_macro(bergmann, member(bergmann, Role.MANAGER), name="Bergmann's own")
    assert "Bergmann&#x27;s own" not in client.get(reverse("macro_list")).content.decode()
    edit = reverse("macro_edit", kwargs={"macro_id": theirs.pk})
    delete = reverse("macro_delete", kwargs={"macro_id": theirs.pk})
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"name": "Mine now", "store": acme.pk, "kind": "public", "body": "x"}).status_code == 404
    assert client.get(delete).status_code == 404
    assert client.post(delete).status_code == 404
    # Nor move one of its own macros there.
    mine = a_macro(acme, None, name="Acme's")
    response = client.post(
        reverse("macro_edit", kwargs={"macro_id": mine.pk}),
        {"name": "Acme's", "store": bergmann.pk, "kind": "public", "body": "x"},
    )
    assert response.status_code == 400
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert (theirs.name, theirs.store, mine.store) == ("Bergmann's own", bergmann, acme)


def test_an_all_stores_macro_is_edited_by_its_author_only(acme):
    author, colleague = member(acme, Role.MANAGER), member(acme, Role.OWNER)
    macro = a_macro(None, author, name="Team-wide")
    edit = reverse("macro_edit", kwargs={"macro_id": macro.pk})
    html = signed_in(colleague).get(reverse("macro_list")).content.decode()
    assert "Team-wide" in html and "Its author" in html  # seen, not editable
    assert signed_in(colleague).get(edit).status_code == 404
    assert signed_in(colleague).post(reverse("macro_delete", kwargs={"macro_id": macro.pk})).status_code == 404
    assert signed_in(author).get(edit).status_code == 200
    # Making a store's macro all-stores makes it the editor's (it then reaches the
    # stores they manage).
    stores = a_macro(acme, author, name="Acme only")
    response = signed_in(colleague).post(
        reverse("macro_edit", kwargs={"macro_id": stores.pk}),
        {"name": "Acme only", "store": "", "kind": "public", "body": "x"},
    )
    assert response.status_code == 302
    stores.refresh_from_db()
    assert (stores.store, stores.author) == (None, colleague)


def test_every_post_needs_the_csrf_token(acme, sandbox):
    manager = member(acme, Role.MANAGER)
    macro = a_macro(acme, manager)
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    ticket = ticket_with_order_and_requester(sandbox)
    posts = [
        (reverse("macro_new"), {"name": "x", "kind": "public", "body": "b"}),
        (reverse("macro_edit", kwargs={"macro_id": macro.pk}), {"name": "x", "kind": "public", "body": "b"}),
        (reverse("macro_delete", kwargs={"macro_id": macro.pk}), {}),
        (apply_url(ticket["id"], macro), {"body": "Hello", "drawn": "x"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
        assert client.post(url, data, **HX).status_code == 403, url
    assert Macro.objects.get().name == "Where is my order"
    assert api_get(sandbox, "acme", f"tickets/{ticket['id']}/")["comments"] == ticket["comments"]


# --- which macros a ticket offers ---------------------------------------------------------


def test_the_picker_offers_the_macros_usable_on_this_store(connect_store, sandbox):
    acme, bergmann = connect_store("acme"), connect_store("bergmann")
    manager_of_acme = member(acme, Role.MANAGER)
    agent_of_acme = member(acme, Role.AGENT)
    outsider = member(bergmann, Role.OWNER)
    offered = [
        a_macro(acme, manager_of_acme, name="Acme macro"),
        a_macro(None, manager_of_acme, name="Team macro of an acme manager"),
    ]
    hidden = [
        a_macro(bergmann, outsider, name="Bergmann macro"),
        a_macro(None, outsider, name="Team macro of an outsider"),  # not a member of acme
        a_macro(None, agent_of_acme, name="Team macro of an acme agent"),  # not a manager there
        a_macro(None, None, name="Team macro without author"),
    ]
    ticket = ticket_with_order_and_requester(sandbox)
    client = signed_in(member(acme, Role.AGENT))
    html = client.get(options_url(ticket["id"]), **HX).content.decode()
    assert all(m.name in html for m in offered)
    assert not any(m.name in html for m in hidden)
    html = client.get(options_url(ticket["id"]), {"q": "team"}, **HX).content.decode()
    assert "Team macro of an acme manager" in html and "Acme macro" not in html
    # Without JavaScript: the ticket's page with the list.
    html = client.get(options_url(ticket["id"]), {"q": "acme"}).content.decode()
    assert 'id="ticket-thread"' in html and "Acme macro" in html
    # Each hidden one, asked for by id, is a 404.
    for macro in hidden:
        assert client.get(preview_url(ticket["id"], macro), **HX).status_code == 404
        assert client.post(apply_url(ticket["id"], macro), {"body": "x", "drawn": "x"}).status_code == 404


def test_viewers_cannot_pick_preview_or_apply(acme, sandbox):
    macro = a_macro(acme, member(acme, Role.MANAGER))
    ticket = ticket_with_order_and_requester(sandbox)
    client = signed_in(member(acme, Role.VIEWER))
    assert 'id="macro-picker"' not in client.get(reverse("ticket_detail", args=["acme", ticket["id"]])).content.decode()
    assert client.get(options_url(ticket["id"]), **HX).status_code == 403
    assert client.get(preview_url(ticket["id"], macro), **HX).status_code == 403
    assert client.post(apply_url(ticket["id"], macro), {"body": "x", "drawn": "x"}).status_code == 403
    assert api_get(sandbox, "acme", f"tickets/{ticket['id']}/")["comments"] == ticket["comments"]
    assert Macro.objects.get().usage_count == 0


def test_a_store_the_operator_is_not_a_member_of_is_a_404(connect_store, sandbox):
    acme, bergmann = connect_store("acme"), connect_store("bergmann")
    macro = a_macro(bergmann, member(bergmann, Role.MANAGER))
    ticket = ticket_with_order_and_requester(sandbox, "bergmann")
    client = signed_in(member(acme, Role.OWNER))
    assert client.get(options_url(ticket["id"], "bergmann"), **HX).status_code == 404
    assert client.get(preview_url(ticket["id"], macro, "bergmann"), **HX).status_code == 404
    assert client.post(apply_url(ticket["id"], macro, "bergmann"), {"body": "x", "drawn": "x"}).status_code == 404


# --- preview and apply ---------------------------------------------------------------------


def test_the_preview_fills_this_tickets_values_and_escapes_them(acme, sandbox, api):
    """Hostile text in the values that are ours to set (the store's name, the operator's);
    the customer's are tried in tests/dashboard/test_macro_text.py."""
    ticket = ticket_with_order_and_requester(sandbox)
    api("PATCH", f"tickets/{ticket['id']}/", json={"status": "open", "priority": "low"})
    customer = api_get(sandbox, "acme", f"users/{ticket['requester']}/")
    order = api_get(sandbox, "acme", f"orders/{ticket['order']}/")
    acme.name = "</textarea><script>alert(1)</script>{{ customer.first_name }}"
    acme.save()
    macro = a_macro(
        acme,
        member(acme, Role.MANAGER),
        body="Hi {{ customer.first_name }} {{ customer.last_name }} <{{ customer.email }}>, "
        "order {{ order.number }} is {{ order.status }}. {{ store.name }} / {{ operator.name }}",
        status="pending",
        priority="high",
        tags=["macro-test"],
    )
    agent = member(acme, Role.AGENT, OperatorFactory(name="{{ store.name }} <b>Bo</b>"))
    html = signed_in(agent).get(preview_url(ticket["id"], macro), **HX).content.decode()
    textarea = re.search(r'<textarea id="macro-body"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert "<script>" not in html and "<b>Bo" not in html
    assert textarea.strip() == (
        f"Hi {customer['first_name']} {customer['last_name']} &lt;{customer['email']}&gt;, "
        f"order {order['number']} is {order['status'].replace('_', ' ').capitalize()}. "
        "&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;{{ customer.first_name }} / "
        "{{ store.name }} &lt;b&gt;Bo&lt;/b&gt;"
    )
    assert "<li>Status: Open → <strong>Pending</strong></li>" in html
    assert "<li>Priority: Low → <strong>High</strong></li>" in html
    assert "macro-test</strong>" in html


def test_the_preview_names_the_variables_left_empty(acme, sandbox):
    ticket = ticket_without_order(sandbox)
    macro = a_macro(acme, member(acme, Role.MANAGER), body="Order {{ order.number }}: {{ order.tracking_url }}")
    html = signed_in(member(acme, Role.AGENT)).get(preview_url(ticket["id"], macro), **HX).content.decode()
    assert 'id="macro-empty"' in html
    assert "{{ order.number }}" in html and "{{ order.tracking_url }}" in html
    # Without JavaScript: the ticket's page with the preview in it.
    html = signed_in(member(acme, Role.AGENT)).get(preview_url(ticket["id"], macro)).content.decode()
    assert 'id="ticket-thread"' in html and 'id="macro-apply-form"' in html


def test_applying_sends_one_reply_and_one_change_audited_and_counted(acme, sandbox, api):
    ticket = ticket_with_order_and_requester(sandbox)
    api("PATCH", f"tickets/{ticket['id']}/", json={"status": "open", "priority": "low", "tags": ["existing"]})
    macro = a_macro(
        acme, member(acme, Role.MANAGER), name="Ship soon", status="pending", priority="high", tags=["shipping"]
    )
    agent = member(acme, Role.AGENT)
    client = signed_in(agent)
    form = preview_form(client, ticket["id"], macro)
    form["body"] = form["body"] + "\n\nEdited by the agent."
    sandbox.clear_request_log("acme")
    response = client.post(apply_url(ticket["id"], macro), form, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Macro “Ship soon” applied: reply sent." in html
    now = api_get(sandbox, "acme", f"tickets/{ticket['id']}/")
    assert (now["status"], now["priority"], sorted(now["tags"])) == ("pending", "high", ["existing", "shipping"])
    assert now["comments"][-1]["body"] == form["body"].strip() and now["comments"][-1]["is_public"]
    assert len(now["comments"]) == len(ticket["comments"]) + 1
    writes = [(r["method"], r["path"]) for r in sandbox.request_log("acme") if r["method"] in ("POST", "PATCH")]
    assert writes == [
        ("PATCH", f"/acme/api/admin/tickets/{ticket['id']}/"),
        ("POST", f"/acme/api/admin/tickets/{ticket['id']}/comments/"),
    ]
    macro.refresh_from_db()
    assert macro.usage_count == 1
    applied = AuditEntry.objects.get(action="ticket.macro_applied")
    assert applied.details["macro_name"] == "Ship soon" and applied.operator == agent
    assert "Ship soon" in applied.summary
    assert AuditEntry.objects.filter(action="ticket.updated", object_id=str(ticket["id"])).count() == 1
    assert AuditEntry.objects.filter(action="ticket.replied", object_id=str(ticket["id"])).count() == 1
    # Without JavaScript: a redirect to the ticket with a message; the count goes on.
    form = preview_form(client, ticket["id"], macro)
    response = client.post(apply_url(ticket["id"], macro), form)
    assert response.status_code == 302
    macro.refresh_from_db()
    assert macro.usage_count == 2


def test_an_internal_note_macro_adds_a_note(acme, sandbox):
    ticket = ticket_without_order(sandbox)
    macro = a_macro(acme, member(acme, Role.MANAGER), kind="internal", body="Checked by {{ operator.name }}")
    client = signed_in(member(acme, Role.AGENT, OperatorFactory(name="Cy")))
    response = client.post(apply_url(ticket["id"], macro), preview_form(client, ticket["id"], macro), **HX)
    assert "internal note added" in response.content.decode()
    last = api_get(sandbox, "acme", f"tickets/{ticket['id']}/")["comments"][-1]
    assert (last["body"], last["is_public"]) == ("Checked by Cy", False)


def test_a_change_made_meanwhile_stops_the_macro_and_shows_the_ticket_as_it_is(acme, sandbox, api):
    ticket = ticket_with_order_and_requester(sandbox)
    api("PATCH", f"tickets/{ticket['id']}/", json={"status": "open"})
    macro = a_macro(acme, member(acme, Role.MANAGER), status="solved")
    client = signed_in(member(acme, Role.AGENT))
    form = preview_form(client, ticket["id"], macro)
    form["body"] = "My edited reply"
    api("PATCH", f"tickets/{ticket['id']}/", json={"status": "pending"})  # a colleague, meanwhile
    before = api_get(sandbox, "acme", f"tickets/{ticket['id']}/")
    response = client.post(apply_url(ticket["id"], macro), form, **HX)
    html = response.content.decode()
    assert "Not sent: this ticket was changed meanwhile." in html
    assert "My edited reply" in html  # kept for sending again
    after = api_get(sandbox, "acme", f"tickets/{ticket['id']}/")
    assert (after["status"], len(after["comments"])) == ("pending", len(before["comments"]))
    macro.refresh_from_db()
    assert macro.usage_count == 0
    # Sent again from the redrawn preview: it applies to the ticket as it is now.
    drawn = re.search(r'name="drawn" value="([^"]+)"', html).group(1)
    response = client.post(apply_url(ticket["id"], macro), {"body": "My edited reply", "drawn": drawn}, **HX)
    assert "applied" in response.content.decode()
    after = api_get(sandbox, "acme", f"tickets/{ticket['id']}/")
    assert (after["status"], after["comments"][-1]["body"]) == ("solved", "My edited reply")


def test_a_drawn_token_of_another_ticket_or_an_empty_reply_is_refused(acme, sandbox):
    ticket = ticket_with_order_and_requester(sandbox)
    other = ticket_without_order(sandbox)
    macro = a_macro(acme, member(acme, Role.MANAGER), status="pending")
    client = signed_in(member(acme, Role.AGENT))
    form = preview_form(client, other["id"], macro)
    html = client.post(apply_url(ticket["id"], macro), form, **HX).content.decode()
    assert "This form is out of date" in html
    form = preview_form(client, ticket["id"], macro)
    html = client.post(apply_url(ticket["id"], macro), {**form, "body": "  "}, **HX).content.decode()
    assert "This field is required." in html
    assert api_get(sandbox, "acme", f"tickets/{ticket['id']}/")["comments"] == ticket["comments"]
    assert Macro.objects.get().usage_count == 0


# --- the demo's macros ---------------------------------------------------------------------


def test_the_demo_seeds_its_macros_once_and_they_are_offered_where_the_demo_operator_owns(acme):
    from django.core.management import call_command

    from dashboard.macro_text import unknown_variables
    from dashboard.selectors.macros import macros_usable

    demo = member(acme, Role.OWNER, OperatorFactory(email="demo@example.com"))
    call_command("demo_macros", "--email", "demo@example.com")
    call_command("demo_macros", "--email", "DEMO@example.com")
    macros = list(Macro.objects.all())
    assert len(macros) == 3
    assert all(m.author == demo and m.store is None and not unknown_variables(m.body) for m in macros)
    assert set(macros_usable(store=acme)) == set(macros)


def test_a_store_that_fails_the_reply_leaves_the_preview_and_counts_nothing(acme, sandbox):
    ticket = ticket_without_order(sandbox)
    macro = a_macro(acme, member(acme, Role.MANAGER), body="Hello from {{ store.name }}")
    client = signed_in(member(acme, Role.AGENT))
    form = preview_form(client, ticket["id"], macro)
    # Without `seen_comment` the thread is not read again first (a form drawn before that
    # check existed), so the one fault meets the reply's POST.
    del form["seen_comment"]
    sandbox.set_faults("acme", error_rate=1.0, error_statuses=[500], limit=1)  # the reply's POST
    response = client.post(apply_url(ticket["id"], macro), {**form, "body": "Kept as I wrote it"}, **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="macro-apply-form"' in html and "Kept as I wrote it" in html
    assert 'class="alert alert-danger small" role="alert"' in html
    assert api_get(sandbox, "acme", f"tickets/{ticket['id']}/")["comments"] == ticket["comments"]
    macro.refresh_from_db()
    assert macro.usage_count == 0
    assert not AuditEntry.objects.filter(action="ticket.macro_applied").exists()


def test_a_macros_name_and_reply_are_shown_as_text(acme, sandbox):
    hostile = '<img src=x onerror="alert(1)"> hx-get="//evil"'
    manager = member(acme, Role.MANAGER)
    a_macro(acme, manager, name=hostile, body=f"{hostile} {{{{ store.name }}}}")
    ticket = ticket_without_order(sandbox)
    pages = [
        signed_in(manager).get(reverse("macro_list")).content.decode(),
        signed_in(member(acme, Role.AGENT)).get(options_url(ticket["id"]), **HX).content.decode(),
    ]
    for html in pages:
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_an_all_stores_macro_is_in_the_audit_log_of_each_store_it_reaches(connect_store):
    """Created, changed and deleted: said in the log of every store its author manages
    (where it is offered), not in a store where they are only an agent."""
    acme, bergmann, siam = connect_store("acme"), connect_store("bergmann"), connect_store("siam")
    manager = member(acme, Role.MANAGER)
    member(bergmann, Role.OWNER, manager)
    member(siam, Role.AGENT, manager)
    client = signed_in(manager)
    response = client.post(reverse("macro_new"), {"name": "Thanks", "store": "", "kind": "public", "body": "Thanks!"})
    assert response.status_code == 302
    macro = Macro.objects.get()
    assert macro.store is None
    client.post(reverse("macro_delete", kwargs={"macro_id": macro.pk}))
    for action in ("macro.created", "macro.deleted"):
        logged = AuditEntry.objects.filter(action=action, object_id=str(macro.pk))
        assert sorted(logged.values_list("store__subdomain", flat=True)) == ["acme", "bergmann"], action
    log = client.get(reverse("audit_log", kwargs={"store": "bergmann"})).content.decode()
    assert "Created the macro “Thanks” (all stores)" in log


def test_a_macro_is_held_when_the_thread_changed_since_the_preview(acme, sandbox, api):
    """As a plain reply: a message written meanwhile (the customer, a colleague at the
    store) is shown first; nothing is sent or changed until the agent sends again."""
    ticket = ticket_with_order_and_requester(sandbox)
    api("PATCH", f"tickets/{ticket['id']}/", json={"status": "open"})
    macro = a_macro(acme, member(acme, Role.MANAGER), name="Ship soon", status="pending")
    client = signed_in(member(acme, Role.AGENT))
    form = preview_form(client, ticket["id"], macro)
    api("POST", f"tickets/{ticket['id']}/comments/", json={"body": "Any news? <b>Still waiting</b>", "is_public": True})
    before = api_get(sandbox, "acme", f"tickets/{ticket['id']}/")

    held = client.post(apply_url(ticket["id"], macro), form, **HX)
    assert held.status_code == 200
    html = held.content.decode()
    assert 'id="macro-thread-changed"' in html and "Any news? &lt;b&gt;Still waiting&lt;/b&gt;" in html
    assert form["body"].strip() in html.replace("&#x27;", "'")  # the reply is kept in the preview
    now = api_get(sandbox, "acme", f"tickets/{ticket['id']}/")
    assert (now["status"], len(now["comments"])) == ("open", len(before["comments"]))
    macro.refresh_from_db()
    assert macro.usage_count == 0 and not AuditEntry.objects.filter(action="ticket.macro_applied").exists()
    # Without JavaScript the hold is a 409 with the same page.
    assert client.post(apply_url(ticket["id"], macro), form).status_code == 409

    again = re.search(r'name="seen_comment" value="(\d+)"', html[html.index('id="macro-apply-form"') :]).group(1)
    sent = client.post(apply_url(ticket["id"], macro), {**form, "seen_comment": again}, **HX)
    assert "Macro “Ship soon” applied: reply sent." in sent.content.decode()
    now = api_get(sandbox, "acme", f"tickets/{ticket['id']}/")
    assert now["status"] == "pending" and len(now["comments"]) == len(before["comments"]) + 1
