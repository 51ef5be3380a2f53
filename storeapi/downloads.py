"""Files the platform hands out behind short-lived signed URLs (native exports).

A signed URL carries its own authorisation: it is fetched without Storedesk's
credentials, and only over HTTPS or from the store's own origin (the sandbox).
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

from django.conf import settings

from .domains import store_base_url
from .errors import StoreUnavailable, UnexpectedResponse
from .http import shared_session


def _allowed_download(url: str, store) -> bool:
    """A signed URL is fetched without our credentials, and only over HTTPS, or from
    the store's own origin (the sandbox in development)."""
    parts = urlsplit(url)
    origin = urlsplit(store_base_url(store.subdomain))
    if (parts.scheme, parts.netloc) == (origin.scheme, origin.netloc):
        return True
    return parts.scheme == "https" and bool(parts.netloc) and "@" not in parts.netloc


def open_signed_download(url: str, *, store):
    """The lines of the file behind a signed URL, streamed."""
    if not _allowed_download(url, store):
        raise UnexpectedResponse("The platform's download link is not an HTTPS URL.", store=store.subdomain)
    response = shared_session().get(
        url, stream=True, timeout=(settings.STOREAPI_CONNECT_TIMEOUT, settings.STOREAPI_READ_TIMEOUT)
    )
    if response.status_code >= 500:
        raise StoreUnavailable(f"The export file answered {response.status_code}.", store=store.subdomain)
    if response.status_code != 200:
        raise UnexpectedResponse(f"The export file answered {response.status_code}.", store=store.subdomain)
    return io.TextIOWrapper(_RawLines(response), encoding="utf-8-sig", newline="")


class _RawLines(io.RawIOBase):
    def __init__(self, response):
        self._chunks = response.iter_content(64 * 1024)
        self._buffer = b""

    def readable(self):
        return True

    def readinto(self, target):
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size
