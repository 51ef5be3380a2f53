"""Saved views in a browser: save a filtered list under a name, shared; it shows in the
list's views bar and the navigation's Views menu at once; a colleague (another browser
context) sees it in their menu and opens it with its filters. At 1366 and 390 px.

With E2E_SCREENSHOTS=<folder> set, the tests save what they looked at there."""

import pytest
from playwright.sync_api import expect

from dashboard.models import SavedView
from storeapi.models import Store
from storeapi.roles import Role
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.helpers import assert_no_errors, htmx_settled, shoot, snap, watch_errors
from tests.e2e.test_screens_browser import LAPTOP, PHONE, no_sideways_scrolling
from tests.factories import MembershipFactory, OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def team(connect_store):
    acme = connect_store("acme")
    ana = OperatorFactory(email="ana.beatriz.fernandes@storedesk-example.com")
    ben = OperatorFactory(email="ben@storedesk-example.com")
    for operator in (ana, ben):
        MembershipFactory(operator=operator, store=acme, role=Role.MANAGER)
    MembershipFactory(operator=ana, store=connect_store("bergmann"), role=Role.MANAGER)
    return ana, ben


def open_views_menu(page):
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        expect(page.locator("#main-nav.show")).to_be_visible()
        expect(page.locator("#main-nav.collapsing")).to_have_count(0)
    page.locator("#nav-saved-views-toggle").click()
    menu = page.locator("#nav-saved-views .dropdown-menu")
    expect(menu).to_be_visible()
    return menu


def test_save_a_view_share_it_and_a_colleague_opens_it(page, team, sign_in, browser, live_server):
    ana, ben = team
    page.set_viewport_size(LAPTOP)
    sign_in(page, ana)
    page.goto("/s/acme/orders/?status=open")
    expect(page.locator("#order-results .chip")).to_have_count(1)
    page.locator("#saved-view-save > summary").click()
    page.locator("#saved-view-name").fill("Open orders <b>")
    page.locator("#saved-view-shared").check()
    snap(page, "saved-view-save-form-1366")
    page.locator("#saved-view-save button[type=submit]").click()
    htmx_settled(page)
    bar_link = page.locator("#saved-views-bar a.saved-view-link", has_text="Open orders <b>")
    expect(bar_link).to_have_attribute("aria-current", "page")
    view = SavedView.objects.get()
    assert view.shared and view.query == "status=open"
    # The navigation's menu was swapped in with the new view, without a reload.
    menu = open_views_menu(page)
    expect(menu.locator("a.nav-saved-view", has_text="Open orders <b>")).to_be_visible()
    snap(page, "saved-views-nav-1366")
    page.keyboard.press("Escape")

    # A colleague, in a browser of their own.
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    other = context.new_page()
    watch_errors(other)
    try:
        sign_in(other, ben)
        other.goto("/s/acme/orders/")
        menu = open_views_menu(other)
        item = menu.locator("a.nav-saved-view", has_text="Open orders <b>")
        expect(item).to_contain_text(ana.email)  # whose view it is
        snap(other, "saved-views-nav-390")
        assert no_sideways_scrolling(other)
        item.click()
        other.wait_for_url(f"**/s/acme/orders/?view={view.pk}")
        expect(other.locator("#saved-views-bar a.saved-view-link[aria-current=page]")).to_contain_text(
            "Open orders <b>"
        )
        other.locator("#order-filters-fold > summary").click()
        expect(other.locator("#order-results .chip")).to_contain_text("Status: Open")
        snap(other, "saved-view-opened-390")
        assert no_sideways_scrolling(other)
    finally:
        context.close()
    assert_no_errors(other)


def test_the_save_form_and_the_schedule_form_on_a_phone(page, team, sign_in):
    ana, _ = team
    acme = Store.objects.get(subdomain="acme")
    view = SavedView.objects.create(owner=ana, name="Unpaid", kind="orders", store=acme, query="payment_status=pending")
    page.set_viewport_size(PHONE)
    sign_in(page, ana)
    page.goto("/s/acme/orders/?payment_status=pending")
    page.locator("#saved-view-save > summary").click()
    expect(page.locator("#saved-view-name")).to_be_visible()
    snap(page, "saved-view-save-form-390")
    assert no_sideways_scrolling(page)

    page.goto("/views/")
    expect(page.locator("#my-views")).to_contain_text("Unpaid")
    snap(page, "views-page-390")
    assert no_sideways_scrolling(page)
    page.get_by_role("link", name="Schedule export").click()
    expect(page.locator("#schedule-form")).to_be_visible()
    snap(page, "schedule-form-390")
    assert no_sideways_scrolling(page)
    # The weekday means something for weekly schedules only: shown for them alone.
    expect(page.locator("#id_frequency")).to_have_value("daily")
    expect(page.locator("#schedule-weekday")).to_be_hidden()
    page.locator("#id_frequency").select_option("weekly")
    expect(page.locator("#schedule-weekday")).to_be_visible()
    page.locator("#id_weekday").select_option("4")
    page.locator("#id_hour").select_option("7")
    page.locator("#id_timezone").select_option("Europe/Berlin")
    page.get_by_role("button", name="Save schedule").click()
    expect(page.locator("#schedules")).to_contain_text("Every week on Friday at 07:00 (Europe/Berlin)")
    expect(page.locator("#schedules")).to_contain_text("next run Friday")
    expect(page.locator("#schedules time")).to_contain_text("07:00")
    snap(page, "schedules-390")
    page.set_viewport_size(LAPTOP)
    page.goto(f"/views/{view.pk}/schedule/")
    expect(page.locator("#schedule-weekday")).to_be_hidden()  # a new schedule: daily
    shoot(page, "schedule-form-daily")
    page.locator("#id_frequency").select_option("weekly")
    expect(page.locator("#schedule-weekday")).to_be_visible()
    shoot(page, "schedule-form-weekly")
    snap(page, "schedule-form-1366")
    page.goto("/exports/")
    expect(page.locator("#export-schedules-summary")).to_contain_text("Unpaid")
    expect(page.locator("#export-schedules-summary")).to_contain_text("07:00 (Europe/Berlin)")
    snap(page, "exports-with-schedules-1366")
    page.goto("/views/")
    expect(page.locator("#my-views")).to_contain_text("Unpaid")
    snap(page, "views-page-1366")


def test_a_name_already_taken_is_said_in_the_bar_and_the_name_stays_to_change(page, team, sign_in):
    ana, _ = team
    page.set_viewport_size(PHONE)
    sign_in(page, ana)
    page.goto("/s/acme/orders/?status=open")
    for _ in range(2):  # the second time, the bar is the one the first save drew
        if not page.locator("#saved-view-save[open]").count():
            page.locator("#saved-view-save > summary").click()
        page.locator("#saved-view-name").fill("Open orders")
        page.locator("#saved-view-save button[type=submit]").click()
        htmx_settled(page)
    error = page.locator("#saved-view-error")
    expect(error).to_have_text("You already have a view named “Open orders” for this list: choose another name.")
    name = page.locator("#saved-view-name")
    expect(name).to_have_value("Open orders")
    expect(name).to_have_attribute("aria-invalid", "true")
    assert no_sideways_scrolling(page)
    shoot(page, "saved-view-name-taken", at="#saved-views-bar")
    name.fill("Open orders, newest")
    name.press("Enter")
    htmx_settled(page)
    expect(page.locator("#saved-views-bar a.saved-view-link", has_text="Open orders, newest")).to_be_visible()
    assert SavedView.objects.filter(owner=ana).count() == 2
    assert_no_errors(page)
