"""The Views menu's cache (dashboard.saved_views_cache): a page reads an operator's views
from Redis, with no SQL query for them, and any change that alters a menu shows on the
next page. On committed data (transactional_db): the cache is only used outside a
transaction, and it is invalidated when a change commits."""

import logging

import pytest
from django.db import connection
from django.test import Client
from django.test.client import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config import embedded_redis
from dashboard import saved_views_cache
from dashboard.models import SavedView
from dashboard.selectors.saved_views import request_views, views_visible_now
from dashboard.services.members import membership_remove
from dashboard.services.saved_views import saved_view_create
from storeapi.models import Membership
from storeapi.redis_client import shared_redis
from storeapi.roles import Role
from tests.factories import MembershipFactory, OperatorFactory, StoreFactory

from .conftest import HX

pytestmark = pytest.mark.django_db(transaction=True)


def view_queries(client) -> list[str]:
    """The SQL queries of the saved views made by one page (the stores page: its
    navigation has the Views menu), after checking the page answered."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries if "dashboard_savedview" in q["sql"]]


def menu(client) -> str:
    html = client.get(reverse("home")).content.decode()
    start = html.index('id="nav-saved-views"')
    return html[start : html.index("Manage views", start)]


def signed_in(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def shop():
    return StoreFactory(subdomain="shop", name="The Shop")


@pytest.fixture
def owner(shop):
    return MembershipFactory(store=shop, role=Role.OWNER, operator=OperatorFactory(name="Olga Owner")).operator


@pytest.fixture
def colleague(shop):
    return MembershipFactory(store=shop, role=Role.AGENT).operator


def view_create(owner, *, name: str, store=None, shared: bool = True) -> SavedView:
    return saved_view_create(owner=owner, kind="orders", store=store, query="", name=name, shared=shared)


def test_the_second_page_reads_the_views_from_redis_with_no_query(owner, shop):
    view_create(owner, name="Mine at the shop", store=shop, shared=False)
    client = signed_in(owner)
    assert len(view_queries(client)) == 1
    assert view_queries(client) == []
    assert "Mine at the shop" in menu(client)


def test_an_operator_without_views_makes_no_query_either(owner):
    client = signed_in(owner)
    assert len(view_queries(client)) == 1
    assert view_queries(client) == []


def test_what_the_pages_read_of_a_cached_view_was_loaded_with_it(owner, colleague, shop):
    """The store and owner are loaded with only what is shown: nothing read later is a
    deferred field's query, and no token is kept in Redis."""
    view_create(owner, name="Team queue", store=shop)
    view_create(owner, name="Everywhere")
    operator = colleague
    saved_views_cache.views_cached(operator=operator, load=lambda: views_visible_now(operator=operator))
    with CaptureQueriesContext(connection) as queries:
        views = saved_views_cache.views_cached(operator=operator, load=lambda: pytest.fail("not cached"))
        shown = [
            (v.name, v.kind, v.shared, v.position, v.query, v.store_id, v.owner_id, v.owner.name, v.owner.email)
            for v in views
        ]
        stores = [(v.store.subdomain, v.store.display_name, v.store.is_connected) for v in views if v.store]
    assert queries.captured_queries == []
    assert [s[0] for s in shown] == ["Team queue", "Everywhere"] and shown[0][7] == "Olga Owner"
    assert stores == [("shop", "The Shop", True)]
    entry = shared_redis().get(saved_views_cache._entry_key(operator.pk))
    assert b"access_token_encrypted" not in entry and b"password" not in entry


def test_a_colleagues_new_renamed_unshared_and_deleted_view_shows_on_the_next_page(owner, colleague, shop):
    theirs, mine = signed_in(owner), signed_in(colleague)
    assert "Team queue" not in menu(mine)

    form = {"kind": "orders", "store": "shop", "query": "", "name": "Team queue", "shared": "on"}
    answer = theirs.post(reverse("saved_view_save"), form)
    assert answer.status_code == 302
    assert "Team queue" in menu(mine)
    view = SavedView.objects.get()

    v = f"v{view.pk}"
    theirs.post(reverse("saved_view_edit", args=[view.pk]), {f"{v}-name": "Renamed queue", f"{v}-shared": "on"}, **HX)
    assert "Renamed queue" in menu(mine) and "Team queue" not in menu(mine)

    theirs.post(reverse("saved_view_edit", args=[view.pk]), {f"{v}-name": "Renamed queue"}, **HX)  # not shared
    assert "Renamed queue" not in menu(mine)
    assert "Renamed queue" in menu(theirs)

    theirs.post(reverse("saved_view_edit", args=[view.pk]), {f"{v}-name": "Renamed queue", f"{v}-shared": "on"}, **HX)
    assert "Renamed queue" in menu(mine)
    theirs.post(reverse("saved_view_delete", args=[view.pk]), **HX)
    assert "Renamed queue" not in menu(mine) and "Renamed queue" not in menu(theirs)


def test_a_move_shows_in_the_owners_menu_at_once(owner, shop):
    for name in ("First view", "Second view"):
        view_create(owner, name=name, store=shop)
    client = signed_in(owner)
    assert menu(client).index("First view") < menu(client).index("Second view")
    second = SavedView.objects.get(name="Second view")
    client.post(reverse("saved_view_move", args=[second.pk]), {"direction": "up"}, **HX)
    assert menu(client).index("Second view") < menu(client).index("First view")


def test_a_removed_member_no_longer_sees_the_colleagues_shared_views(owner, colleague, shop):
    view_create(owner, name="Team queue", store=shop)
    view_create(owner, name="Everywhere")  # all stores: seen by colleagues sharing a store
    mine = signed_in(colleague)
    assert "Team queue" in menu(mine) and "Everywhere" in menu(mine)

    answer = signed_in(owner).post(
        reverse("member_remove", args=["shop", Membership.objects.get(operator=colleague).pk])
    )
    assert answer.status_code in (200, 302) and not Membership.objects.filter(operator=colleague).exists()
    html = menu(mine)
    assert "Team queue" not in html and "Everywhere" not in html


def test_a_membership_removed_during_the_request_is_never_cached(owner, colleague, shop):
    """The request read the memberships before the removal; the views it caches after
    reading the generation must not be chosen by those older memberships."""
    view_create(owner, name="Team queue", store=shop)
    request = RequestFactory().get("/")
    request.user = colleague
    request._operator_memberships = list(Membership.objects.for_operator(colleague))  # read first
    membership_remove(operator=owner, membership=Membership.objects.get(operator=colleague))

    assert [v.name for v in request_views(request)] == []
    assert "Team queue" not in menu(signed_in(colleague))


def test_a_store_rename_and_an_owners_rename_show_in_the_menu(owner, colleague, shop):
    view_create(owner, name="Team queue", store=shop)
    mine = signed_in(colleague)
    assert "The Shop" in menu(mine) and "Olga Owner" in menu(mine)

    shop.name = "The Big Shop"
    shop.save()
    assert "The Big Shop" in menu(mine)
    owner.name = "Olga Renamed"
    owner.save(update_fields=["name"])
    assert "Olga Renamed" in menu(mine)


def test_saves_that_change_nothing_shown_keep_the_cache(owner, shop):
    """A token refresh or a sign-in saves a store or an operator many times a day: the
    menus stay cached."""
    view_create(owner, name="Mine", store=shop)
    client = signed_in(owner)
    view_queries(client)
    shop.set_tokens(access_token="new-token")
    shop.save(update_fields=["access_token_encrypted", "refresh_token_encrypted", "token_expires_at", "updated_at"])
    owner.save(update_fields=["last_login"])
    assert view_queries(client) == []


def test_the_cache_shows_no_one_a_view_they_may_not_see(owner, shop):
    view_create(owner, name="Private one", store=shop, shared=False)
    view_create(owner, name="Team queue", store=shop)
    view_create(owner, name="Everywhere")
    stranger = MembershipFactory(role=Role.OWNER).operator  # of another store
    nobody = OperatorFactory()  # of no store
    assert "Private one" in menu(signed_in(owner))  # cached for the owner first
    for operator in (stranger, nobody):
        client = signed_in(operator)
        for _ in range(2):  # read, then cached
            html = menu(client)
            assert "Private one" not in html and "Team queue" not in html and "Everywhere" not in html
    colleague = MembershipFactory(store=shop).operator
    html = menu(signed_in(colleague))
    assert "Private one" not in html and "Team queue" in html and "Everywhere" in html


def test_an_entry_expires_so_that_a_change_redis_missed_heals(owner):
    view_queries(signed_in(owner))
    ttl = shared_redis().ttl(saved_views_cache._entry_key(owner.pk))
    assert 0 < ttl <= saved_views_cache.ENTRY_TTL


def test_pages_work_and_views_save_while_redis_does_not_answer(owner, shop, settings, caplog):
    view_create(owner, name="Before the outage", store=shop)
    client = signed_in(owner)
    assert "Before the outage" in menu(client)
    settings.REDIS_URL = f"redis://127.0.0.1:{embedded_redis.free_port()}/0"  # nothing listens there

    with caplog.at_level(logging.WARNING, logger="dashboard.saved_views_cache"):
        answer = client.post(
            reverse("saved_view_save"), {"kind": "orders", "store": "shop", "query": "", "name": "During the outage"}
        )
        assert answer.status_code == 302 and SavedView.objects.filter(name="During the outage").exists()
        html = menu(client)
    assert "Before the outage" in html and "During the outage" in html
    assert "not invalidated: Redis did not answer" in caplog.text
    assert "read from the database: Redis did not answer" in caplog.text
