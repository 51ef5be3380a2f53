import pytest
from django.urls import reverse

from storeapi.roles import Role
from tests.factories import MembershipFactory, OperatorFactory, StoreFactory

pytestmark = pytest.mark.django_db


def test_switcher_lists_only_my_stores(client):
    mine = MembershipFactory(store__name="Alpha Store")
    MembershipFactory(store__name="Bravo Store")  # someone else's
    client.force_login(mine.operator)

    page = client.get(reverse("home")).content.decode()

    assert "Alpha Store" in page
    assert "Bravo Store" not in page


def test_a_store_i_do_not_belong_to_is_404(client):
    mine = MembershipFactory()
    theirs = StoreFactory(subdomain="bravo")
    client.force_login(mine.operator)
    assert client.get(reverse("store_overview", kwargs={"store": "bravo"})).status_code == 404
    assert client.get(reverse("store_members", kwargs={"store": theirs.subdomain})).status_code == 404


def test_a_store_that_does_not_exist_is_also_404(signed_in):
    assert signed_in.get(reverse("store_overview", kwargs={"store": "nope"})).status_code == 404


def test_superusers_are_not_members_by_default(client):
    StoreFactory(subdomain="bravo")
    client.force_login(OperatorFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse("store_overview", kwargs={"store": "bravo"})).status_code == 404


def test_a_member_sees_the_store(client):
    member = MembershipFactory(role=Role.VIEWER, store__subdomain="acme", store__name="Acme")
    client.force_login(member.operator)
    response = client.get(reverse("store_overview", kwargs={"store": "acme"}))
    assert response.status_code == 200
    assert "Acme" in response.content.decode()


def test_empty_state_when_no_stores(signed_in):
    page = signed_in.get(reverse("home")).content.decode()
    assert "You have no stores yet" in page
