"""Fields the forms share: a list typed in a text box (`ValuesField`), choice fields whose
choices the form instances share (`SharedChoicesMixin`)."""

from django.http import QueryDict

from dashboard.forms.customers import CustomerForm
from dashboard.forms.filters import OrderFilterForm, TicketFilterForm
from dashboard.forms.tickets import TicketPropertiesForm


def test_tags_typed_on_the_action_forms_are_split_like_the_filters_and_their_length_is_in_characters():
    # (Without its `drawn` record the properties form as a whole is refused: the field is
    # what is looked at here.)
    form = TicketPropertiesForm({"status": "open", "priority": "low", "tags": " vip, callback,, vip "})
    form.is_valid()
    assert "tags" not in form.errors and form.cleaned_data["tags"] == ["vip", "callback"]
    form = CustomerForm({"email": "ada@example.com", "tags": "a, b"})
    assert form.is_valid() and form.cleaned_data["tags"] == ["a", "b"]
    # max_length=500 counts the characters typed, not the number of tags.
    form = TicketPropertiesForm({"status": "open", "priority": "low", "tags": "x" * 501})
    assert not form.is_valid() and "tags" in form.errors


def test_forms_sharing_choices_keep_what_each_changes_to_itself():
    one = TicketFilterForm(QueryDict(""), ticket_types=[{"id": 1, "name": "Refund"}], staff=[{"id": 5, "name": "Ada"}])
    other = TicketFilterForm(QueryDict(""), ticket_types=[{"id": 2, "name": "Damage"}], staff=[])
    assert list(one.fields["ticket_type"].choices) == [("", "Any"), (1, "Refund")]
    assert list(other.fields["ticket_type"].choices) == [("", "Any"), (2, "Damage")]
    assert (5, "Ada") in list(one.fields["assignee"].choices)
    assert (5, "Ada") not in list(other.fields["assignee"].choices)
    assert 'value="5"' in str(one["assignee"]) and 'value="5"' not in str(other["assignee"])
    # A widget's attributes changed on one form are its own.
    first, second = OrderFilterForm(QueryDict("")), OrderFilterForm(QueryDict(""))
    first.fields["payment_status"].widget.attrs["class"] = "changed"
    first.fields["payment_status"].error_messages["invalid_choice"] = "changed"
    assert "class" not in second.fields["payment_status"].widget.attrs
    assert second.fields["payment_status"].error_messages["invalid_choice"] != "changed"
    assert "class" not in OrderFilterForm.base_fields["payment_status"].widget.attrs
