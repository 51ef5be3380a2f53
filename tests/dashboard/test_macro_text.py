"""A macro's variables (dashboard/macro_text.py): a small explicit replacement, one pass,
never a template engine; hostile text in every variable stays inert text."""

import pytest

from dashboard.macro_text import (
    LONGEST_VALUE,
    VARIABLES,
    clean_value,
    fill,
    latest_tracking_url,
    ticket_values,
    unknown_variables,
    variable_names,
)

EVERY = " ".join(f"[{{{{ {name} }}}}]" for name in VARIABLES)

HOSTILE = [
    "{{ store.name }}",  # a variable inside a value: not substituted again
    "{{store.name}}{{ operator.name }}",
    "{% load static %}{% debug %}",  # template syntax: never run
    "{{ settings.SECRET_KEY }}",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '" hx-get="//evil" x="',
    "Ana\nBcc: evil@example.com\r\n\r\nHi",  # line breaks: one line
    "\x00\x1b[31m",  # control characters
    "%(name)s {0} ${name} \\1 \\g<0>",  # other formatting and regex replacement syntax
]


class Operator:
    def __init__(self, name):
        self.name = name

    def get_full_name(self):
        return self.name


class FakeStore:
    def __init__(self, name):
        self.name, self.subdomain = name, "acme"


def test_the_variables_are_replaced_with_their_values():
    values = {name: f"value of {name}" for name in VARIABLES}
    filled = fill(EVERY, values)
    assert filled.text == " ".join(f"[value of {name}]" for name in VARIABLES)
    assert filled.empty == []


def test_spaces_inside_the_braces_are_optional():
    assert fill("Hi {{customer.first_name}}, {{   customer.first_name   }}!", {"customer.first_name": "Ana"}).text == (
        "Hi Ana, Ana!"
    )


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize("name", list(VARIABLES))
def test_hostile_text_in_any_variable_is_inserted_once_as_text(name, hostile):
    values = dict.fromkeys(VARIABLES, "safe")
    values[name] = hostile
    filled = fill(EVERY, values)
    expected = clean_value(hostile)
    assert f"[{expected}]" in filled.text
    # Nothing in the value was read again: the other variables have their own values, and
    # a variable the value names is still there as typed (or was never there).
    others = [n for n in VARIABLES if n != name]
    assert filled.text.count("[safe]") == len(others)
    assert "\n" not in filled.text and "\r" not in filled.text and "\x00" not in filled.text


def test_a_customer_called_like_a_variable_keeps_that_name():
    filled = fill(
        "Dear {{ customer.first_name }}, from {{ store.name }}",
        {
            "customer.first_name": "{{ store.name }}",
            "store.name": "Acme",
        },
    )
    assert filled.text == "Dear {{ store.name }}, from Acme"


def test_very_long_values_are_cut():
    filled = fill("{{ customer.last_name }}", {"customer.last_name": "x" * 100_000})
    assert filled.text == "x" * LONGEST_VALUE


def test_missing_values_become_empty_and_are_named():
    filled = fill(
        "Order {{ order.number }} ({{ order.status }}) for {{ customer.first_name }}",
        {
            "customer.first_name": "Ana",
            "order.number": None,
        },
    )
    assert filled.text == "Order  () for Ana"
    assert filled.empty == ["order.number", "order.status"]


def test_unknown_names_are_found_and_left_alone():
    body = "Hi {{ customer.first_name }} {{ customer.password }} {{ x }}{{}} {{ Store.Name }} {{ customer.first_name }}"
    assert variable_names(body) == ["customer.first_name", "customer.password", "x", "", "Store.Name"]
    assert unknown_variables(body) == ["customer.password", "x", "", "Store.Name"]
    assert fill(body, {"customer.first_name": "Ana"}).text.startswith("Hi Ana {{ customer.password }} {{ x }}")


def test_single_braces_and_unclosed_ones_are_text():
    body = "{ customer.first_name } {{ customer.first_name } {{{ customer.first_name }}}"
    assert unknown_variables("{ customer.first_name } {{ customer.first_name }") == []
    assert fill(body, {"customer.first_name": "Ana"}).text == "{ customer.first_name } {{ customer.first_name } {Ana}"


def test_values_for_a_ticket_with_an_order():
    order = {
        "number": "101950",
        "status": "partially_fulfilled",
        "fulfillments": [
            {"tracking_link": "https://track.example/1"},
            {"tracking_link": "javascript:alert(1)"},  # never sent to a customer
        ],
    }
    values = ticket_values(
        ticket={"from_email": "from@example.com"},
        customer={"first_name": "Ana", "last_name": "Lee", "email": "ana@example.com"},
        order=order,
        store=FakeStore("Acme Outfitters"),
        operator=Operator("Bo Agent"),
    )
    assert values == {
        "customer.first_name": "Ana",
        "customer.last_name": "Lee",
        "customer.email": "ana@example.com",
        "order.number": "101950",
        "order.status": "Partially fulfilled",
        "order.tracking_url": "https://track.example/1",
        "store.name": "Acme Outfitters",
        "operator.name": "Bo Agent",
    }


def test_values_for_a_ticket_without_order_or_customer():
    values = ticket_values(
        ticket={"from_email": "from@example.com"},
        customer=None,
        order=None,
        store=FakeStore(""),
        operator=Operator("Bo"),
    )
    assert values["customer.email"] == "from@example.com"  # the ticket's sender, then
    assert values["store.name"] == "acme"
    assert [name for name, value in values.items() if not value] == [
        "customer.first_name",
        "customer.last_name",
        "order.number",
        "order.status",
        "order.tracking_url",
    ]
    assert latest_tracking_url({"fulfillments": [{"tracking_link": "ftp://x"}, "junk", None]}) == ""
