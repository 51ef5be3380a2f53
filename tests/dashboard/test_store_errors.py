"""Each typed store error, made by the sandbox's fault injection, shown in the part of
the page that needed the data, in plain words, never a 500."""

import pytest
from django.urls import reverse

from storeapi.models import Store
from storeapi.roles import Role

from .conftest import HX, api_get

pytestmark = pytest.mark.django_db


def orders_partial(client):
    return client.get(
        reverse("order_list", kwargs={"store": "acme"}), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="order-results"
    )


def test_rate_limited_says_busy_and_retries_by_itself(acme, login_as, sandbox):
    client = login_as(acme)
    sandbox.set_faults("acme", rate_limit_rate=1.0, retry_after=30)
    response = orders_partial(client)
    html = response.content.decode()
    assert response.status_code == 200
    assert "The store is busy, retrying…" in html
    assert 'data-store-error="rate_limited"' in html and 'hx-trigger="load delay:30s"' in html
    assert 'hx-target="closest [data-panel]"' in html and "Retry" in html


def test_unavailable_with_a_retry_button(acme, login_as, sandbox):
    client = login_as(acme)
    sandbox.set_faults("acme", error_rate=1.0, error_statuses=[503])
    html = orders_partial(client).content.decode()
    assert "The store is not answering right now" in html and ">Retry</a>" in html
    sandbox.clear_faults("acme")
    assert 'id="order-table"' in orders_partial(client).content.decode()  # the retry works


def test_missing_scope_names_it_and_says_an_owner_can_reconnect(connect_store, login_as):
    store = connect_store("acme", scopes="store:read orders:read users:read")
    client = login_as(store, Role.OWNER)
    response = client.get(reverse("ticket_list", kwargs={"store": "acme"}))
    html = response.content.decode()
    assert response.status_code == 200
    assert "“tickets:read” permission" in html and "An owner can reconnect the store" in html
    assert 'data-store-error="missing_scope"' in html and ">Retry</a>" not in html
    # The rest of the page keeps working: the orders list reads fine.
    assert 'id="order-table"' in client.get(reverse("order_list", kwargs={"store": "acme"})).content.decode()


def test_token_revoked_marks_the_store_and_shows_the_banner(acme, login_as, sandbox):
    client = login_as(acme, Role.OWNER)
    sandbox.revoke_tokens("acme")
    html = orders_partial(client).content.decode()
    assert "revoked Storedesk's access" in html
    assert 'data-store-error="token_revoked"' in html
    assert 'id="store-banner" hx-swap-oob="true"' in html  # the banner appears at the top in place
    assert Store.objects.get(pk=acme.pk).status == Store.Status.NEEDS_RECONNECT
    page = client.get(reverse("store_overview", kwargs={"store": "acme"})).content.decode()
    assert "Reconnect the store to keep working in it." in page
    assert f'href="{reverse("store_reconnect", kwargs={"store": "acme"})}"' in page  # owners get the button


def test_agents_are_told_an_owner_must_reconnect(acme, login_as, sandbox):
    client = login_as(acme, Role.AGENT)
    sandbox.revoke_tokens("acme")
    orders_partial(client)
    page = client.get(reverse("store_overview", kwargs={"store": "acme"})).content.decode()
    assert "An owner of the store must reconnect it." in page
    assert reverse("store_reconnect", kwargs={"store": "acme"}) not in page


def test_malformed_answers_are_a_plain_message(acme, login_as, sandbox):
    client = login_as(acme)
    sandbox.set_faults("acme", malformed_rate=1.0)
    response = client.get(reverse("order_list", kwargs={"store": "acme"}))
    assert response.status_code == 200
    assert "did not understand" in response.content.decode()


def test_an_order_page_whose_store_is_down_keeps_the_layout(acme, login_as, sandbox):
    client = login_as(acme)
    number = sandbox.order_numbers("acme")[0]
    sandbox.set_faults("acme", error_rate=1.0, error_statuses=[500])
    response = client.get(reverse("order_detail", kwargs={"store": "acme", "number": number}))
    html = response.content.decode()
    assert response.status_code == 200 and f"Order #{number}" in html and 'data-store-error="unavailable"' in html
    assert 'id="order-body"' in html  # the retry re-requests this part
    retry = client.get(
        reverse("order_detail", kwargs={"store": "acme", "number": number}),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="order-body",
    ).content.decode()
    assert retry.lstrip().startswith('<div id="order-body"')


def test_a_write_the_store_refuses_keeps_the_text(acme, login_as, sandbox):
    client = login_as(acme, Role.AGENT)
    number = sandbox.order_numbers("acme")[0]
    sandbox.set_faults("acme", error_rate=1.0, error_statuses=[503])
    html = client.post(
        reverse("order_note_add", kwargs={"store": "acme", "number": number}), {"message": "keep me"}, **HX
    ).content.decode()
    assert "keep me" in html  # in the textarea, to try again
    assert "not answering" in html


def test_a_disconnected_store_says_so_everywhere_it_is_asked(acme, login_as, sandbox):
    acme.status = Store.Status.DISCONNECTED
    acme.save()
    client = login_as(acme, Role.VIEWER)
    sandbox.clear_request_log("acme")
    html = client.get(reverse("order_list", kwargs={"store": "acme"})).content.decode()
    assert 'data-store-error="not_connected"' in html and "This store is not connected." in html
    assert "An owner of the store can connect it." in html  # the banner, for a viewer
    assert sandbox.request_log("acme") == []  # nothing was sent


def test_a_reply_the_store_fails_keeps_the_text_in_the_thread(acme, login_as, sandbox):
    client = login_as(acme, Role.AGENT)
    ticket_id = api_get(sandbox, "acme", "tickets/")["results"][0]["id"]
    sandbox.set_faults("acme", error_rate=1.0, error_statuses=[503])
    html = client.post(
        reverse("ticket_reply", kwargs={"store": "acme", "ticket_id": ticket_id}),
        {"body": "keep this reply", "visibility": "public"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="ticket-thread",
    ).content.decode()
    assert "keep this reply" in html and "not answering" in html
    assert "<html" not in html  # only the thread, the rest of the page stays


def test_a_tag_the_store_fails_to_save_is_a_form_error(acme, login_as, sandbox):
    client = login_as(acme, Role.AGENT)
    number = sandbox.order_numbers("acme")[0]
    sandbox.set_faults("acme", error_rate=1.0, error_statuses=[503])
    html = client.post(
        reverse("order_tag_add", kwargs={"store": "acme", "number": number}), {"tag": "keep-me"}, **HX
    ).content.decode()
    assert 'value="keep-me"' in html and "not answering" in html


def test_acting_on_an_order_or_ticket_the_store_does_not_have_is_404(acme, login_as, sandbox):
    client = login_as(acme, Role.MANAGER)
    tag = client.post(reverse("order_tag_add", kwargs={"store": "acme", "number": "999999999"}), {"tag": "x"})
    reply = client.post(reverse("ticket_reply", kwargs={"store": "acme", "ticket_id": 999999}), {"body": "hello"})
    assert (tag.status_code, reply.status_code) == (404, 404)
