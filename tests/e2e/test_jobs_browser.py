"""Bulk jobs in a real browser: tick orders, tag them as a job, watch it finish; export
the filtered list and download it. A real Celery worker runs the jobs."""

import re

import pytest
from playwright.sync_api import expect

from storeapi.roles import Role
from tests.factories import MembershipFactory, OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def manager(connect_store):
    operator = OperatorFactory()
    MembershipFactory(operator=operator, store=connect_store("acme"), role=Role.MANAGER)
    return operator


def test_tag_selected_orders_as_a_job_then_export_the_list(page, manager, sign_in, sandbox, celery_worker):
    sign_in(page, manager)
    page.goto("/s/acme/orders/?status=open")
    rows = page.locator("#order-rows tr.order-row")
    expect(rows.first).to_be_visible()
    numbers = [rows.nth(i).get_attribute("data-order-number") for i in range(2)]
    for number in numbers:
        page.get_by_label(f"Select order #{number}").check()
    expect(page.locator("#bulk-orders [data-selected-count]")).to_have_text("2")
    page.get_by_label("Tag or note").fill("e2e-bulk")
    page.get_by_role("button", name="Apply as a job").click()
    page.wait_for_url(re.compile(r"/exports/[0-9a-f-]{36}/$"))
    expect(page.locator("#job-progress .badge").first).to_have_text("Finished", timeout=60_000)
    assert sorted(sandbox.order_numbers("acme", tags="e2e-bulk")) == sorted(numbers)
    # The job's own page shows its end: no "your bulk job has finished" notice above it.
    expect(page.locator("[data-job-notice]")).to_have_count(0)
    page.goto("/s/acme/orders/?status=open")
    expect(page.locator("[data-job-notice]")).to_have_count(0)  # seen on its page: not announced again

    page.goto("/s/acme/orders/?status=open")
    page.get_by_role("link", name="Export these orders").click()
    page.wait_for_url(re.compile(r"/exports/\?store=acme&status=open$"))
    expect(page.get_by_label("Acme Outfitters")).to_be_checked()
    page.get_by_role("button", name="Start export").click()
    download_link = page.locator("#jobs").get_by_role("link", name="Download")
    expect(download_link).to_be_visible(timeout=60_000)
    expect(page.locator("#job-notice")).to_have_count(0)  # the list shows every job's end itself
    with page.expect_download() as download:
        download_link.click()
    assert re.fullmatch(r"orders-acme-\d{4}-\d{2}-\d{2}\.csv", download.value.suggested_filename)
    body = download.value.path().read_text(encoding="utf-8-sig").splitlines()
    assert len(body) - 1 == len(sandbox.order_numbers("acme", status="open"))
    assert page.js_errors == []
