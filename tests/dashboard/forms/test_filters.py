"""Filter forms: the platform's parameter names, removable chips, invalid input kept out."""

from django.http import QueryDict

from dashboard.forms.filters import CrossStoreTicketFilterForm, CustomerFilterForm, OrderFilterForm, TicketFilterForm


def test_order_filters_become_the_platforms_parameters():
    query = QueryDict(
        "status=open&status=canceled&payment_status=paid&date_placed_from=2024-05-01&date_placed_to=2024-05-31"
        "&tags=vip,+gift&tags=rush&is_test=false&search_text=+ada+&fulfillment_status="
    )
    form = OrderFilterForm(query)
    assert form.upstream_params() == {
        "status": ["open", "canceled"],
        "payment_status": ["paid"],
        "date_placed_from": "2024-05-01",
        "date_placed_to": "2024-05-31",
        "tags": ["vip", "gift", "rush"],
        "is_test": "false",
        "search_text": "ada",
    }


def test_an_invalid_field_is_left_out_and_shows_its_error():
    form = OrderFilterForm(QueryDict("status=open&status=bogus&date_placed_from=2024-13-45&search_text=x"))
    params = form.upstream_params()
    assert params == {"search_text": "x"}
    assert form.errors["status"] and form.errors["date_placed_from"]


def test_a_reversed_date_range_is_an_error_on_the_end_date():
    form = TicketFilterForm(QueryDict("created_from=2024-05-10&created_to=2024-05-01"))
    assert "created_to" in form.errors
    assert "created_to" not in form.upstream_params()


def test_chips_remove_one_value_each_and_drop_the_cursor():
    query = QueryDict("status=open&status=canceled&search_text=ada&cursor=abc")
    chips = {(c.label, c.value): c.remove_query for c in OrderFilterForm(query).chips(query)}
    assert chips[("Status", "Canceled")] == "?status=open&search_text=ada"
    assert chips[("Search", "ada")] == "?status=open&status=canceled"


def test_customer_filters():
    form = CustomerFilterForm(
        QueryDict("email=a%40b.c&accepts_marketing=true&is_blocked=false&date_joined_from=2024-01-01")
    )
    assert form.upstream_params() == {
        "email": "a@b.c",
        "accepts_marketing": "true",
        "is_blocked": "false",
        "date_joined_from": "2024-01-01",
    }


def test_ticket_filters_and_types():
    types = [{"id": 3, "name": "Refund"}, {"id": 4, "name": "Shipping"}]
    form = TicketFilterForm(
        QueryDict("status=open&ticket_type=4&assignee=7&priority=high&filter_text=late"), ticket_types=types
    )
    assert form.upstream_params() == {
        "status": "open",
        "ticket_type": "4",
        "assignee": "7",
        "priority": "high",
        "filter_text": "late",
    }
    # The status is the tab, not a chip; a type shows its name.
    query = QueryDict("status=open&priority=high&ticket_type=4")
    chips = TicketFilterForm(query, ticket_types=types).chips(query)
    assert [(c.label, c.value) for c in chips] == [("Priority", "High"), ("Type", "Shipping")]


def test_cross_store_ticket_filters_leave_store_specific_ids_out():
    form = CrossStoreTicketFilterForm(
        QueryDict("stores=acme&stores=nope&status=new&assignee=3"), store_choices=[("acme", "Acme"), ("siam", "Siam")]
    )
    assert "assignee" not in form.fields and "ticket_type" not in form.fields
    assert form.upstream_params() == {"status": "new"}
    assert "stores" in form.errors  # "nope" is not one of the operator's stores
    form = CrossStoreTicketFilterForm(QueryDict("stores=acme"), store_choices=[("acme", "Acme"), ("siam", "Siam")])
    assert form.selected_stores() == ["acme"]
    assert [(c.label, c.value, c.remove_query) for c in form.chips(QueryDict("stores=acme"))] == [("Store", "Acme", "")]
