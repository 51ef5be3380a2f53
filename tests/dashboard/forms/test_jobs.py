"""The bulk forms (dashboard/forms/jobs.py): shown above a list, and sent from it."""

from django.http import QueryDict

from dashboard.forms.filters import OrderFilterForm, TicketFilterForm
from dashboard.forms.jobs import BulkOrdersForm, BulkTicketsForm

STAFF = [{"id": 12, "name": "Ana Lima"}]
OWN = {"ids", "all_matching", "idempotency_key", "action", "value"}


def test_a_bulk_form_shown_above_a_list_holds_only_its_own_fields():
    # The list's filters are the page's filter form's (hidden inputs drawn from it):
    # a form built on every view of the list need not copy them.
    assert set(BulkTicketsForm(staff=STAFF).fields) == OWN | {"change"}
    assert set(BulkOrdersForm().fields) == OWN
    assert "Ana Lima" in str(BulkTicketsForm(staff=STAFF)["change"])
    # Its class keeps every field for the forms that are sent.
    assert set(TicketFilterForm.base_fields) < set(BulkTicketsForm.base_fields)


def test_a_sent_bulk_form_validates_the_lists_filters_with_its_own():
    sent = BulkTicketsForm(
        QueryDict("change=ticket_assignee:12&all_matching=on&priority=high&status=open"), staff=STAFF
    )
    assert sent.is_valid(), sent.errors
    assert sent.filter_params() == {"priority": "high", "status": "open"}
    assert sent.cleaned_data["label"] == "Ana Lima"
    refused = BulkOrdersForm(QueryDict("action=tag_add&value=vip&all_matching=on&date_placed_from=someday"))
    assert not refused.is_valid() and "date_placed_from" in refused.errors
    assert set(OrderFilterForm.base_fields) <= set(refused.fields)
