"""Bulk actions end to end: a real Celery worker and the sandbox store over HTTP."""

import uuid

from django.urls import reverse

from dashboard.models import AuditEntry, Job, JobItem
from dashboard.services.orders import order_tag_add
from storeapi.roles import Role
from tests.factories import MembershipFactory, OperatorFactory

from ..conftest import api_get
from .conftest import wait_for


def test_bulk_tag_on_120_orders_reports_exactly_the_two_failures(client, sandbox, stores, manager, celery_worker):
    numbers = sandbox.order_numbers("acme")[:118]
    missing = ["999999991", "999999992"]
    client.force_login(manager)
    response = client.post(
        reverse("bulk_orders", kwargs={"store": "acme"}),
        {"action": "tag_add", "value": "bulk-vip", "ids": ",".join(numbers[:60] + missing + numbers[60:])},
    )
    assert response.status_code == 302
    job = wait_for(Job.objects.get(kind=Job.Kind.BULK), worker=celery_worker)
    assert job.status == Job.Status.FINISHED, job.error
    part = job.parts.get()
    assert (part.items_total, part.items_done, part.items_failed) == (120, 118, 2)
    failed = JobItem.objects.filter(part=part, status=JobItem.Status.FAILED)
    assert sorted(failed.values_list("object_id", flat=True)) == missing
    assert sorted(sandbox.order_numbers("acme", tags="bulk-vip")) == sorted(numbers)
    assert AuditEntry.objects.filter(action="order.tag_added", store=stores["acme"]).count() == 118
    report = client.get(reverse("job_failures_report", args=[job.pk]))
    lines = b"".join(report.streaming_content).decode().splitlines()
    assert [line.split(",")[1] for line in lines[1:]] == missing


def test_bulk_note_on_all_orders_matching_a_filter(client, sandbox, stores, manager, celery_worker):
    everything = sandbox.orders("bergmann", status="canceled")
    day = everything[len(everything) // 3]["date_placed"][:10]
    targets = sandbox.order_numbers("bergmann", status="canceled", date_placed_from=day)
    assert 0 < len(targets) < 60
    client.force_login(manager)
    client.post(
        reverse("bulk_orders", kwargs={"store": "bergmann"}),
        {
            "action": "note_add",
            "value": "Refund checked by finance",
            "all_matching": "on",
            "status": "canceled",
            "date_placed_from": day,
        },
    )
    job = wait_for(Job.objects.get(kind=Job.Kind.BULK), worker=celery_worker)
    assert job.status == Job.Status.FINISHED, job.error
    assert sorted(JobItem.objects.filter(part__job=job).values_list("object_id", flat=True)) == sorted(targets)
    for number in targets:
        notes = api_get(sandbox, "bergmann", f"orders/{number}/notes/")["results"]
        assert [n["message"] for n in notes].count("Refund checked by finance") == 1


def test_bulk_ticket_status_from_the_inbox(client, sandbox, stores, celery_worker):
    agent = OperatorFactory()
    MembershipFactory(operator=agent, store=stores["siam"], role=Role.AGENT)
    tickets = [t for t in api_get(sandbox, "siam", "tickets/")["results"] if t["status"] != "solved"][:3]
    client.force_login(agent)
    client.post(
        reverse("bulk_tickets", kwargs={"store": "siam"}),
        {"action": "ticket_status", "value": "solved", "ids": [str(t["id"]) for t in tickets]},
    )
    job = wait_for(Job.objects.get(kind=Job.Kind.BULK), worker=celery_worker)
    assert job.status == Job.Status.FINISHED, job.error
    for ticket in tickets:
        assert api_get(sandbox, "siam", f"tickets/{ticket['id']}/")["status"] == "solved"
    assert AuditEntry.objects.filter(action="ticket.status_changed", operator=agent).count() == 3


def test_removing_a_tag_takes_it_off_and_says_which_orders_had_none(client, sandbox, stores, manager, celery_worker):
    tag = f"recall-{uuid.uuid4().hex[:6]}"
    tagged, untagged = sandbox.order_numbers("siam")[:2], sandbox.order_numbers("siam")[2]
    for number in tagged:
        order_tag_add(operator=manager, store=stores["siam"], number=number, tag=tag)
    assert sorted(sandbox.order_numbers("siam", tags=tag)) == sorted(tagged)
    client.force_login(manager)
    client.post(
        reverse("bulk_orders", kwargs={"store": "siam"}),
        {"action": "tag_remove", "value": tag, "ids": ",".join([*tagged, untagged])},
    )
    job = wait_for(Job.objects.get(kind=Job.Kind.BULK), worker=celery_worker)
    assert job.status == Job.Status.FINISHED, job.error
    assert sandbox.order_numbers("siam", tags=tag) == []
    messages = dict(JobItem.objects.filter(part__job=job).values_list("object_id", "message"))
    assert messages == {**dict.fromkeys(tagged, f"tag “{tag}” removed"), untagged: f"had no tag “{tag}”"}


def test_setting_then_clearing_the_assignee_of_tickets(client, sandbox, stores, celery_worker):
    agent = OperatorFactory()
    MembershipFactory(operator=agent, store=stores["siam"], role=Role.AGENT)
    tickets = api_get(sandbox, "siam", "tickets/")["results"]
    assignee = next(t["assignee"] for t in tickets if t["assignee"])
    chosen = [t["id"] for t in tickets if t["assignee"] != assignee][:2]
    url = reverse("bulk_tickets", kwargs={"store": "siam"})
    client.force_login(agent)
    client.post(url, {"action": "ticket_assignee", "value": str(assignee), "ids": [str(i) for i in chosen]})
    job = wait_for(Job.objects.get(kind=Job.Kind.BULK), worker=celery_worker)
    assert job.status == Job.Status.FINISHED, job.error
    assert [api_get(sandbox, "siam", f"tickets/{i}/")["assignee"] for i in chosen] == [assignee, assignee]
    client.post(url, {"action": "ticket_assignee", "value": "", "ids": [str(i) for i in chosen]})
    job = wait_for(Job.objects.exclude(pk=job.pk).get(kind=Job.Kind.BULK), worker=celery_worker)
    assert job.status == Job.Status.FINISHED, job.error
    assert [api_get(sandbox, "siam", f"tickets/{i}/")["assignee"] for i in chosen] == [None, None]
    assert set(JobItem.objects.filter(part__job=job).values_list("message", flat=True)) == {"unassigned"}


def test_bulk_ticket_priority_chosen_from_the_list(client, sandbox, stores, celery_worker):
    agent = OperatorFactory()
    MembershipFactory(operator=agent, store=stores["siam"], role=Role.AGENT)
    tickets = [t for t in api_get(sandbox, "siam", "tickets/")["results"] if t["priority"] != "high"][:2]
    client.force_login(agent)
    client.post(
        reverse("bulk_tickets", kwargs={"store": "siam"}),
        {"change": "ticket_priority:high", "ids": [str(t["id"]) for t in tickets]},
    )
    job = wait_for(Job.objects.get(kind=Job.Kind.BULK), worker=celery_worker)
    assert job.status == Job.Status.FINISHED, job.error
    assert [api_get(sandbox, "siam", f"tickets/{t['id']}/")["priority"] for t in tickets] == ["high", "high"]
    assert AuditEntry.objects.filter(action="ticket.priority_changed", operator=agent).count() == 2
