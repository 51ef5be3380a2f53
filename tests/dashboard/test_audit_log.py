"""The owners' audit log page: filters, paging, store scoping, read only."""

import pytest
from django.urls import reverse

from dashboard.audit import audit_record
from dashboard.selectors import audit as audit_selectors
from storeapi.roles import Role
from tests.factories import MembershipFactory, OperatorFactory, StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(client):
    owner = MembershipFactory(role=Role.OWNER, store__subdomain="acme", store__timezone="Asia/Bangkok")
    client.force_login(owner.operator)
    return owner


def test_owners_see_who_did_what_where_and_when(client, owner):
    ada = OperatorFactory(email="ada@example.com")
    audit_record(
        operator=ada,
        store=owner.store,
        action="order.note_added",
        object_type="order",
        object_id="1042",
        summary="Added a note to order #1042",
    )
    audit_record(
        operator=ada,
        store=StoreFactory(),
        action="order.canceled",
        object_type="order",
        object_id="7",
        summary="elsewhere",
    )
    page = client.get(reverse("audit_log", kwargs={"store": "acme"})).content.decode()
    assert "ada@example.com" in page and "order.note_added" in page and "Order #1042" in page
    assert "UTC+07" in page  # in the store's time zone
    assert "elsewhere" not in page


def test_filters_in_place(client, owner):
    for n in range(3):
        audit_record(
            operator=owner.operator,
            store=owner.store,
            action="ticket.replied",
            object_type="ticket",
            object_id=n,
            summary=f"reply {n}",
        )
    audit_record(
        operator=OperatorFactory(email="bob@example.com"),
        store=owner.store,
        action="order.canceled",
        object_type="order",
        object_id="9",
        summary="cancel 9",
    )
    url = reverse("audit_log", kwargs={"store": "acme"})
    response = client.get(url, {"action": "order.canceled"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="audit-results")
    html = response.content.decode()
    assert "cancel 9" in html and "reply 0" not in html and "<html" not in html
    assert response["Vary"] and "HX-Request" in response["Vary"]
    html = client.get(url, {"operator": "bob"}).content.decode()
    assert "cancel 9" in html and "reply 1" not in html
    html = client.get(url, {"object_type": "ticket", "object_id": "2"}).content.decode()
    assert "reply 2" in html and "reply 1" not in html


def test_the_object_filter_offers_the_types_recorded_so_an_export_job_is_found(client, owner):
    from dashboard.jobs.create import job_export_create

    job, _ = job_export_create(owner=owner.operator, stores=[owner.store])
    audit_record(
        operator=owner.operator,
        store=owner.store,
        action="order.canceled",
        object_type="order",
        object_id="9",
        summary="cancel 9",
    )
    url = reverse("audit_log", kwargs={"store": "acme"})
    page = client.get(url).content.decode()
    assert '<option value="job">' in page and '<option value="order">' in page
    assert '<option value="export">' not in page  # no entry has it
    html = client.get(url, {"object_type": "job"}).content.decode()
    assert f"Job {job.pk}" in html and "cancel 9" not in html


def test_pages_of_fifty_with_load_more(client, owner, monkeypatch):
    monkeypatch.setattr(audit_selectors, "PAGE_SIZE", 2)
    for n in range(5):
        audit_record(operator=owner.operator, store=owner.store, action="x", summary=f"entry {n}")
    url = reverse("audit_log", kwargs={"store": "acme"})
    first = client.get(url).content.decode()
    assert "entry 4" in first and "entry 3" in first and "entry 2" not in first and "Load more" in first
    cursor = first.split("cursor=")[1].split('"')[0]
    more = client.get(f"{url}?cursor={cursor}", HTTP_HX_REQUEST="true").content.decode()
    assert "entry 2" in more and "entry 1" in more and "entry 4" not in more


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AGENT, Role.MANAGER])
def test_only_owners_read_it(client, role):
    member = MembershipFactory(role=role, store__subdomain="acme")
    client.force_login(member.operator)
    assert client.get(reverse("audit_log", kwargs={"store": "acme"})).status_code == 403


def test_there_is_no_way_to_change_entries(client, owner):
    audit_record(operator=owner.operator, store=owner.store, action="x", summary="keep me")
    url = reverse("audit_log", kwargs={"store": "acme"})
    assert client.post(url, {"summary": "changed"}).status_code == 405
    assert client.delete(url).status_code == 405
    assert "keep me" in client.get(url).content.decode()
