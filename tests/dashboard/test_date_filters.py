"""Every date filter, tried with the days at the ends of the calendar (issue 11, §10).

A date picker lets a person send `9999-12-31` or `0001-01-01`. The audit log answered
500 (OverflowError: the day after 9999-12-31 does not exist). Whatever the day: a form
error in place, never a 500, and the other filters still apply.
"""

from datetime import date, timedelta

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dashboard.audit import audit_record
from dashboard.forms import filters
from dashboard.forms.fields import EARLIEST_DAY, LATEST_DAY, FilterDateField
from dashboard.forms.jobs import BulkOrdersForm, BulkTicketsForm, ExportForm
from dashboard.jobs.platform import initial_chunks
from dashboard.models import Job
from dashboard.selectors.audit import audit_entries_page
from storeapi.roles import Role
from tests.factories import MembershipFactory, StoreFactory

from .conftest import PHONE_SCOPES

EDGES = ["9999-12-31", "0001-01-01", "9999-12-30", "0001-01-02"]
# The zones furthest from UTC either way: a day at the calendar's end overflows there first.
ZONES = ["Pacific/Kiritimati", "Etc/GMT+12", "UTC", "America/New_York", "Asia/Bangkok"]
OUT_OF_RANGE = "Enter a date from 1900 to 2999."

# Every filter form of the dashboard with its date fields.
FILTER_FORMS = [
    (filters.OrderFilterForm, ("date_placed_from", "date_placed_to"), {}),
    (filters.CustomerFilterForm, ("date_joined_from", "date_joined_to"), {}),
    (filters.TicketFilterForm, ("created_from", "created_to"), {}),
    (filters.CrossStoreOrderFilterForm, ("date_placed_from", "date_placed_to"), {}),
    (filters.CrossStoreTicketFilterForm, ("created_from", "created_to"), {}),
    (filters.AuditFilterForm, ("date_from", "date_to"), {}),
    (filters.TransactionFilterForm, ("date_created_from", "date_created_to"), {}),
    (ExportForm, ("date_placed_from", "date_placed_to"), {}),
    (BulkOrdersForm, ("date_placed_from", "date_placed_to"), {}),
    (BulkTicketsForm, ("created_from", "created_to"), {}),
]


def test_every_date_field_of_every_form_is_a_filter_date_field():
    """The sweep: a new form with a plain DateField would bring the 500 back."""
    from dashboard.forms import customers, jobs, notes, orders, phone_orders, tickets

    for module in (filters, jobs, customers, notes, orders, phone_orders, tickets):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.BaseForm):
                for name, field in value.base_fields.items():
                    if isinstance(field, forms.DateField):
                        assert isinstance(field, FilterDateField), f"{value.__name__}.{name}"


@pytest.mark.parametrize(("form_class", "names", "kwargs"), FILTER_FORMS)
@pytest.mark.parametrize("day", EDGES)
def test_a_day_at_the_calendars_end_is_a_form_error_in_every_filter_form(form_class, names, kwargs, day):
    for name in names:
        form = form_class({name: day}, **kwargs)
        form.is_valid()
        assert form.errors.get(name) == [OUT_OF_RANGE], (form_class.__name__, name)
        assert name not in form.upstream_params()


def test_the_date_pickers_offer_only_the_days_the_filters_take():
    html = str(filters.OrderFilterForm()["date_placed_to"])
    assert 'min="1900-01-01"' in html and 'max="2999-12-31"' in html


@given(day=st.dates())
def test_any_day_is_taken_as_it_is_or_refused_by_the_form(day):
    form = filters.AuditFilterForm({"date_from": day.isoformat(), "date_to": day.isoformat()})
    form.is_valid()
    if EARLIEST_DAY <= day <= LATEST_DAY:
        assert form.valid_data()["date_to"] == day
    else:
        assert form.errors["date_to"] == [OUT_OF_RANGE] and "date_to" not in form.valid_data()


# --- the audit log: Storedesk's own database ------------------------------------------------


@pytest.fixture
def owner(client, db):
    owner = MembershipFactory(role=Role.OWNER, store__subdomain="acme", store__timezone="Pacific/Kiritimati")
    audit_record(
        operator=owner.operator,
        store=owner.store,
        action="order.canceled",
        object_type="order",
        object_id="9",
        summary="Canceled order #9",
    )
    client.force_login(owner.operator)
    return owner


@pytest.mark.parametrize("day", EDGES)
def test_the_audit_log_with_a_day_at_the_calendars_end_shows_the_error_and_the_entries(client, owner, day):
    url = reverse("audit_log", kwargs={"store": "acme"})
    for name in ("date_from", "date_to"):
        response = client.get(url, {name: day, "action": "order.canceled"})
        assert response.status_code == 200
        html = response.content.decode()
        assert OUT_OF_RANGE in html
        assert "Canceled order #9" in html  # the other filter still applies


@pytest.mark.django_db
@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.none() | st.dates(), end=st.none() | st.dates(), zone=st.sampled_from(ZONES))
def test_the_audit_selector_takes_any_day_in_any_zone(start, end, zone):
    """The selector holds on its own, whatever the form let through."""
    store = StoreFactory(timezone=zone)
    entries, _ = audit_entries_page(store=store, date_from=start, date_to=end)
    assert entries == []


# --- the exports' date ranges --------------------------------------------------------------


@pytest.fixture
def manager(client, db):
    membership = MembershipFactory(role=Role.MANAGER, store=StoreFactory(subdomain="acme"))
    client.force_login(membership.operator)
    return membership


@pytest.mark.parametrize("source", ["api", "platform"])
def test_an_export_of_a_day_at_the_calendars_end_is_a_form_error_and_no_job(client, manager, source):
    response = client.post(
        reverse("export_list"),
        {
            "stores": ["acme"],
            "resource": "orders",
            "format": "csv",
            "source": source,
            "date_placed_from": "2026-01-01",
            "date_placed_to": "9999-12-31",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["date_placed_to"] == [OUT_OF_RANGE]
    assert not Job.objects.exists()


def test_a_bulk_action_on_all_matching_a_day_at_the_calendars_end_starts_nothing(client, manager):
    response = client.post(
        reverse("bulk_orders", kwargs={"store": "acme"}),
        {"action": "tag_add", "value": "vip", "all_matching": "on", "date_placed_to": "9999-12-31"},
    )
    assert response.status_code == 302
    (message,) = get_messages(response.wsgi_request)
    assert OUT_OF_RANGE in str(message)
    assert not Job.objects.exists()


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(("start", "end"), [("0001-01-01", "9999-12-31"), ("9999-12-31", "9999-12-31")])
def test_a_platform_export_given_a_day_at_the_calendars_end_still_makes_its_range(db, zone, start, end):
    """A job saved before the form refused such days must not fail on them."""
    store = StoreFactory(timezone=zone)
    job = Job(filters={"date_placed_from": start, "date_placed_to": end})
    ((chunk),) = initial_chunks(job, store)
    assert chunk["from"] <= chunk["to"]


@given(start=st.dates(EARLIEST_DAY, LATEST_DAY), days=st.integers(0, 3000), zone=st.sampled_from(ZONES))
def test_a_platform_export_covers_the_days_asked_for(start, days, zone):
    end = min(start + timedelta(days=days), LATEST_DAY)
    store = StoreFactory.build(timezone=zone)
    job = Job(filters={"date_placed_from": start.isoformat(), "date_placed_to": end.isoformat()})
    ((chunk),) = initial_chunks(job, store)
    assert chunk["from"] < chunk["to"]
    assert date.fromisoformat(chunk["from"][:10]) <= start + timedelta(days=1)


# --- the list pages that ask the store -----------------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "names"),
    [
        ("order_list", ("date_placed_from", "date_placed_to")),
        ("customer_list", ("date_joined_from", "date_joined_to")),
        ("ticket_list", ("created_from", "created_to")),
        ("transaction_list", ("date_created_from", "date_created_to")),
        ("all_orders", ("date_placed_from", "date_placed_to")),
        ("all_tickets", ("created_from", "created_to")),
    ],
)
def test_the_store_lists_with_a_day_at_the_calendars_end_show_the_error_in_place(
    connect_store, login_as, url_name, names
):
    acme = connect_store("acme", scopes=PHONE_SCOPES)
    client = login_as(acme, Role.VIEWER)
    kwargs = {} if url_name.startswith("all_") else {"store": "acme"}
    url = reverse(url_name, kwargs=kwargs)
    for name in names:
        for day in ("9999-12-31", "0001-01-01"):
            response = client.get(url, {name: day})
            assert response.status_code == 200, (url_name, name, day)
            assert OUT_OF_RANGE in response.content.decode(), (url_name, name, day)
