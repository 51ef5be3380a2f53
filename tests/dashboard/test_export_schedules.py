"""Scheduled exports: next-run times (time zones and DST), claiming due schedules once
under concurrency, membership and role checked at every run, e-mails once per failure
streak, and the pages."""

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from dashboard.models import ExportRun, ExportSchedule, Job, SavedView
from dashboard.services import export_schedules as svc
from storeapi.models import Membership
from storeapi.roles import Role
from tests.factories import MembershipFactory, StoreFactory

pytestmark = pytest.mark.django_db

BERLIN = "Europe/Berlin"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- next run ---------------------------------------------------------------------------------


def test_daily_at_nine_in_berlin_follows_summer_time():
    nxt = lambda after: svc.next_run_after(frequency="daily", weekday=0, hour=9, zone=BERLIN, after=after)  # noqa: E731
    assert nxt(utc(2026, 3, 28, 7, 0)) == utc(2026, 3, 28, 8, 0)  # CET, +01:00
    assert nxt(utc(2026, 3, 28, 8, 0)) == utc(2026, 3, 29, 7, 0)  # the change night: CEST, +02:00
    assert nxt(utc(2026, 10, 24, 12, 0)) == utc(2026, 10, 25, 8, 0)  # back to CET


def test_an_hour_the_clock_skips_runs_an_hour_later_and_a_doubled_hour_runs_once():
    # 02:00 does not exist in Berlin on 29 March 2026: the run is at 03:00 CEST (01:00 UTC).
    assert svc.next_run_after(frequency="daily", weekday=0, hour=2, zone=BERLIN, after=utc(2026, 3, 28, 12)) == utc(
        2026, 3, 29, 1
    )
    # 02:00 happens twice on 25 October 2026: the first (CEST, 00:00 UTC), and only once.
    first = svc.next_run_after(frequency="daily", weekday=0, hour=2, zone=BERLIN, after=utc(2026, 10, 24, 12))
    assert first == utc(2026, 10, 25, 0)
    assert svc.next_run_after(frequency="daily", weekday=0, hour=2, zone=BERLIN, after=first) == utc(2026, 10, 26, 1)


def test_weekly_in_berlin_keeps_its_local_hour_across_the_change():
    # Sundays at 09:00: 22 March is CET (08:00 UTC), 29 March already CEST (07:00 UTC).
    first = svc.next_run_after(frequency="weekly", weekday=6, hour=9, zone=BERLIN, after=utc(2026, 3, 20))
    assert first == utc(2026, 3, 22, 8)
    second = svc.next_run_after(frequency="weekly", weekday=6, hour=9, zone=BERLIN, after=first)
    assert second == utc(2026, 3, 29, 7) and second - first == timedelta(days=7, hours=-1)


def test_weekly_on_a_weekday_in_its_own_zone():
    # Friday 06:00 in Bangkok (+07:00) is Thursday 23:00 UTC.
    after = utc(2026, 12, 1, 12)  # a Tuesday
    due = svc.next_run_after(frequency="weekly", weekday=4, hour=6, zone="Asia/Bangkok", after=after)
    assert due == utc(2026, 12, 3, 23)
    assert svc.next_run_after(frequency="weekly", weekday=4, hour=6, zone="Asia/Bangkok", after=due) == due + timedelta(
        days=7
    )
    # Due exactly now is not "after now": the next one.
    monday = utc(2026, 12, 7, 6)
    assert svc.next_run_after(frequency="weekly", weekday=0, hour=6, zone="UTC", after=monday) == utc(2026, 12, 14, 6)


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def shop():
    return StoreFactory(subdomain="acme", name="Acme")


@pytest.fixture
def manager(shop):
    return MembershipFactory(store=shop, role=Role.MANAGER).operator


def make_schedule(owner, store, *, query="status=open", due=None, **fields) -> ExportSchedule:
    view = SavedView.objects.create(owner=owner, name="Open orders", kind="orders", store=store, query=query)
    return ExportSchedule.objects.create(
        owner=owner, view=view, timezone=BERLIN, hour=6, next_run_at=due or utc(2026, 12, 1, 5), **fields
    )


NOW = utc(2026, 12, 1, 5, 1)


# --- starting due runs ------------------------------------------------------------------------


def test_a_due_schedule_starts_the_exports_job_once_and_moves_on(manager, shop):
    schedule = make_schedule(manager, shop, format="xlsx")
    runs = svc.schedules_run_due(enqueue=None, now=NOW)
    assert len(runs) == 1 and runs[0].outcome == ExportRun.Outcome.STARTED
    job = runs[0].job
    assert job.owner == manager and job.kind == Job.Kind.EXPORT and job.format == "xlsx"
    assert job.filters == {"status": ["open"]} and [p.store for p in job.parts.all()] == [shop]
    schedule.refresh_from_db()
    assert schedule.next_run_at == utc(2026, 12, 2, 5)  # 06:00 Berlin tomorrow
    assert svc.schedules_run_due(enqueue=None, now=NOW) == []  # nothing due twice


def test_a_schedule_missed_for_days_runs_once_not_once_per_missed_day(manager, shop):
    schedule = make_schedule(manager, shop, due=utc(2026, 11, 20, 5))
    assert len(svc.schedules_run_due(enqueue=None, now=NOW)) == 1
    schedule.refresh_from_db()
    assert schedule.next_run_at == utc(2026, 12, 2, 5)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_claimers_start_one_run(manager, shop):
    """Beat and a second beat (or a worker) claim at the same moment: the first holds the
    schedule's row lock while it starts the run; the second skips the locked row and finds
    nothing else due; once the first commits, the schedule is no longer due."""
    make_schedule(manager, shop)
    holding, release = threading.Event(), threading.Event()
    results = {}

    def first():
        try:
            with transaction.atomic():
                results["first"] = svc.schedule_run_next_due(now=NOW, enqueue=None)
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert holding.wait(30)
    try:
        results["second"] = svc.schedule_run_next_due(now=NOW, enqueue=None)
    finally:
        release.set()
        thread.join(30)
    assert results["first"] is not None and results["second"] is None
    assert svc.schedule_run_next_due(now=NOW, enqueue=None) is None
    assert ExportRun.objects.count() == 1 and Job.objects.count() == 1


# --- role and membership, at every run -------------------------------------------------------


def test_an_owner_demoted_below_exports_gets_no_export_and_one_email(manager, shop):
    schedule = make_schedule(manager, shop)
    Membership.objects.filter(operator=manager, store=shop).update(role=Role.AGENT)
    run = svc.schedules_run_due(enqueue=None, now=NOW)[0]
    assert run.outcome == ExportRun.Outcome.REFUSED and run.job is None
    assert "no longer allows exports" in run.message
    assert not Job.objects.exists()
    assert svc.export_runs_notify(now=NOW) == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [manager.email]
    assert "failed" in mail.outbox[0].subject and "no longer allows exports" in mail.outbox[0].body
    # The next runs fail too: no more e-mail until one succeeds.
    for day in (2, 3):
        svc.schedules_run_due(enqueue=None, now=utc(2026, 12, day, 5, 1))
        svc.export_runs_notify(now=utc(2026, 12, day, 5, 2))
    assert len(mail.outbox) == 1
    schedule.refresh_from_db()
    assert schedule.failing and ExportRun.objects.filter(outcome="refused").count() == 3


def test_an_owner_removed_from_the_store_exports_nothing(manager, shop):
    make_schedule(manager, shop)
    Membership.objects.filter(operator=manager, store=shop).delete()
    run = svc.schedules_run_due(enqueue=None, now=NOW)[0]
    assert run.outcome == "refused" and "no longer a member of Acme" in run.message
    assert not Job.objects.exists()


def test_an_all_stores_view_skips_the_store_that_no_longer_allows_it(manager, shop):
    other = StoreFactory(subdomain="bergmann", name="Bergmann")
    MembershipFactory(operator=manager, store=other, role=Role.VIEWER)
    schedule = make_schedule(manager, None, query="status=open&stores=acme&stores=bergmann")
    run = svc.schedules_run_due(enqueue=None, now=NOW)[0]
    assert run.outcome == "started" and [p.store for p in run.job.parts.all()] == [shop]
    assert "Bergmann: your role no longer allows exports" in run.message
    assert run.job.filters == {"status": ["open"]}
    assert schedule.pk


def test_a_failure_streak_ends_with_a_success_and_the_next_failure_is_emailed_again(manager, shop):
    schedule = make_schedule(manager, shop)
    membership = Membership.objects.get(operator=manager, store=shop)
    membership.role = Role.VIEWER
    membership.save()
    svc.schedules_run_due(enqueue=None, now=NOW)
    svc.export_runs_notify(now=NOW)
    assert len(mail.outbox) == 1
    membership.role = Role.MANAGER
    membership.save()
    run = svc.schedules_run_due(enqueue=None, now=utc(2026, 12, 2, 5, 1))[0]
    Job.objects.filter(pk=run.job_id).update(status=Job.Status.FINISHED, rows_total=3)
    assert svc.export_runs_notify() == 1
    ready = mail.outbox[1]
    assert "ready" in ready.subject
    assert f"{settings.SITE_URL}/exports/{run.job_id}/download/" in ready.body  # absolute
    schedule.refresh_from_db()
    assert not schedule.failing
    membership.role = Role.AGENT
    membership.save()
    svc.schedules_run_due(enqueue=None, now=utc(2026, 12, 3, 5, 1))
    svc.export_runs_notify()
    assert len(mail.outbox) == 3 and "failed" in mail.outbox[2].subject


def test_a_run_is_emailed_once_even_when_notified_twice(manager, shop):
    make_schedule(manager, shop)
    run = svc.schedules_run_due(enqueue=None, now=NOW)[0]
    assert svc.export_runs_notify() == 0  # the job has not ended
    Job.objects.filter(pk=run.job_id).update(status=Job.Status.FINISHED)
    assert svc.export_run_notify_for_job(job_id=run.job_id)
    assert svc.export_runs_notify() == 0
    assert len(mail.outbox) == 1


# --- pages ------------------------------------------------------------------------------------


def test_a_manager_schedules_a_view_and_the_exports_page_shows_it(client, manager, shop):
    view = SavedView.objects.create(owner=manager, name="Open <b>orders</b>", kind="orders", store=shop, query="")
    client.force_login(manager)
    page = client.get(reverse("schedule_new", args=[view.pk]))
    assert page.status_code == 200 and 'value="America/New_York" selected' in page.content.decode()
    response = client.post(
        reverse("schedule_new", args=[view.pk]),
        {"frequency": "weekly", "weekday": "4", "hour": "7", "timezone": BERLIN, "format": "csv", "enabled": "on"},
    )
    assert response.status_code == 302
    schedule = ExportSchedule.objects.get()
    assert schedule.owner == manager and schedule.weekday == 4 and schedule.hour == 7
    assert schedule.next_run_at.astimezone(svc.ZoneInfo(BERLIN)).strftime("%a %H:%M") == "Fri 07:00"
    html = client.get(reverse("export_list")).content.decode()
    assert "Scheduled exports" in html and "Open &lt;b&gt;orders&lt;/b&gt;" in html
    assert "07:00 (Europe/Berlin)" in re.sub(
        r"<[^>]+>", "", html
    )  # the next run in the schedule's zone, not the server's
    views_page = client.get(reverse("saved_view_list")).content.decode()
    assert "Exported every week on Friday at 07:00 (Europe/Berlin)" in views_page
    assert reverse("schedule_edit", args=[schedule.pk]) in views_page
    # A job the schedule started is marked in the jobs list.
    svc.schedules_run_due(enqueue=None, now=schedule.next_run_at)
    html = client.get(reverse("export_list")).content.decode()
    assert "scheduled-mark" in html


def test_an_agent_cannot_schedule_and_nobody_else_edits_a_schedule(client, manager, shop):
    schedule = make_schedule(manager, shop)
    agent = MembershipFactory(store=shop, role=Role.AGENT).operator
    schedule.view.shared = True
    schedule.view.save()
    client.force_login(agent)
    assert client.get(reverse("schedule_new", args=[schedule.view.pk])).status_code == 403
    assert client.get(reverse("schedule_edit", args=[schedule.pk])).status_code == 404
    assert client.post(reverse("schedule_delete", args=[schedule.pk])).status_code == 404
    other_manager = MembershipFactory(store=shop, role=Role.MANAGER).operator
    client.force_login(other_manager)
    assert client.post(reverse("schedule_delete", args=[schedule.pk])).status_code == 404
    assert ExportSchedule.objects.filter(pk=schedule.pk).exists()


def test_schedule_posts_need_the_csrf_token(manager, shop):
    schedule = make_schedule(manager, shop)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(manager)
    assert strict.post(reverse("schedule_delete", args=[schedule.pk])).status_code == 403
    assert strict.post(reverse("schedule_new", args=[schedule.view.pk]), {"frequency": "daily"}).status_code == 403
    assert ExportSchedule.objects.count() == 1


def test_an_all_stores_view_skips_a_store_the_owner_left(manager, shop):
    other = StoreFactory(subdomain="bergmann", name="Bergmann")
    MembershipFactory(operator=manager, store=other, role=Role.OWNER)
    make_schedule(manager, None, query="stores=acme&stores=bergmann")
    Membership.objects.filter(operator=manager, store=other).delete()
    run = svc.schedules_run_due(enqueue=None, now=NOW)[0]
    assert [p.store for p in run.job.parts.all()] == [shop]
    assert "bergmann: you are no longer a member" in run.message


def test_a_colleagues_view_no_longer_shared_is_not_exported(manager, shop):
    colleague = MembershipFactory(store=shop, role=Role.AGENT).operator
    view = SavedView.objects.create(owner=colleague, name="Team", kind="orders", store=shop, shared=True)
    schedule = ExportSchedule.objects.create(owner=manager, view=view, next_run_at=NOW - timedelta(minutes=1))
    view.shared = False
    view.save()
    run = svc.schedules_run_due(enqueue=None, now=NOW)[0]
    assert run.outcome == "refused" and "no longer shared" in run.message and not Job.objects.exists()
    assert schedule.pk


def test_a_paused_schedule_does_not_run(manager, shop):
    make_schedule(manager, shop, enabled=False)
    assert svc.schedules_run_due(enqueue=None, now=NOW) == []


# --- the audit log ----------------------------------------------------------------------------


def audit_of(store, prefix):
    from dashboard.models import AuditEntry

    return [(e.action, e.summary) for e in AuditEntry.objects.filter(store=store, action__startswith=prefix)][::-1]


def test_scheduling_changing_and_deleting_are_in_the_stores_audit_log(client, manager, shop):
    view = SavedView.objects.create(owner=manager, name="Open", kind="orders", store=shop, query="status=open")
    client.force_login(manager)
    fields = {"frequency": "daily", "weekday": "0", "hour": "7", "timezone": BERLIN, "format": "csv", "enabled": "on"}
    client.post(reverse("schedule_new", args=[view.pk]), fields)
    schedule = ExportSchedule.objects.get()
    client.post(reverse("schedule_edit", args=[schedule.pk]), {**fields, "frequency": "weekly", "weekday": "4"})
    client.post(reverse("schedule_delete", args=[schedule.pk]))
    assert audit_of(shop, "schedule.") == [
        ("schedule.created", "Scheduled export of the view “Open”: every day at 07:00 (Europe/Berlin), CSV"),
        ("schedule.changed", "Scheduled export of the view “Open”: every week on Friday at 07:00 (Europe/Berlin), CSV"),
        ("schedule.deleted", "Scheduled export of the view “Open”: every week on Friday at 07:00 (Europe/Berlin), CSV"),
    ]
    from dashboard.models import AuditEntry

    entry = AuditEntry.objects.filter(action="schedule.created").get()
    assert entry.operator == manager and entry.object_type == "schedule" and entry.object_id == str(schedule.pk)
    assert entry.details["enabled"] is True and entry.details["view"] == view.pk


def test_an_all_stores_schedule_is_in_the_log_of_each_store_it_exports_from(manager, shop):
    other = StoreFactory(subdomain="bergmann", name="Bergmann")
    MembershipFactory(operator=manager, store=other, role=Role.MANAGER)
    left = StoreFactory(subdomain="siam", name="Siam")  # named by the view, but not the owner's
    view = SavedView.objects.create(
        owner=manager, name="All open", kind="orders", store=None, query="stores=acme&stores=bergmann&stores=siam"
    )
    svc.schedule_save(schedule=ExportSchedule(owner=manager, view=view, timezone="UTC", enabled=False), now=NOW)
    summary = "Scheduled export of the view “All open”: every day at 06:00 (UTC), CSV, paused"
    assert audit_of(shop, "schedule.") == audit_of(other, "schedule.") == [("schedule.created", summary)]
    assert audit_of(left, "schedule.") == []
