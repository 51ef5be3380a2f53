"""Small helpers shared by the selectors."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from storeapi.client import Page
from storeapi.errors import UnexpectedResponse


def _cursor(url) -> str | None:
    if not url:
        return None
    if not isinstance(url, str):
        raise UnexpectedResponse("A pagination link is not a URL.")
    values = parse_qs(urlsplit(url).query).get("cursor")
    return values[0] if values else None


def page_from_body(body) -> Page:
    """A `Page` from a list answer read with `StoreClient.get` (so it can be cached)."""
    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        raise UnexpectedResponse("A list answer has no results.")
    return Page(
        results=body["results"], next_cursor=_cursor(body.get("next")), previous_cursor=_cursor(body.get("previous"))
    )
