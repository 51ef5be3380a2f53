"""Fields the forms share: a list typed in a text box (`ValuesField`)."""

from dashboard.forms.customers import CustomerForm
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
