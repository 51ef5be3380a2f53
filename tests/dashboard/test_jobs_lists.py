"""The bulk toolbars and "Export these orders" on the orders list and the tickets inbox."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from dashboard.models import Job, JobItem
from storeapi.roles import Role


@pytest.fixture
def acme_store(connect_store):
    return connect_store("acme")


def test_managers_get_row_checkboxes_a_bulk_toolbar_and_the_export_link(acme_store, login_as):
    client = login_as(acme_store, Role.MANAGER)
    response = client.get(reverse("order_list", kwargs={"store": "acme"}), {"status": "open", "tags": "vip, gift"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="bulk-orders"' in html
    assert html.count('name="ids"') == len(response.context["page"].results) > 0
    assert 'form="bulk-orders"' in html and 'name="all_matching"' in html
    assert '<input type="hidden" name="status" value="open">' in html  # "all matching" carries the filters
    link = next(part for part in html.split('"') if part.startswith(reverse("export_list") + "?"))
    query = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
    assert query == {"store": ["acme"], "status": ["open"], "tags": ["vip, gift"]}
    prefilled = client.get(link.replace("&amp;", "&")).context["form"]
    assert prefilled.initial["stores"] == ["acme"] and prefilled.initial["tags"] == ["vip", "gift"]


def test_agents_get_no_order_bulk_toolbar_but_one_in_the_inbox(acme_store, login_as):
    client = login_as(acme_store, Role.AGENT)
    orders = client.get(reverse("order_list", kwargs={"store": "acme"})).content.decode()
    assert 'id="bulk-orders"' not in orders and 'name="ids"' not in orders
    assert "Export these orders" not in orders
    inbox = client.get(reverse("ticket_list", kwargs={"store": "acme"})).content.decode()
    assert 'id="bulk-tickets"' in inbox and 'form="bulk-tickets"' in inbox


def test_all_matching_from_the_orders_list_becomes_a_job_with_those_filters(
    acme_store, login_as, django_capture_on_commit_callbacks
):
    client = login_as(acme_store, Role.MANAGER)
    with django_capture_on_commit_callbacks():
        response = client.post(
            reverse("bulk_orders", kwargs={"store": "acme"}),
            {
                "action": "tag_add",
                "value": "checked",
                "all_matching": "on",
                "status": "open",
                "tags": "vip, gift",
                "ids": ["100001"],  # ignored: all matching wins
                "back": reverse("order_list", kwargs={"store": "acme"}),
            },
        )
    job = Job.objects.get()
    assert response["Location"] == reverse("job_detail", args=[job.pk])
    assert job.filters == {"status": ["open"], "tags": ["vip", "gift"]}
    assert not JobItem.objects.exists()  # listed by the job itself, from the filters


def test_selected_tickets_from_the_inbox_become_a_job(acme_store, login_as, django_capture_on_commit_callbacks):
    client = login_as(acme_store, Role.AGENT)
    with django_capture_on_commit_callbacks():
        client.post(
            reverse("bulk_tickets", kwargs={"store": "acme"}),
            {"action": "ticket_assignee", "value": "", "ids": ["11", "12"], "status": "open"},
        )
    job = Job.objects.get()
    assert job.action == Job.Action.TICKET_ASSIGNEE and job.action_value == ""
    assert sorted(JobItem.objects.values_list("object_id", flat=True)) == ["11", "12"]
