"""The exports page, downloads and bulk-action endpoints, without a store: jobs and
files are made directly. Authorization is tried the way an attacker would."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dashboard.jobs import columns as cols
from dashboard.jobs import maintenance
from dashboard.models import AuditEntry, Job, JobItem, JobPart
from storeapi.roles import Role
from tests.factories import MembershipFactory, OperatorFactory, StoreFactory

from .conftest import finished_job

pytestmark = pytest.mark.usefixtures("job_files")


@pytest.fixture
def manager(db):
    membership = MembershipFactory(role=Role.MANAGER, store=StoreFactory(subdomain="acme"))
    return membership.operator


@pytest.fixture
def acme(manager):
    return manager.memberships.get().store


# --- the page ---------------------------------------------------------------------------


def test_exports_page_offers_the_stores_where_the_role_allows_exports(client, manager, acme):
    MembershipFactory(operator=manager, store=StoreFactory(subdomain="bergmann"), role=Role.VIEWER)
    client.force_login(manager)
    response = client.get(reverse("export_list"), {"store": "acme", "status": "open", "date_placed_from": "2026-01-01"})
    assert response.status_code == 200
    form = response.context["form"]
    assert [value for value, _ in form.fields["stores"].choices] == ["acme"]
    assert form.initial["stores"] == ["acme"]
    assert form.initial["status"] == ["open"]
    assert str(form.initial["date_placed_from"]) == "2026-01-01"
    assert b"No exports or bulk jobs yet" in response.content


def test_viewer_sees_why_there_is_no_form(client, db):
    viewer = MembershipFactory(role=Role.VIEWER).operator
    client.force_login(viewer)
    response = client.get(reverse("export_list"))
    assert b"need a manager or owner role" in response.content


def test_new_export_creates_one_job_even_when_submitted_twice(
    client, manager, acme, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    data = {
        "stores": ["acme"],
        "resource": "orders",
        "format": "xlsx",
        "status": ["open"],
        "tags": "vip, wholesale",
        "is_test": "false",
        "idempotency_key": "k" * 32,
    }
    with django_capture_on_commit_callbacks() as callbacks:
        first = client.post(reverse("export_list"), data)
        second = client.post(reverse("export_list"), data)
    assert first.status_code == second.status_code == 302
    job = Job.objects.get()
    assert len(callbacks) == 1  # enqueued once
    assert job.owner == manager and job.format == "xlsx" and job.status == Job.Status.QUEUED
    assert job.filters == {"status": ["open"], "tags": ["vip", "wholesale"], "is_test": "false"}
    assert job.columns == [c.key for c in cols.ORDER_COLUMNS if c.default]  # the default set was stored
    assert "store" in job.columns and "total_incl_tax" in job.columns
    assert [p.store for p in job.parts.all()] == [acme]
    assert AuditEntry.objects.filter(action="export.created", store=acme).count() == 1


@pytest.mark.parametrize("subdomain_kind", ["foreign", "viewer"])
def test_export_of_a_store_without_the_right_is_a_form_error(client, manager, subdomain_kind):
    other = StoreFactory(subdomain="other")
    if subdomain_kind == "viewer":
        MembershipFactory(operator=manager, store=other, role=Role.VIEWER)
    client.force_login(manager)
    response = client.post(reverse("export_list"), {"stores": ["other"], "resource": "orders", "format": "csv"})
    assert response.status_code == 400
    assert "stores" in response.context["form"].errors
    assert not Job.objects.exists()


def test_bad_dates_and_unknown_columns_are_form_errors(client, manager, acme):
    client.force_login(manager)
    response = client.post(
        reverse("export_list"),
        {
            "stores": ["acme"],
            "resource": "orders",
            "format": "csv",
            "date_placed_from": "2026-05-01",
            "date_placed_to": "2026-04-01",
            "columns": ["line_id"],
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "date_placed_to" in errors and "columns" in errors
    assert not Job.objects.exists()


def test_jobs_list_polls_only_while_a_job_runs(client, manager, acme):
    client.force_login(manager)
    finished_job(manager, [acme])
    response = client.get(reverse("export_list"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b'id="jobs"' in response.content and b"every 2s" not in response.content
    assert b"<html" not in response.content
    Job.objects.create(owner=manager, status=Job.Status.RUNNING)
    response = client.get(reverse("export_list"), headers={"HX-Request": "true"})
    assert b"every 2s" in response.content
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_job_detail_is_the_owners_only(client, manager, acme):
    job = finished_job(manager, [acme])
    client.force_login(manager)
    assert client.get(reverse("job_detail", args=[job.pk])).status_code == 200
    client.force_login(OperatorFactory())
    assert client.get(reverse("job_detail", args=[job.pk])).status_code == 404


# --- downloads ----------------------------------------------------------------------------


def test_owner_downloads_the_file_streamed_with_safe_headers(client, manager, acme):
    job = finished_job(manager, [acme], content=b"store,number\nacme,1\n")
    client.force_login(manager)
    response = client.get(reverse("job_download", args=[job.pk]))
    assert response.status_code == 200
    assert response.streaming
    assert b"".join(response.streaming_content) == b"store,number\nacme,1\n"
    day = timezone.localdate(job.created_at).isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="orders-acme-{day}.csv"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"].startswith("text/csv")
    entry = AuditEntry.objects.get(action="export.downloaded")
    assert entry.operator == manager and entry.store == acme and entry.object_id == str(job.pk)


def test_another_operators_job_is_404(client, manager, acme):
    job = finished_job(manager, [acme])
    intruder = MembershipFactory(store=acme, role=Role.OWNER).operator  # even an owner of the same store
    client.force_login(intruder)
    assert client.get(reverse("job_download", args=[job.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action="export.downloaded").exists()


def test_a_former_member_cannot_download(client, manager, acme):
    bergmann = StoreFactory(subdomain="bergmann")
    MembershipFactory(operator=manager, store=bergmann, role=Role.MANAGER)
    job = finished_job(manager, [acme, bergmann])
    manager.memberships.filter(store=bergmann).delete()
    client.force_login(manager)
    assert client.get(reverse("job_download", args=[job.pk])).status_code == 404


def test_an_expired_file_answers_410_with_a_page(client, manager, acme):
    job = finished_job(manager, [acme])
    client.force_login(manager)
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get(reverse("job_download", args=[job.pk]))
    assert response.status_code == 410
    assert b"has expired" in response.content
    maintenance.jobs_expire_files()
    response = client.get(reverse("job_download", args=[job.pk]))
    assert response.status_code == 410


def test_paths_are_never_taken_from_the_url(client, manager):
    client.force_login(manager)
    for path in [
        "/exports/../../etc/passwd/download/",
        "/exports/%2e%2e%2fsettings.py/download/",
        "/exports/1/download/",
    ]:
        assert client.get(path).status_code == 404


def test_download_needs_sign_in(client, manager, acme):
    job = finished_job(manager, [acme])
    response = client.get(reverse("job_download", args=[job.pk]))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_failure_report_lists_failed_items_neutralised(client, manager, acme):
    job = Job.objects.create(owner=manager, kind=Job.Kind.BULK, action=Job.Action.TAG_ADD, status=Job.Status.FINISHED)
    part = JobPart.objects.create(job=job, store=acme, items_failed=1, items_done=1)
    JobItem.objects.create(part=part, position=0, object_id="1", status=JobItem.Status.OK)
    JobItem.objects.create(part=part, position=1, object_id="2", status=JobItem.Status.FAILED, message="=bad")
    client.force_login(manager)
    response = client.get(reverse("job_failures_report", args=[job.pk]))
    assert b"".join(response.streaming_content).decode().splitlines() == ["store,object,reason", "acme,2,'=bad"]
    client.force_login(OperatorFactory())
    assert client.get(reverse("job_failures_report", args=[job.pk])).status_code == 404


def test_a_removed_member_sees_nothing_more_of_the_job(client, manager, acme):
    """The job's page, its status partial and its failures report answer a former
    member of one of its stores as they answer a stranger (like the download)."""
    bergmann = StoreFactory(subdomain="bergmann")
    MembershipFactory(operator=manager, store=bergmann, role=Role.MANAGER)
    job = Job.objects.create(owner=manager, kind=Job.Kind.BULK, action=Job.Action.TAG_ADD, status=Job.Status.RUNNING)
    part = JobPart.objects.create(job=job, store=bergmann, items_failed=1)
    JobItem.objects.create(part=part, position=0, object_id="7", status=JobItem.Status.FAILED, message="no such order")
    pages = {
        "page": lambda: client.get(reverse("job_detail", args=[job.pk])),
        "status partial": lambda: client.get(reverse("job_detail", args=[job.pk]), headers={"HX-Request": "true"}),
        "failures report": lambda: client.get(reverse("job_failures_report", args=[job.pk])),
    }
    client.force_login(manager)
    assert {name: get().status_code for name, get in pages.items()} == dict.fromkeys(pages, 200)
    manager.memberships.filter(store=bergmann).delete()
    assert {name: get().status_code for name, get in pages.items()} == dict.fromkeys(pages, 404)


# --- cancel and notices ---------------------------------------------------------------------


def test_cancel_is_post_only_and_owner_only(client, manager, acme):
    job = Job.objects.create(owner=manager, status=Job.Status.RUNNING)
    JobPart.objects.create(job=job, store=acme)
    client.force_login(OperatorFactory())
    assert client.post(reverse("job_cancel", args=[job.pk])).status_code == 404
    client.force_login(manager)
    assert client.get(reverse("job_cancel", args=[job.pk])).status_code == 405
    assert client.post(reverse("job_cancel", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert AuditEntry.objects.filter(action="export.cancelled").exists()


def test_cancel_needs_the_csrf_token(manager, acme):
    job = Job.objects.create(owner=manager, status=Job.Status.RUNNING)
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(manager)
    assert csrf_client.post(reverse("job_cancel", args=[job.pk])).status_code == 403
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING


def test_a_finished_job_is_announced_once_on_any_page(client, manager, acme):
    job = finished_job(manager, [acme])
    client.force_login(manager)
    first = client.get(reverse("home"))
    assert b"Your export" in first.content and str(job.pk).encode() in first.content
    second = client.get(reverse("home"))
    assert b"Your export" not in second.content
    Job.objects.create(owner=manager, status=Job.Status.RUNNING)
    polling = client.get(reverse("home"))
    assert reverse("job_notice").encode() in polling.content


def test_a_notice_names_the_job_it_announces(client, manager, acme):
    acme.name = "Acme Outfitters"
    acme.save()
    export = finished_job(manager, [acme])
    bulk = Job.objects.create(
        owner=manager, kind=Job.Kind.BULK, action=Job.Action.TAG_ADD, action_value="vip", status=Job.Status.FAILED
    )
    JobPart.objects.create(job=bulk, store=acme)
    client.force_login(manager)
    html = " ".join(client.get(reverse("home")).content.decode().split())
    assert "Your export of orders (CSV) from Acme Outfitters has finished." in html
    assert f"Download {export.file_name}</a>" in html
    assert "Your bulk job “Add a tag: vip” in Acme Outfitters has failed." in html


def test_the_poll_adds_each_ended_job_once_and_leaves_out_the_jobs_own_page(client, manager, acme):
    running = Job.objects.create(owner=manager, status=Job.Status.RUNNING)
    JobPart.objects.create(job=running, store=acme)
    client.force_login(manager)
    page = client.get(reverse("home")).content.decode()
    assert 'id="job-notice-poll"' in page and "job-notice-" + str(running.pk) not in page

    Job.objects.filter(pk=running.pk).update(status=Job.Status.FINISHED)
    on_its_page = client.get(reverse("job_notice"), {"except": str(running.pk)}, HTTP_HX_REQUEST="true")
    assert on_its_page.content.decode().strip() == ""  # nothing to add, nothing left running: the poll stops
    running.refresh_from_db()
    assert running.notified_at is None  # the job's page shows its end, and marks it seen itself

    other = Job.objects.create(owner=manager, status=Job.Status.RUNNING)
    first = client.get(reverse("job_notice"), HTTP_HX_REQUEST="true").content.decode()
    # Added below the notices already shown, never replacing them; the poll goes on.
    assert '<div hx-swap-oob="beforeend:#job-notice">' in first
    assert first.count('id="job-notice-') == 2  # the finished job's notice and the poll
    assert f'id="job-notice-{running.pk}"' in first and 'id="job-notice-poll"' in first
    again = client.get(reverse("job_notice"), HTTP_HX_REQUEST="true").content.decode()
    assert f"job-notice-{running.pk}" not in again  # once
    assert 'id="job-notice-poll"' in again and other.is_active


def test_a_jobs_own_page_shows_its_end_without_a_notice_above(client, manager, acme):
    job = finished_job(manager, [acme])
    client.force_login(manager)
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert f"job-notice-{job.pk}" not in page and "Finished" in page
    job.refresh_from_db()
    assert job.notified_at is not None  # seen: no notice on the next page either
    assert f"job-notice-{job.pk}" not in client.get(reverse("home")).content.decode()


# --- bulk endpoints --------------------------------------------------------------------------


def test_bulk_orders_needs_membership_and_the_manager_role(client, db, django_capture_on_commit_callbacks):
    acme = StoreFactory(subdomain="acme")
    agent = MembershipFactory(store=acme, role=Role.AGENT).operator
    outsider = OperatorFactory()
    url = reverse("bulk_orders", kwargs={"store": "acme"})
    data = {"action": "tag_add", "value": "vip", "ids": "1001, 1002"}
    client.force_login(outsider)
    assert client.post(url, data).status_code == 404
    client.force_login(agent)
    assert client.post(url, data).status_code == 403
    manager = MembershipFactory(store=acme, role=Role.MANAGER).operator
    client.force_login(manager)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url, {**data, "ids": ["1001, 1002", "1002", "1003"]})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("job_detail", args=[job.pk])
    assert len(callbacks) == 1
    assert job.kind == Job.Kind.BULK and job.action == "tag_add" and job.action_value == "vip"
    assert list(JobItem.objects.values_list("object_id", flat=True)) == ["1001", "1002", "1003"]
    assert job.parts.get().items_total == 3
    assert AuditEntry.objects.filter(action="bulk.created", store=acme).exists()


def test_bulk_without_a_selection_or_with_bad_ids_starts_nothing(client, manager, acme):
    client.force_login(manager)
    url = reverse("bulk_orders", kwargs={"store": "acme"})
    response = client.post(url, {"action": "tag_add", "value": "vip", "back": "//evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("store_overview", kwargs={"store": "acme"})
    client.post(url, {"action": "tag_add", "value": "vip", "ids": "1; DROP TABLE"})
    client.post(url, {"action": "not_an_action", "value": "vip", "ids": "1"})
    client.post(url, {"action": "tag_add", "value": "a,b", "ids": "1"})
    assert not Job.objects.exists()


def test_bulk_all_matching_keeps_the_filters(client, manager, acme, django_capture_on_commit_callbacks):
    client.force_login(manager)
    with django_capture_on_commit_callbacks():
        client.post(
            reverse("bulk_orders", kwargs={"store": "acme"}),
            {"action": "note_add", "value": "Checked", "all_matching": "on", "status": "open", "is_test": ""},
        )
    job = Job.objects.get()
    assert job.filters == {"status": ["open"]}
    assert not job.parts.get().collected


def test_bulk_tickets_is_for_agents_and_validates_the_status(client, db, django_capture_on_commit_callbacks):
    acme = StoreFactory(subdomain="acme")
    agent = MembershipFactory(store=acme, role=Role.AGENT).operator
    viewer = MembershipFactory(store=acme, role=Role.VIEWER).operator
    url = reverse("bulk_tickets", kwargs={"store": "acme"})
    client.force_login(viewer)
    assert client.post(url, {"action": "ticket_status", "value": "solved", "ids": "5"}).status_code == 403
    client.force_login(agent)
    client.post(url, {"action": "ticket_status", "value": "exploded", "ids": "5"})
    assert not Job.objects.exists()
    with django_capture_on_commit_callbacks():
        client.post(url, {"action": "ticket_status", "value": "solved", "ids": "5,6"})
    job = Job.objects.get()
    assert job.resource == Job.Resource.TICKETS and job.action_value == "solved"


def test_bulk_endpoints_need_the_csrf_token(manager, acme):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(manager)
    response = csrf_client.post(
        reverse("bulk_orders", kwargs={"store": "acme"}), {"action": "tag_add", "value": "x", "ids": "1"}
    )
    assert response.status_code == 403
    assert not Job.objects.exists()


def test_job_pages_escape_what_the_operator_typed(client, manager, acme, django_capture_on_commit_callbacks):
    client.force_login(manager)
    with django_capture_on_commit_callbacks():
        client.post(
            reverse("bulk_orders", kwargs={"store": "acme"}),
            {"action": "note_add", "value": '<img src=x onerror=alert(1)> hx-get="//evil"', "ids": "1"},
        )
    job = Job.objects.get()
    for url in (reverse("job_detail", args=[job.pk]), reverse("export_list")):
        content = client.get(url).content
        assert b"<img src=x" not in content
        assert b"&lt;img src=x onerror=alert(1)&gt;" in content


def test_a_file_storage_lost_answers_410_with_the_page(client, manager, acme):
    job = finished_job(manager, [acme])
    default_storage.delete(job.file.name)  # e.g. a bucket lifecycle rule, behind our back
    client.force_login(manager)
    response = client.get(reverse("job_download", args=[job.pk]))
    assert response.status_code == 410 and b"has expired" in response.content


def test_a_job_still_running_has_nothing_to_download(client, manager, acme):
    job = Job.objects.create(owner=manager, status=Job.Status.RUNNING)
    JobPart.objects.create(job=job, store=acme, position=0)
    client.force_login(manager)
    assert client.get(reverse("job_download", args=[job.pk])).status_code == 404
