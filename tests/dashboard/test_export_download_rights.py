"""An export's file needs the export permission in every store in it *now* (issue 11, §10).

An operator demoted from manager to agent could still download the exports they made as
a manager: the download checked membership only. Tried the way the demoted operator
would: the URL they kept, the jobs list and the job's page.
"""

import pytest
from django.urls import reverse

from dashboard.models import AuditEntry
from storeapi.models import Membership
from storeapi.roles import Role
from tests.factories import MembershipFactory, OperatorFactory, StoreFactory

from .conftest import finished_job

pytestmark = pytest.mark.usefixtures("job_files")


@pytest.fixture
def manager(db):
    return OperatorFactory()


@pytest.fixture
def stores(manager):
    acme, bergmann = StoreFactory(subdomain="acme"), StoreFactory(subdomain="bergmann")
    for store in (acme, bergmann):
        MembershipFactory(operator=manager, store=store, role=Role.MANAGER)
    return acme, bergmann


def set_role(operator, store, role):
    Membership.objects.filter(operator=operator, store=store).update(role=role)


def download(client, job):
    return client.get(reverse("job_download", args=[job.pk]))


def download_links(client, job) -> dict[str, bool]:
    href = reverse("job_download", args=[job.pk])
    pages = {"list": reverse("export_list"), "detail": reverse("job_detail", args=[job.pk])}
    return {name: href in client.get(url).content.decode() for name, url in pages.items()}


def test_a_manager_downloads_and_sees_the_download_buttons(client, manager, stores):
    job = finished_job(manager, list(stores))
    client.force_login(manager)
    assert download_links(client, job) == {"list": True, "detail": True}
    response = download(client, job)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"store,number\nacme,1\n"


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER])
def test_demoted_in_one_store_of_the_file_the_download_is_refused(client, manager, stores, role):
    acme, bergmann = stores
    job = finished_job(manager, [acme, bergmann])
    set_role(manager, bergmann, role)
    client.force_login(manager)
    response = download(client, job)
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="export.downloaded").exists()
    # The job is still theirs to look at, without a button that would be refused.
    assert client.get(reverse("job_detail", args=[job.pk])).status_code == 200
    assert download_links(client, job) == {"list": False, "detail": False}


def test_the_rights_of_now_count_both_ways(client, manager, stores):
    acme, _ = stores
    job = finished_job(manager, [acme])
    client.force_login(manager)
    set_role(manager, acme, Role.AGENT)
    assert download(client, job).status_code == 403
    set_role(manager, acme, Role.OWNER)
    assert download(client, job).status_code == 200


def test_a_demotion_in_a_store_outside_the_file_changes_nothing(client, manager, stores):
    acme, bergmann = stores
    job = finished_job(manager, [acme])
    set_role(manager, bergmann, Role.VIEWER)
    client.force_login(manager)
    assert download(client, job).status_code == 200
    assert download_links(client, job) == {"list": True, "detail": True}


def test_a_removed_member_still_gets_a_404(client, manager, stores):
    acme, bergmann = stores
    job = finished_job(manager, [acme, bergmann])
    Membership.objects.filter(operator=manager, store=bergmann).delete()
    client.force_login(manager)
    assert download(client, job).status_code == 404


def test_the_finished_notice_offers_the_download_only_to_who_may_download_now(client, manager, stores):
    """The "your export has finished" notice of every page links to the file only while
    the operator may download it; a demoted operator's notice links to the job's page."""
    acme, bergmann = stores
    kept, demoted = finished_job(manager, [acme]), finished_job(manager, [acme, bergmann])
    set_role(manager, bergmann, Role.AGENT)
    client.force_login(manager)
    page = client.get("/").content.decode()
    for job in (kept, demoted):
        assert f'id="job-notice-{job.pk}"' in page and reverse("job_detail", args=[job.pk]) in page
    assert reverse("job_download", args=[kept.pk]) in page
    assert reverse("job_download", args=[demoted.pk]) not in page
