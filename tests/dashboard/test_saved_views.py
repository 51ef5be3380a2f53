"""Saved views: saving a list's filters, who sees a view, who changes it, the default
view, and a view naming a store the operator has left (the sandbox over HTTP)."""

import re
import threading
from urllib.parse import parse_qs

import pytest
from django.test import Client
from django.urls import reverse

from dashboard.models import DefaultView, SavedView
from storeapi.models import Membership
from storeapi.roles import Role
from tests.factories import MembershipFactory

from .conftest import HX

pytestmark = pytest.mark.django_db


def save_view(client, *, kind="orders", store="acme", query="", name="Open VIP", shared=False, htmx=True):
    data = {"kind": kind, "store": store, "query": query, "name": name}
    if shared:
        data["shared"] = "on"
    return client.post(reverse("saved_view_save"), data, **(HX if htmx else {}))


@pytest.fixture
def agent(acme, login_as):
    return login_as(acme, Role.AGENT)


def test_saving_keeps_the_filters_the_list_form_accepts_and_nothing_else(agent):
    response = save_view(
        agent, query="status=open&tags=vip,%20gift&evil=%3Cscript%3E&payment_status=nonsense&cursor=abc"
    )
    assert response.status_code == 200
    view = SavedView.objects.get()
    assert view.owner == agent.operator and view.kind == "orders" and view.store.subdomain == "acme"
    assert parse_qs(view.query) == {"status": ["open"], "tags": ["vip, gift"]}
    html = response.content.decode()
    # The bar answers with the new view in it, and the navigation's menu out of band.
    assert 'id="saved-views-bar"' in html and "Open VIP" in html
    assert 'id="nav-saved-views" hx-swap-oob="true"' in html


def test_a_view_opens_its_list_with_its_filters_and_load_more_keeps_them(agent):
    save_view(agent, query="status=open&tags=vip")
    view = SavedView.objects.get()
    response = agent.get(reverse("order_list", kwargs={"store": "acme"}), {"view": view.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Remove filter Status: Open" in html and "Remove filter Tags: vip" in html
    assert 'aria-current="page">Open VIP' in html
    # Listed in the navigation's Views menu, which links to the view.
    assert reverse("saved_view_open", args=[view.pk]) in html
    assert agent.get(reverse("saved_view_open", args=[view.pk]))["Location"].endswith(f"?view={view.pk}")


def test_the_view_of_another_list_is_404_there(agent, connect_store):
    save_view(agent, query="status=open")
    view = SavedView.objects.get()
    assert agent.get(reverse("ticket_list", kwargs={"store": "acme"}), {"view": view.pk}).status_code == 404
    assert agent.get(reverse("all_orders"), {"view": view.pk}).status_code == 404


def test_saving_for_a_store_of_which_one_is_not_a_member_is_404(agent, connect_store):
    connect_store("bergmann")
    assert save_view(agent, store="bergmann").status_code == 404
    assert not SavedView.objects.exists()


def test_saving_needs_the_csrf_token(acme):
    member = MembershipFactory(store=acme, role=Role.AGENT)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member.operator)
    response = save_view(strict)
    assert response.status_code == 403
    assert not SavedView.objects.exists()


def test_a_name_is_needed(agent):
    response = save_view(agent, name="   ", query="status=open")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Give the view a name" in html
    # The bar shown again is still this store's list, with its filters.
    assert 'name="store" value="acme"' in html and 'name="query" value="status=open"' in html
    assert not SavedView.objects.exists()
    response = save_view(agent, name="", htmx=False)
    assert response.status_code == 302 and response["Location"] == reverse("order_list", kwargs={"store": "acme"})
    assert save_view(agent, kind="customers").status_code == 404


def test_a_shared_view_is_seen_by_the_stores_members_only(agent, acme, connect_store, client):
    save_view(agent, name="Team queue", shared=True)
    save_view(agent, name="My private one")
    colleague = MembershipFactory(store=acme, role=Role.VIEWER).operator
    stranger = MembershipFactory(store=connect_store("bergmann"), role=Role.OWNER).operator
    shared = SavedView.objects.get(name="Team queue")
    private = SavedView.objects.get(name="My private one")

    other = Client()
    other.force_login(colleague)
    html = other.get(reverse("saved_view_list")).content.decode()
    assert "Team queue" in html and "My private one" not in html
    assert other.get(reverse("saved_view_open", args=[shared.pk])).status_code == 302
    assert other.get(reverse("saved_view_open", args=[private.pk])).status_code == 404
    assert other.get(reverse("order_list", kwargs={"store": "acme"}), {"view": private.pk}).status_code == 404

    other.force_login(stranger)
    html = other.get(reverse("saved_view_list")).content.decode()
    assert "Team queue" not in html
    assert other.get(reverse("saved_view_open", args=[shared.pk])).status_code == 404


def test_a_shared_all_stores_view_is_seen_by_colleagues_sharing_a_store(client, connect_store):
    acme, bergmann, siam = (connect_store(s) for s in ("acme", "bergmann", "siam"))
    owner = MembershipFactory(store=acme, role=Role.AGENT).operator
    MembershipFactory(operator=owner, store=bergmann, role=Role.AGENT)
    colleague = MembershipFactory(store=bergmann, role=Role.VIEWER).operator
    outsider = MembershipFactory(store=siam, role=Role.OWNER).operator
    client.force_login(owner)
    save_view(
        client, kind="tickets", store="", query="status=open&stores=acme", name="All open, every store", shared=True
    )
    view = SavedView.objects.get()
    assert view.store is None and parse_qs(view.query) == {"status": ["open"], "stores": ["acme"]}

    client.force_login(colleague)
    assert "All open, every store" in client.get(reverse("saved_view_list")).content.decode()
    # The colleague is not a member of acme: the view's store filter names a store they
    # cannot see, so nothing is shown, and the page says why.
    html = client.get(reverse("all_tickets"), {"view": view.pk}).content.decode()
    assert "This view names a store you no longer have access to" in html
    assert not re.findall(r'<tr id="ticket-acme-', html)

    client.force_login(outsider)
    assert "All open, every store" not in client.get(reverse("saved_view_list")).content.decode()
    assert client.get(reverse("all_tickets"), {"view": view.pk}).status_code == 404


def test_only_the_owner_renames_moves_or_deletes_a_view(agent, acme):
    save_view(agent, name="Team queue", shared=True)
    view = SavedView.objects.get()
    colleague = MembershipFactory(store=acme, role=Role.OWNER).operator
    other = Client()
    other.force_login(colleague)
    v = f"v{view.pk}"
    assert other.post(reverse("saved_view_edit", args=[view.pk]), {f"{v}-name": "Mine now"}).status_code == 404
    assert other.post(reverse("saved_view_move", args=[view.pk]), {"direction": "up"}).status_code == 404
    assert other.post(reverse("saved_view_delete", args=[view.pk])).status_code == 404
    view.refresh_from_db()
    assert view.name == "Team queue" and view.shared

    response = agent.post(reverse("saved_view_edit", args=[view.pk]), {f"{v}-name": "Renamed"}, **HX)
    assert response.status_code == 200
    view.refresh_from_db()
    assert view.name == "Renamed" and not view.shared  # unchecked: no longer shared
    agent.post(reverse("saved_view_delete", args=[view.pk]), **HX)
    assert not SavedView.objects.exists()


def test_views_are_reordered_and_the_navigation_follows_the_order(agent):
    for name in ("First", "Second", "Third"):
        save_view(agent, name=name)
    third = SavedView.objects.get(name="Third")
    agent.post(reverse("saved_view_move", args=[third.pk]), {"direction": "up"}, **HX)
    agent.post(reverse("saved_view_move", args=[third.pk]), {"direction": "up"}, **HX)
    agent.post(reverse("saved_view_move", args=[third.pk]), {"direction": "up"}, **HX)  # already first
    assert [v.name for v in SavedView.objects.order_by("position")] == ["Third", "First", "Second"]
    html = agent.get(reverse("saved_view_list")).content.decode()
    menu = html[html.index('id="nav-saved-views"') :]
    assert menu.index("Third") < menu.index("First") < menu.index("Second")


def test_the_default_view_applies_when_the_list_is_opened_plain(agent):
    save_view(agent, query="status=open", name="Open")
    view = SavedView.objects.get()
    url = reverse("order_list", kwargs={"store": "acme"})
    assert agent.get(url).status_code == 200
    agent.post(reverse("saved_view_default", args=[view.pk]), **HX)
    assert DefaultView.objects.filter(operator=agent.operator, view=view).exists()
    response = agent.get(url)
    assert response.status_code == 302 and response["Location"] == f"{url}?view={view.pk}"
    # The unfiltered list is one click away, and htmx's requests (filters cleared) are not redirected.
    all_html = agent.get(url, {"view": "all"}).content.decode()
    assert "Remove filter" not in all_html
    assert agent.get(url, **HX).status_code == 200
    # Other lists keep their own default (none).
    assert agent.get(reverse("ticket_list", kwargs={"store": "acme"})).status_code == 200
    agent.post(reverse("saved_view_default", args=[view.pk]), {"clear": "1"}, **HX)
    assert agent.get(url).status_code == 200


def test_a_view_of_a_store_the_owner_left_shows_no_data_and_says_so(agent, acme):
    save_view(agent, query="status=open", name="Open at Acme")
    view = SavedView.objects.get()
    Membership.objects.filter(operator=agent.operator, store=acme).delete()
    response = agent.get(reverse("saved_view_open", args=[view.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "This view names a store you no longer have access to" in html
    assert "order-row" not in html and "Acme Outfitters" not in html.split('id="main"')[1]
    assert agent.get(reverse("order_list", kwargs={"store": "acme"}), {"view": view.pk}).status_code == 404
    menu = agent.get(reverse("saved_view_list")).content.decode()
    assert "no access" in menu and "store no longer yours" in menu


def test_names_are_escaped_everywhere(agent):
    save_view(agent, name='<img src=x onerror="alert(1)">', shared=True)
    view = SavedView.objects.get()
    for url in (reverse("saved_view_list"), reverse("order_list", kwargs={"store": "acme"}) + f"?view={view.pk}"):
        html = agent.get(url).content.decode()
        assert "<img src=x" not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_a_count_is_shown_only_where_the_inbox_has_counted_already(agent, sandbox):
    save_view(agent, kind="tickets", query="status=open", name="Open tickets")
    save_view(agent, kind="tickets", query="status=open&priority=high", name="Open and high")
    view = SavedView.objects.get(name="Open tickets")
    sandbox.clear_request_log("acme")
    html = agent.get(reverse("saved_view_list")).content.decode()
    assert sandbox.request_log("acme") == []  # nothing counted for the menu
    assert 'title="As last counted for the team"' not in html
    # The inbox's tab counts, counted once for the team (its lazy panel)...
    agent.get(reverse("ticket_list", kwargs={"store": "acme"}), {"panel": "counts"}, **HX)
    counts = agent.get(reverse("ticket_list", kwargs={"store": "acme"}), {"panel": "counts"}, **HX).content.decode()
    open_count = re.search(r'id="ticket-count-open"[^>]*>(\d+\+?)<', counts).group(1)
    sandbox.clear_request_log("acme")
    html = agent.get(reverse("saved_view_list")).content.decode()
    assert sandbox.request_log("acme") == []
    menu = html[html.index('id="nav-saved-views"') :]
    item = menu[menu.index("Open tickets") : menu.index("</a>", menu.index("Open tickets"))]
    assert f">{open_count}</span>" in item
    other = menu[menu.index("Open and high") : menu.index("</a>", menu.index("Open and high"))]
    assert "badge rounded-pill" not in other
    assert view.pk


def test_inbox_tabs_of_a_view_keep_its_filters(agent):
    save_view(agent, kind="tickets", query="priority=high&status=open", name="Urgent")
    view = SavedView.objects.get()
    html = agent.get(reverse("ticket_list", kwargs={"store": "acme"}), {"view": view.pk}).content.decode()
    tabs = re.findall(r'<a class="nav-link[^"]*" [^>]*href="([^"]+)"', html[html.index('id="ticket-tabs"') :])
    pending = next(t for t in tabs if "status=pending" in t)
    assert "priority=high" in pending and "view=" not in pending


def test_one_default_per_list_all_stores_included(client, connect_store):
    from django.db import IntegrityError, transaction

    acme = connect_store("acme")
    operator = MembershipFactory(store=acme, role=Role.AGENT).operator
    client.force_login(operator)
    for name in ("One", "Two"):
        save_view(client, kind="tickets", store="", query="status=open", name=name)
    one, two = SavedView.objects.order_by("pk")
    client.post(reverse("saved_view_default", args=[one.pk]), **HX)
    client.post(reverse("saved_view_default", args=[two.pk]), **HX)
    assert list(DefaultView.objects.values_list("view_id", flat=True)) == [two.pk]
    assert client.get(reverse("all_tickets"))["Location"] == f"{reverse('all_tickets')}?view={two.pk}"
    with pytest.raises(IntegrityError), transaction.atomic():
        DefaultView.objects.create(operator=operator, kind="tickets", store=None, view=one)


# --- one name per list ------------------------------------------------------------------------


def test_a_name_is_taken_once_per_list_whatever_its_case(agent):
    save_view(agent, query="status=open", name="Open VIP")
    response = save_view(agent, query="status=open&tags=vip", name="open vip", shared=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "You already have a view named “open vip” for this list: choose another name." in html
    # Nothing typed is lost: the name, the box and the list's filters are still in the form.
    assert 'value="open vip"' in html and 'id="saved-view-shared" checked' in html
    assert 'name="query" value="status=open&amp;tags=vip"' in html and "<details" in html and " open>" in html
    assert list(SavedView.objects.values_list("name", flat=True)) == ["Open VIP"]
    # The same name for another list is another view.
    assert save_view(agent, kind="tickets", name="Open VIP").status_code == 200
    assert save_view(agent, store="", name="Open VIP").status_code == 200  # all stores
    assert save_view(agent, store="", name="OPEN VIP").status_code == 200  # ...once
    assert sorted(SavedView.objects.values_list("kind", "store__subdomain"), key=str) == [
        ("orders", "acme"),
        ("orders", None),
        ("tickets", "acme"),
    ]


def test_without_javascript_a_taken_name_returns_to_the_list_with_its_filters(agent):
    save_view(agent, name="Unpaid")
    response = save_view(agent, query="status=open", name="Unpaid", htmx=False)
    assert response.status_code == 302
    assert response["Location"] == reverse("order_list", kwargs={"store": "acme"}) + "?status=open"
    page = agent.get(response["Location"]).content.decode()
    assert "The view was not saved. You already have a view named “Unpaid” for this list" in page
    assert SavedView.objects.count() == 1


def test_renaming_onto_another_views_name_changes_nothing(agent):
    save_view(agent, name="First")
    save_view(agent, name="Second", shared=True)
    second = SavedView.objects.get(name="Second")
    v = f"v{second.pk}"
    response = agent.post(reverse("saved_view_edit", args=[second.pk]), {f"{v}-name": "FIRST"}, **HX)
    assert "You already have a view named “FIRST” for this list" in response.content.decode()
    second.refresh_from_db()
    assert second.name == "Second" and second.shared
    # Its own name in another case is a rename, not a clash.
    agent.post(reverse("saved_view_edit", args=[second.pk]), {f"{v}-name": "SECOND", f"{v}-shared": "on"}, **HX)
    second.refresh_from_db()
    assert second.name == "SECOND"


@pytest.mark.django_db(transaction=True)
def test_a_double_clicked_save_keeps_one_view(acme):
    """Two saves of one name at the same moment (a double click, two tabs), each in its
    own request and database connection: one is kept, the other is told the name is taken."""
    from django.db import connection

    operator = MembershipFactory(store=acme, role=Role.AGENT).operator
    clients = []
    for _ in range(2):
        client = Client()
        client.force_login(operator)
        clients.append(client)
    start = threading.Barrier(2)
    answers = []

    def save(client):
        try:
            start.wait(10)
            answers.append(save_view(client, name="Rush").content.decode())
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert SavedView.objects.filter(owner=operator).count() == 1
    assert sorted("already have a view named" in a for a in answers) == [False, True]


@pytest.mark.django_db(transaction=True)
def test_the_migration_renames_views_kept_twice_under_one_name(acme):
    """Before names had to differ, a view could be kept twice under one name: the
    migration numbers the later ones, and keeps every view."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    operator = MembershipFactory(store=acme, role=Role.AGENT).operator
    executor = MigrationExecutor(connection)
    executor.migrate([("dashboard", "0012_export_schedules")])
    try:
        old = executor.loader.project_state([("dashboard", "0012_export_schedules")]).apps
        OldView = old.get_model("dashboard", "SavedView")
        for position, (name, store) in enumerate(
            [("Open VIP", acme.pk), ("open vip", acme.pk), ("Open VIP (2)", acme.pk), ("Open VIP", None)]
        ):
            OldView.objects.create(
                owner_id=operator.pk, kind="orders", store_id=store, name=name, position=position, query=""
            )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    names = list(SavedView.objects.order_by("position").values_list("name", flat=True))
    assert names == ["Open VIP", "open vip (2)", "Open VIP (2) (2)", "Open VIP"]


def test_saving_changing_and_deleting_a_view_are_in_its_stores_audit_log(agent, acme):
    from dashboard.models import AuditEntry

    save_view(agent, query="status=open", name="Open")
    view = SavedView.objects.get()
    v = f"v{view.pk}"
    agent.post(reverse("saved_view_edit", args=[view.pk]), {f"{v}-name": "Open, shared", f"{v}-shared": "on"}, **HX)
    agent.post(reverse("saved_view_edit", args=[view.pk]), {f"{v}-name": "OPEN, SHARED"}, **HX)
    agent.post(reverse("saved_view_delete", args=[view.pk]), **HX)
    entries = AuditEntry.objects.filter(store=acme, object_type="view").order_by("pk")
    assert [(e.action, e.summary) for e in entries] == [
        ("view.created", "View “Open” of orders, not shared"),
        ("view.changed", "View “Open, shared” of orders, shared with the team"),
        ("view.changed", "View “OPEN, SHARED” of orders, not shared"),
        ("view.deleted", "View “OPEN, SHARED” of orders, not shared"),
    ]
    assert {e.operator for e in entries} == {agent.operator} and entries[0].details["query"] == "status=open"
    # A save refused (the name is taken) leaves nothing in the log.
    save_view(agent, name="Kept")
    save_view(agent, name="kept")
    assert AuditEntry.objects.filter(object_type="view", action="view.created").count() == 2
