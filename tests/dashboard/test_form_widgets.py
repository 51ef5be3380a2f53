"""Form fields drawn in Python (dashboard/templatetags/storedesk.py): the same markup as
Django's own widget templates, the filter bar's labels, errors and escaping."""

import re

import pytest
from django import forms
from django.http import QueryDict

from dashboard.forms.filters import CustomerFilterForm, OrderFilterForm, TicketFilterForm
from dashboard.templatetags.storedesk import bootstrap, filter_fields, widget_html

HOSTILE = '"><script>alert(1)</script>'

TYPES = [{"id": 1, "name": "Refund <b>request</b>"}, {"id": 2, "name": "Shipping"}]
STAFF = [{"id": 7, "name": "Ana O'Brien <ana@example.com>"}]


def tags_only(html: str) -> str:
    """Django's templates put line breaks between a select's options; ours do not."""
    return re.sub(r">\s+<", "><", str(html)).strip()


def ticket_form(query: str) -> TicketFilterForm:
    return TicketFilterForm(QueryDict(query), ticket_types=TYPES, staff=STAFF)


FORMS = [
    lambda: OrderFilterForm(QueryDict("")),
    lambda: OrderFilterForm(QueryDict(f"search_text={HOSTILE}&tags=vip&tags=gift&date_placed_from=2024-05-01")),
    lambda: OrderFilterForm(QueryDict("date_placed_from=2024-05-09&date_placed_to=2024-05-01&is_test=maybe")),
    lambda: CustomerFilterForm(QueryDict(f"email={HOSTILE}&accepts_marketing=true")),
    lambda: ticket_form(""),
    lambda: ticket_form(f"status=open&priority=high&assignee=7&ticket_type=1&filter_text={HOSTILE}"),
    lambda: ticket_form("priority=urgent&ticket_type=99&created_from=1200-01-01"),
]


@pytest.mark.parametrize("make_form", FORMS)
def test_every_field_is_drawn_as_djangos_templates_draw_it(make_form):
    form = make_form()
    form.is_valid()
    for field in form:
        for attrs in (None, {"class": "form-control is-invalid", "aria-describedby": "x_helptext"}):
            assert tags_only(widget_html(field, attrs)) == tags_only(field.as_widget(attrs=attrs)), field.name


def test_a_multiple_select_is_left_to_django():
    class Form(forms.Form):
        many = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.SelectMultiple)

    field = Form(QueryDict("many=a"))["many"]
    assert widget_html(field) == str(field.as_widget())  # Django's own, untouched
    assert "multiple" in widget_html(field)


def test_bootstrap_marks_an_invalid_field():
    form = OrderFilterForm(QueryDict("date_placed_from=2024-13-45"))
    form.is_valid()
    drawn = bootstrap(form["date_placed_from"])
    assert 'class="form-control is-invalid"' in drawn and 'value="2024-13-45"' in drawn
    assert 'class="form-control"' in bootstrap(form["date_placed_to"])


def test_the_filter_bar_labels_every_visible_field_and_hides_the_tab():
    bar = filter_fields(ticket_form("status=open&priority=high"))
    assert '<input type="hidden" name="status" value="open" id="id_status">' in bar
    for name in ("filter_text", "order_number", "priority", "assignee", "ticket_type", "created_from"):
        assert f'<label class="form-label small mb-0" for="id_{name}">' in bar, name
    assert '<option value="high" selected>High</option>' in bar
    assert re.search(r'<div class="filter-field filter-search">\s*<label[^>]*for="id_filter_text"', bar)


def test_the_filter_bar_shows_each_error_under_its_field():
    bar = filter_fields(OrderFilterForm(QueryDict("date_placed_from=2024-05-09&date_placed_to=2024-05-01")))
    assert '<div class="invalid-feedback d-block">The end date is before the start date.</div>' in bar
    assert bar.count("invalid-feedback") == 1


def test_multiple_choices_open_in_a_disclosure_with_the_count_chosen():
    bar = filter_fields(OrderFilterForm(QueryDict("status=open&status=archived")))
    summary = re.search(r'<summary class="form-select form-select-sm" id="id_status_summary">(.*?)</summary>', bar)
    assert summary and summary.group(1) == 'Status <span class="badge text-bg-primary">2</span>'
    assert 'value="open" id="id_status_0" checked>' in bar and 'value="canceled" id="id_status_2">' in bar
    payment = re.search(r'id="id_payment_status_summary">(.*?)</summary>', bar)
    assert payment and payment.group(1) == "Payment"


def test_what_was_typed_and_what_the_store_named_is_escaped():
    bar = filter_fields(ticket_form(f"filter_text={HOSTILE}"))
    assert "<script>" not in bar and "<b>" not in bar
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in bar
    assert "Refund &lt;b&gt;request&lt;/b&gt;" in bar
