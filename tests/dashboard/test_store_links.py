"""Links built from a store's data are links only when they are http or https (issue 11, §10).

A fulfillment's tracking link is whatever a carrier integration wrote at the store. The
order page made any of it an `href`, `javascript:` included. Now anything but an
absolute http(s) URL is shown as text.
"""

import re

import pytest
from django.urls import reverse

from dashboard.formatting import web_url
from storeapi.roles import Role

HOSTILE = [
    "javascript:alert(document.domain)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "javascript://example.com/%0Aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example/track",
    "/s/acme/members/",
    "https:evil.example",
    "https://",
    "http://[::1",
    "https://track.example/\x00",
    "",
]
SAFE = [
    "https://www.ups.com/track?tracknum=1Z999AA10123456784",
    'http://tracking.example/1Z?x=<b>&y="q"',
    "HTTPS://Track.Example/1",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_anything_but_an_http_or_https_url_is_no_link(value):
    assert web_url(value) == ""


@pytest.mark.parametrize("value", SAFE)
def test_http_and_https_urls_are_links(value):
    assert web_url(value) == value


@pytest.mark.parametrize("value", [None, 42, ["https://a.example"], {"href": "https://a.example"}])
def test_what_is_not_text_is_no_link(value):
    assert web_url(value) == ""


@pytest.fixture
def shipped(acme, sandbox):
    """A new order of Acme's, fulfilled, with a tracking code."""
    (number,) = sandbox.create_orders("acme", fulfillment_status="fulfilled")
    return number


def fulfillments_of(html: str) -> str:
    start = html.index('id="order-fulfillments-heading"')
    return html[start : html.index("</section>", start)]


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(document.domain)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "//evil.example/track",
    ],
)
def test_the_order_page_shows_a_hostile_tracking_link_as_text(acme, login_as, sandbox, shipped, link):
    sandbox.set_tracking("acme", shipped, tracking_link=link, tracking_code="TRACK123")
    client = login_as(acme, Role.VIEWER)
    html = client.get(reverse("order_detail", kwargs={"store": "acme", "number": shipped})).content.decode()
    section = fulfillments_of(html)
    assert "TRACK123" in section
    assert "<a " not in section
    assert "href" not in section.lower()


def test_the_order_page_links_an_https_tracking_link(acme, login_as, sandbox, shipped):
    link = "https://track.example/TRACK123?carrier=ups&x=1"
    sandbox.set_tracking("acme", shipped, tracking_link=link, tracking_code="TRACK123")
    client = login_as(acme, Role.VIEWER)
    html = client.get(reverse("order_detail", kwargs={"store": "acme", "number": shipped})).content.decode()
    (anchor,) = re.findall(r"<a [^>]*>TRACK123</a>", fulfillments_of(html))
    assert 'href="https://track.example/TRACK123?carrier=ups&amp;x=1"' in anchor
    assert 'rel="noopener noreferrer"' in anchor
