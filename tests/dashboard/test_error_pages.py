"""The site's own error pages (dashboard/views/errors.py): the layout with the navigation
for a signed-in operator, the same page without it when the context itself is broken,
never Django's debug page (DEBUG is off in the tests, as in production and the demo)."""

import pytest
from django.test import Client
from django.urls import reverse

from storeapi.roles import Role
from tests.factories import MembershipFactory, StoreFactory

pytestmark = pytest.mark.django_db

BROKEN = "tests.dashboard.test_error_pages.broken_context"


def broken_context(request):
    """A context processor that fails, as one whose database connection went bad would."""
    raise RuntimeError("the context is broken")


@pytest.fixture
def member(client):
    membership = MembershipFactory(store=StoreFactory(subdomain="acme", name="Acme Outfitters"), role=Role.AGENT)
    client.force_login(membership.operator)
    return membership


def main_navigation(html: str) -> bool:
    return 'aria-label="Main"' in html and 'id="store-switcher"' in html


def test_another_stores_url_is_the_styled_404_with_the_navigation(client, member):
    StoreFactory(subdomain="bergmann")  # exists, but the operator is no member of it
    response = client.get("/s/bergmann/orders/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'data-error-page="404"' in html and "Not found" in html
    assert main_navigation(html) and member.operator.email in html  # the operator's menu
    assert "Acme Outfitters" in html  # the store switcher lists their stores
    assert "bergmann" not in html.lower()  # nothing said about the other store
    assert "URLconf" not in html and "Traceback" not in html


def test_a_signed_out_visitor_gets_the_styled_404_without_the_menu(client):
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'data-error-page="404"' in html and "storedesk.css" in html
    assert not main_navigation(html)


def test_a_role_that_may_not_gets_the_styled_403_saying_why(client, member):
    response = client.get(reverse("audit_log", kwargs={"store": "acme"}))  # owners only
    html = response.content.decode()
    assert response.status_code == 403
    assert 'data-error-page="403"' in html and "Your role in this store does not allow this." in html
    assert main_navigation(html)


@pytest.mark.urls("tests.dashboard.error_urls")
def test_a_bug_is_the_styled_500_with_the_navigation(member):
    client = Client(raise_request_exception=False)
    client.force_login(member.operator)
    response = client.get("/test-bug/")
    html = response.content.decode()
    assert response.status_code == 500
    assert 'data-error-page="500"' in html and "Something went wrong" in html
    assert main_navigation(html)
    assert "a bug in a view" not in html


@pytest.mark.urls("tests.dashboard.error_urls")
def test_a_broken_context_still_gets_a_styled_error_page(member, settings):
    engine = settings.TEMPLATES[0]
    processors = [*engine["OPTIONS"]["context_processors"], BROKEN]
    settings.TEMPLATES = [{**engine, "OPTIONS": {**engine["OPTIONS"], "context_processors": processors}}]
    client = Client(raise_request_exception=False)
    client.force_login(member.operator)
    for path, status in (("/s/nowhere/", 404), ("/test-bug/", 500)):
        response = client.get(path)
        html = response.content.decode()
        assert response.status_code == status
        assert f'data-error-page="{status}"' in html and "storedesk.css" in html  # styled, without the context
        assert not main_navigation(html)
        assert "the context is broken" not in html


def test_a_410_page_exists_in_the_same_frame(client, member):
    from dashboard.views.errors import error_page

    request = client.get("/").wsgi_request  # a real request of the signed-in operator
    response = error_page(request, 410)
    html = response.content.decode()
    assert response.status_code == 410
    assert 'data-error-page="410"' in html and "No longer here" in html
    assert main_navigation(html)


def test_a_form_without_its_csrf_token_gets_the_styled_403(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.operator)
    response = client.post(reverse("account_logout"))
    html = response.content.decode()
    assert response.status_code == 403
    assert 'data-error-page="403"' in html and "This form has expired" in html and "storedesk.css" in html
    assert "CSRF verification failed" not in html  # not Django's own page
