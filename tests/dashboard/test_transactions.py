"""The transactions list of one store, with the platform's filters, against the sandbox."""

from urllib.parse import parse_qs, urlsplit

from django.urls import reverse

from storeapi.roles import Role

from .conftest import HX


def test_the_transactions_list_with_filters(shop, login_as, api):
    client = login_as(shop, Role.VIEWER)
    url = reverse("transaction_list", kwargs={"store": "acme"})
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "Transactions" in html and html.count('class="transaction-row"') == 50
    failed = client.get(url, {"status": "failed"}, **HX).content.decode()
    expected = api("GET", "transactions/", params={"status": "failed"})["results"]
    assert failed.count('class="transaction-row"') == len(expected) and str(expected[0]["id"]) in failed
    assert "Status: Failed" in failed  # the active filter, removable
    more = parse_qs(urlsplit(api("GET", "transactions/")["next"]).query)["cursor"][0]
    rows = client.get(url, {"cursor": more}, **HX).content.decode()
    assert 'id="transaction-list"' not in rows and 'class="transaction-row"' in rows
    bad = client.get(url, {"amount_min": "10", "amount_max": "5"}).content.decode()
    assert "The upper amount is below the lower one." in bad
